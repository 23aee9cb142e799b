// The names a reader sees for every route generator, in one table: Compare's legend, its OD list and
// answer, the results tables `eval results-table` writes (README, public/reports/results*.json) and
// the README's prose all use these words, never the code's method names (fittedFastest, markovLength).
import type { BaselineMethod } from '../generate/baselines';

/** The real trip and the two students, as the map's legend and the answer name them. */
export const MODEL_NAME = { real: 'Real trip', vanilla: 'Vanilla student', distilled: 'Distilled student' } as const;

/** Each route baseline in plain words, lower case as in a table row or mid-sentence. */
export const BASELINE_NAME: Record<BaselineMethod, string> = {
  shortest: 'shortest path',
  fastest: 'fastest path, free-flow speeds',
  fittedFastest: 'fastest path, speeds fitted on train trips',
  markov: 'Markov chain',
  markovLength: 'Markov chain + length',
};

/** A baseline's name to head a legend row ("Fastest path, speeds fitted on train trips"); an unknown method keeps its own name. */
export function baselineTitle(method: string): string {
  const name = (BASELINE_NAME as Record<string, string>)[method] ?? method;
  return `${name[0]?.toUpperCase() ?? ''}${name.slice(1)}`;
}
