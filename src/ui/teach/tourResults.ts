// What tour step 8 ("Did it work?") says about the pair on screen, read from the committed results
// (public/reports/results.json, results-val.json) rather than written into the step's text: the
// distilled student against its no-teacher partner (Compare's answer, the same sentences), the same
// loss toward a uniform target, and the lever that moved routes most. Each claim names where the app
// shows it. tests/teach/tourResults.test.ts ties every number to its row.
import type { ResultsFile } from '../../lib/eval/resultsTable';
import type { OutcomeWords } from '../../lib/eval/statsPolicy';
import { biggestLever, cityAnswers, sentenceLine } from '../compare/resultsAnswer';

export interface TourClaim {
  text: string;
  /** Where the app shows it: a link's words and its URL query. */
  where: string;
  href: string;
}

/** Compare's answer and its tables: where every claim below is shown. */
const ANSWER = { where: 'Compare, the answer', href: '?view=compare' };
const TABLES = { where: 'Compare, the tables behind the answer', href: '?view=compare' };

const UNIFORM_WORDS: OutcomeWords = {
  better: 'The teacher’s KL predicts the next road better than the same KL toward a uniform target',
  worse: 'The same KL toward a uniform target predicts the next road better than the teacher’s',
  level: 'The same KL toward a uniform target (no teacher) predicts the next road about as well as the teacher’s',
};

/** The claims of step 8 for `city`'s pair, in order; [] when the results hold no row for it. */
export function resultClaims(test: ResultsFile, val: ResultsFile | null, city: string): TourClaim[] {
  const answer = cityAnswers(test, val).find((a) => a.city === city)?.vsVanilla;
  if (!answer) return [];
  const claims: TourClaim[] = [
    {
      text: `${answer.headline}: over ${answer.pair.split('; ')[1]}, the distilled student here against its partner (${answer.pair.split('; ')[0]}). ${answer.lines.map((l) => `${l.text}.`).join(' ')}`,
      ...ANSWER,
    },
  ];
  // The uniform twin: teacher − uniform on the same table, where it was run.
  const table = test.cities.find((c) => c.city === answer.table);
  const contrast = table?.rows.find((r) => r.kind === 'contrast' && r.label.startsWith('teacher − uniform'));
  const e = contrast?.cells.decisionNll?.effect;
  if (contrast && e) claims.push({ text: `${sentenceLine('uniform', e, 'decisionNll', UNIFORM_WORDS, 'nats').text}.`, ...TABLES });
  if (answer.registered) claims.push({ text: `${answer.registered.text}.`, ...ANSWER });
  const lever = biggestLever(test, city);
  if (lever)
    claims.push({
      text: `What moved routes most had no teacher: ${lever.text}, DTW per km (${lever.table}).`,
      ...TABLES,
    });
  return claims;
}
