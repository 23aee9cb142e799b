// How a saved run reads in the Train view: in its main controls (the run offered for resuming, or
// the one the current run saves into) and in the list under Checkpoints.
import type { SavedInfo } from '../../../workers/trainMessages';

/**
 * Where the run stands: "epoch 6, step 168 · val decision acc 80.4% (best epoch)", the accuracy the
 * charts and reports use. A run saved before that was recorded keeps its all-step figure, labelled.
 */
export function runPosition(r: SavedInfo): string {
  const at = `epoch ${r.epoch}, step ${r.step}`;
  if (r.kind === 'teacher') return r.best === null ? at : `${at} · best val perplexity ${r.best.toFixed(2)}`;
  if (r.bestDecisionAcc !== undefined) return `${at} · val decision acc ${(r.bestDecisionAcc * 100).toFixed(1)}% (best epoch)`;
  return r.best === null ? at : `${at} · best val acc ${(r.best * 100).toFixed(1)}% (all steps)`;
}

/** When it was last saved, in the browser's own date format. */
export function savedWhen(r: SavedInfo): string {
  return new Date(r.created).toLocaleString();
}
