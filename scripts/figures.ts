// The experiment log's figures (docs/experiments/figures/*.svg), drawn from the committed JSON
// outputs of `eval steps`, `eval paired-steps` and `eval paired-report`: run it again after an
// arm's outputs land and every figure picks them up. Vega-Lite draws them headless (no canvas).
//
//   npx tsx scripts/figures.ts [--out docs/experiments/figures]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { flagString, parseArgs } from '../src/cli/common/args';

/** The bands of `eval steps` and `eval paired-steps`, nearest the trip's end first. */
export const BANDS = ['1', '2–3', '4–10', '11–30', '> 30'];

interface Effect {
  mean: number;
  ci95: [number, number];
}
interface BandSteps {
  band: string;
  decisionNll: number;
  decisionAcc: number;
  uniform?: { decisionNll: number; decisionAcc: number };
}
interface TeacherSteps {
  byStepsToEnd: BandSteps[];
}
interface PairedSteps {
  effects: {
    decisionNll: Effect;
    decisionAcc: Effect;
    byStepsToEnd: { band: string; decisionNll: Effect; decisionAcc: Effect }[];
  };
}
interface PairedReport {
  splits: Record<string, { effects: Record<string, Effect> }>;
}

/** One interval to draw: a paired difference's mean and 95 % interval. */
export interface EffectRow {
  arm: string;
  panel: string;
  x: string;
  mean: number;
  lo: number;
  hi: number;
}

/** Distilled − vanilla by steps left to the trip's end, NLL and accuracy (accuracy in points). */
export function stepsRows(arm: string, steps: PairedSteps): EffectRow[] {
  return steps.effects.byStepsToEnd.flatMap((b) => [
    row(arm, 'Δ decision NLL (nats)', b.band, b.decisionNll, 1),
    row(arm, 'Δ decision accuracy (points)', b.band, b.decisionAcc, 100),
  ]);
}

/** The primary generation effects of a paired report (reached in points, DTW in km), per split. */
export function generationRows(arm: string, report: PairedReport): EffectRow[] {
  return Object.entries(report.splits).flatMap(([split, s]) => {
    const out: EffectRow[] = [];
    const reached = s.effects.reachedRate;
    const dtw = s.effects.odDtwKm;
    // Reports written before the length-normalised DTW have no odDtwPerKm: no row then.
    const dtwPerKm = s.effects.odDtwPerKm;
    if (reached) out.push(row(arm, 'Δ reached (points)', `${split} OD`, reached, 100));
    if (dtw) out.push(row(arm, 'Δ DTW to the real trip (km)', `${split} OD`, dtw, 1));
    if (dtwPerKm) out.push(row(arm, 'Δ DTW per km of the real trip', `${split} OD`, dtwPerKm, 1));
    return out;
  });
}

/**
 * One regime of the region-transfer study (transfer − scratch, or zero-shot − SF-trained): every
 * decision step of the test trips, and the primary generation metrics on test OD pairs.
 */
export function transferRows(regime: string, steps?: PairedSteps, report?: PairedReport): EffectRow[] {
  const out: EffectRow[] = [];
  if (steps) {
    out.push(row('transfer', 'Δ decision NLL (nats)', regime, steps.effects.decisionNll, 1));
    out.push(row('transfer', 'Δ decision accuracy (points)', regime, steps.effects.decisionAcc, 100));
  }
  for (const r of report ? generationRows('transfer', report) : []) if (r.x === 'test OD') out.push({ ...r, x: regime });
  return out;
}

function row(arm: string, panel: string, x: string, e: Effect, scale: number): EffectRow {
  return { arm, panel, x, mean: e.mean * scale, lo: e.ci95[0] * scale, hi: e.ci95[1] * scale };
}

/** Decision NLL by band for one teacher checkpoint's `eval steps` output. */
export function teacherRows(teacher: string, destination: string, steps: TeacherSteps) {
  return steps.byStepsToEnd.map((b) => ({ teacher, destination, band: b.band, nll: b.decisionNll }));
}

