// The app's views. Each renders the side panel for its task and may add layers to the shared map.
// Later issues add entries here (train, compare, teach); `?view=<id>` selects one.
import type { Component } from 'svelte';
import DataView from './DataView.svelte';

export interface ViewDef {
  id: string;
  label: string;
  description: string;
  component: Component;
}

export const VIEWS: ViewDef[] = [{ id: 'data', label: 'Data', description: 'Road network, real trips and dataset statistics', component: DataView }];

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
  return url.pathname + url.search + url.hash;
}
