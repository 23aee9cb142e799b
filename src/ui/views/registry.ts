// The app's views. Each renders the side panel for its task and may add layers to the shared map.
// `?view=<id>` selects one.
import type { Component } from 'svelte';
import DataView from './DataView.svelte';
import TrainView from './TrainView.svelte';
import CompareGate from './CompareGate.svelte';
import TeachGate from './TeachGate.svelte';
import TrainDock from '../train/TrainDock.svelte';

export interface ViewDef {
  id: string;
  label: string;
  description: string;
  component: Component;
  /** Drawn over the map while the view is open (e.g. the Train view's docked charts). */
  overlay?: Component;
}

export const VIEWS: ViewDef[] = [
  { id: 'data', label: 'Data', description: 'Road network, real trips and dataset statistics', component: DataView },
  {
    id: 'train',
    label: 'Train',
    description: 'Train the student (vanilla or distilled) in a Web Worker, live',
    component: TrainView,
    overlay: TrainDock,
  },
  {
    id: 'compare',
    label: 'Compare',
    description: 'Vanilla vs distilled student: metrics, distributions and routes per OD pair',
    component: CompareGate,
  },
  { id: 'teach', label: 'Teach', description: 'See distillation: teacher vs student on one step of a real trip', component: TeachGate },
];

export const DEFAULT_VIEW = VIEWS[0].id;

export function viewFromUrl(search: string): string {
  const id = new URLSearchParams(search).get('view');
  return VIEWS.some((v) => v.id === id) ? id! : DEFAULT_VIEW;
}

/** Same URL with `view` set (other parameters kept), for history.replaceState. */
export function urlWithView(href: string, id: string): string {
  const url = new URL(href);
  if (id === DEFAULT_VIEW) url.searchParams.delete('view');
  else url.searchParams.set('view', id);
  // The whole href: a path-only URL of a page at "//" would read as protocol-relative.
  return url.href;
}