/** Interval plots side by side, one per panel, arms in the given order, a rule at no effect. */
function intervalSpec(
  title: string,
  rows: EffectRow[],
  xTitle: string,
  xOrder: string[],
  armOrder: string[],
  yTitle = 'distilled − vanilla',
): TopLevelSpec {
  const arms = armOrder.filter((a) => rows.some((r) => r.arm === a));
  const panels = [...new Set(rows.map((r) => r.panel))];
  const x = { field: 'x', type: 'ordinal', sort: xOrder, title: xTitle, axis: { labelAngle: 0 } } as const;
  const xOffset = { field: 'arm', type: 'nominal', sort: arms } as const;
  // One arm needs no legend (the transfer figure).
  const legend = arms.length > 1 ? { labelLimit: 320 } : null;
  const color = { field: 'arm', type: 'nominal', title: 'arm', scale: { domain: arms }, legend } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: 'points: mean over seed pairs; bars: 95 % t-interval; dashed: no effect', anchor: 'start' },
    data: { values: rows },
    hconcat: panels.map((panel) => {
      const values = rows.filter((r) => r.panel === panel).flatMap((r) => [r.lo, r.hi]);
      // An all-zero panel (e.g. every route reached in both arms) still gets a readable axis.
      const flat = values.every((v) => v === 0);
      return {
        title: panel,
        width: 320,
        height: 220,
        transform: [{ filter: { field: 'panel', equal: panel } }],
        layer: [
          { mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { y: { datum: 0 } } },
          {
            mark: { type: 'errorbar', ticks: true },
            encoding: {
              x,
              xOffset,
              y: {
                field: 'lo',
                type: 'quantitative',
                title: yTitle,
                scale: flat ? { domain: [-1, 1] } : {},
              },
              y2: { field: 'hi' },
              color,
            },
          },
          {
            mark: { type: 'point', filled: true, size: 45, opacity: 1 },
            encoding: { x, xOffset, y: { field: 'mean', type: 'quantitative' }, color },
          },
        ],
      };
    }),
  };
}

function teacherSpec(rows: ReturnType<typeof teacherRows>): TopLevelSpec {
  const order = [...TEACHERS.map(([label]) => label), UNIFORM].filter((t) => rows.some((r) => r.teacher === t));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'The teachers near the destination (val decision steps)',
      subtitle: 'dashed: scored with another trip’s destination (the swap test); grey: a uniform guess',
      anchor: 'start',
    },
    data: { values: rows },
    width: 420,
    height: 260,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'band', type: 'ordinal', sort: BANDS, title: 'decision steps left to the trip’s end', axis: { labelAngle: 0 } },
      y: { field: 'nll', type: 'quantitative', title: 'decision NLL (nats, lower is better)' },
      color: {
        field: 'teacher',
        type: 'nominal',
        title: 'teacher',
        scale: { domain: order, range: order.map((t) => COLORS[t] ?? '#999999') },
        legend: { labelLimit: 320, symbolType: 'stroke' },
      },
      strokeDash: {
        field: 'destination',
        type: 'nominal',
        title: 'destination',
        scale: {
          domain: ['own', 'swapped'],
          range: [
            [1, 0],
            [5, 3],
          ],
        },
        legend: null, // the subtitle says what the dashes mean
      },
    },
  };
}

async function svg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return `${await view.toSVG()}\n`;
}

function read<T>(path: string): T | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
}

/** The arms of each city's study, in the order the experiment log tells them. */
const ARMS: Record<string, [dir: string, label: string][]> = {
  porto: [
    ['arm-shipped', 'shipped teacher + recipe'],
    ['arm-a', 'a: thesis optimum'],
    ['arm-b', 'b: no KL near the end'],
    ['arm-b-control', 'b control: random mask'],
    ['arm-c', 'c: destination-aware teacher'],
    ['arm-d', 'd: tuned for generation'],
  ],
  sf: [
    ['sf-arm-d', 'd: Porto’s tuned recipe'],
    ['sf-arm-cross', 'Porto moves teacher'],
  ],
};

/** The region-transfer regimes, in order: the committed folder under runs/, and the x label. */
const TRANSFER: [dir: string, label: string][] = [
  ['sf-transfer-5', '5 %'],
  ['sf-transfer-25', '25 %'],
  ['sf-transfer-100', '100 %'],
  ['sf-zero-shot', 'zero-shot'],
];

const UNIFORM = 'uniform guess';

