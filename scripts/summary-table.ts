// The README's seed-paired tables, printed as Markdown from a summary file (`eval
// distillation-summary`): one row per regime with the test decision NLL and accuracy, the reached
// rate of each arm, DTW on test and val OD pairs (and on test per km of the real trip), and the verdicts (teacher-forced; routes), so that
// every number in a table comes from the committed file and its command. The rows read "treated −
// baseline": distilled − vanilla for a distillation summary, transfer − scratch for a transfer one.
//
//   npx tsx scripts/summary-table.ts public/reports/distillation.json
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { blocksSummary, parseDistillationSummary, type DistillationSummary, type SummaryEffect } from '../src/lib/eval/distillationSummary';

const fin = (x: number | undefined): x is number => typeof x === 'number' && Number.isFinite(x);
const signed = (x: number, d: number): string => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(d)}`;

/** "−0.0144 [−0.0208, −0.0079]", bold when the interval excludes 0; "–" when absent. */
export function effectCell(e: SummaryEffect | undefined, digits: number): string {
  if (!e || !fin(e.mean)) return '–';
  const text =
    fin(e.ci95[0]) && fin(e.ci95[1])
      ? `${signed(e.mean, digits)} [${signed(e.ci95[0], digits)}, ${signed(e.ci95[1], digits)}]`
      : signed(e.mean, digits);
  return e.verdict === 'no detectable effect' ? text : `**${text}**`;
}

/** Each arm's reached rate over the seeds, in percent: "100 / 99.96 %". */
function reachedCell(e: SummaryEffect | undefined): string {
  if (!e || !fin(e.vanilla) || !fin(e.distilled)) return '–';
  const pct = (x: number): string => (x === 1 ? '100' : `${(100 * x).toFixed(2)}`);
  return `${pct(e.vanilla)} / ${pct(e.distilled)} %`;
}

export function summaryTable(s: DistillationSummary): string {
  const head = [
    'test (5 seed pairs, 95 % t-intervals)',
    'decision NLL',
    'decision accuracy',
    'reached, baseline / treated',
    'DTW km',
    'DTW per km',
    'val DTW km',
    'baseline DTW km, test / val',
    'verdict: teacher-forced; routes',
  ];
  const km = (e: SummaryEffect | undefined): string => (fin(e?.vanilla) ? e.vanilla.toFixed(2) : '–');
  const rows = s.regimes.map((r) => {
    const steps = r.steps.test?.effects;
    const gen = r.generation.test?.effects;
    const val = r.generation.val?.effects;
    const verdict = (b: Parameters<typeof blocksSummary>[0][number]): string => (b ? blocksSummary([b]).verdict : 'not run');
    return [
      r.label,
      effectCell(steps?.decisionNll, 4),
      effectCell(steps?.decisionAcc, 4),
      reachedCell(gen?.reachedRate),
      effectCell(gen?.odDtwKm, 2),
      effectCell(gen?.odDtwPerKm, 3),
      effectCell(val?.odDtwKm, 2),
      `${km(gen?.odDtwKm)} / ${km(val?.odDtwKm)}`,
      `${verdict(r.steps.test)}; ${verdict(r.generation.test)}`,
    ];
  });
  return [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npx tsx scripts/summary-table.ts <summary.json>');
    process.exit(2);
  }
  console.log(summaryTable(parseDistillationSummary(JSON.parse(readFileSync(file, 'utf8')) as unknown)));
}
