// How a saved run reads in the Train view: in its main controls (the run offered for resuming, or
// the one the current run saves into) and in the list under Checkpoints. Epochs are counted one
// way everywhere in the view (epochLabel): the epoch a run is in, from 1, of its total.
import type { SavedInfo } from '../../../workers/trainMessages';

/**
 * "epoch 2 of 8": the epoch a run is in, from 1, given the epochs it has finished (`done`, as a
 * checkpoint counts them) and its total; "epoch 8 of 8, finished" once all are done. The Train
 * view's counter, its saved-run lines and its "Loaded …" notice all use it.
 */
export function epochLabel(done: number, total: number | undefined): string {
  const d = Math.max(0, Math.floor(done));
  if (total === undefined || !(total > 0)) return `epoch ${d + 1}`;
  return d >= total ? `epoch ${total} of ${total}, finished` : `epoch ${d + 1} of ${total}`;
}

/** The epoch a run is in, from 1 (capped at its total): the counter's number. */
export function epochInProgress(done: number, total: number): number {
  return Math.min(Math.max(1, total), Math.max(0, Math.floor(done)) + 1);
}

/**
 * Where the run stands: "epoch 7 of 8, step 168 · val decision acc 80.4% (best epoch)", the accuracy
 * the charts and reports use. A run saved before that was recorded keeps its all-step figure, labelled.
 */
export function runPosition(r: SavedInfo): string {
  const total = typeof r.hyper.epochs === 'number' ? r.hyper.epochs : undefined;
  const at = `${epochLabel(r.epoch, total)}, step ${r.step}`;
  if (r.kind === 'teacher') return r.best === null ? at : `${at} · best val perplexity ${r.best.toFixed(2)}`;
  if (r.bestDecisionAcc !== undefined) return `${at} · val decision acc ${(r.bestDecisionAcc * 100).toFixed(1)}% (best epoch)`;
  return r.best === null ? at : `${at} · best val acc ${(r.best * 100).toFixed(1)}% (all steps)`;
}

/** When it was last saved, in the browser's own date format. */
export function savedWhen(r: SavedInfo): string {
  return new Date(r.created).toLocaleString();
}