/** Fixed colours, so that a teacher keeps its colour when another one's outputs land. */
const COLORS: Record<string, string> = {
  'shipped until the study (3 epochs, old corpus)': '#d62728',
  'study teacher, shipped now (epoch 35)': '#1f77b4',
  'destination offsets (arm c)': '#2ca02c',
};

/** Teachers of the near-destination figure: label, then the `eval steps` outputs (own, swapped). */
const TEACHERS: [label: string, own: string, swapped: string][] = [
  ['shipped until the study (3 epochs, old corpus)', 'teacher-shipped-val-steps.json', 'teacher-shipped-val-steps-swapped.json'],
  ['study teacher, shipped now (epoch 35)', 'teacher-rde2-epoch35-val-steps.json', 'teacher-rde2-epoch35-val-steps-swapped.json'],
  ['destination offsets (arm c)', 'teacher-dr-val-steps.json', 'teacher-dr-val-steps-swapped.json'],
];

/** Draws every figure whose inputs exist under `exp` into `out`; returns the files written. */
export async function drawFigures(exp: string, out: string): Promise<string[]> {
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  const write = async (name: string, spec: TopLevelSpec) => {
    writeFileSync(join(out, name), await svg(spec));
    written.push(join(out, name));
  };

  const teachers = TEACHERS.flatMap(([label, own, swapped]) => {
    const a = read<TeacherSteps>(join(exp, own));
    const b = read<TeacherSteps>(join(exp, swapped));
    return [...(a ? teacherRows(label, 'own', a) : []), ...(b ? teacherRows(label, 'swapped', b) : [])];
  });
  const first = read<TeacherSteps>(join(exp, TEACHERS[0][1]));
  if (first) {
    const uniform = first.byStepsToEnd.flatMap((b) =>
      b.uniform ? [{ teacher: UNIFORM, destination: 'own', band: b.band, nll: b.uniform.decisionNll }] : [],
    );
    await write('teacher-near-destination.svg', teacherSpec([...teachers, ...uniform]));
  }

  for (const [city, arms] of Object.entries(ARMS)) {
    const present = arms.filter(([dir]) => existsSync(join(exp, 'runs', dir)));
    const steps = present.flatMap(([dir, label]) => {
      const s = read<PairedSteps>(join(exp, 'runs', dir, 'paired-steps-test.json'));
      return s ? stepsRows(label, s) : [];
    });
    const gen = present.flatMap(([dir, label]) => {
      const r = read<PairedReport>(join(exp, 'runs', dir, 'paired-report.json'));
      return r ? generationRows(label, r) : [];
    });
    const name = city === 'porto' ? 'Porto' : 'San Francisco';
    const labels = arms.map(([, label]) => label);
    if (steps.length > 0) {
      await write(
        `${city}-arms-by-steps-left.svg`,
        intervalSpec(`${name}: distilled − vanilla by steps left (test, 5 seed pairs)`, steps, 'steps left', BANDS, labels),
      );
    }
    if (gen.length > 0) {
      await write(
        `${city}-arms-generation.svg`,
        intervalSpec(
          `${name}: generated routes, distilled − vanilla (best-first, 5 seed pairs)`,
          gen,
          'OD pairs',
          ['test OD', 'train OD'],
          labels,
        ),
      );
    }
  }
  const transfer = TRANSFER.flatMap(([dir, label]) =>
    transferRows(
      label,
      read<PairedSteps>(join(exp, 'runs', dir, 'paired-steps-test.json')),
      read<PairedReport>(join(exp, 'runs', dir, 'paired-report.json')),
    ),
  );
  if (transfer.length > 0) {
    await write(
      'sf-transfer.svg',
      intervalSpec(
        'Porto → San Francisco: transfer − scratch on a share of SF’s train trips; zero-shot − SF-trained (test, 5 seed pairs)',
        transfer,
        'SF train trips used',
        TRANSFER.map(([, label]) => label),
        ['transfer'],
        'transfer (zero-shot) − scratch (SF-trained)',
      ),
    );
  }
  return written;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const exp = 'docs/experiments';
  const written = await drawFigures(exp, flagString(args, 'out', join(exp, 'figures')));
  console.log(JSON.stringify({ written }, null, 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
