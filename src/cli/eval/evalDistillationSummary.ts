// `eval distillation-summary`: gathers each regime's seed-paired outputs (paired-steps on val and
// test, and the generation paired-report when it was run) into public/reports/distillation.json,
// the file behind the Compare view's "across training seeds" table (src/lib/eval/distillationSummary.ts).
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { flagString, parseArgs, commandLine, usageExit } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { PAIRED_REPORT_METRICS } from '../../lib/eval/pairedProtocol';
import { DISTILLATION_SCHEMA, regimeSummary, type ArmNames, type DistillationSummary } from '../../lib/eval/distillationSummary';

const USAGE = `usage: eval distillation-summary --regimes "<label>=<dir>[|<base>|<treated>];…" [--out public/reports/distillation.json]
                                 [--untagged <dataset>]
  Each <dir> holds paired-steps-val.json and/or paired-steps-test.json (study run writes
  them) and, when the generation protocol was run there, paired-report.json (eval paired-report --out)
  and paired-report-val.json (the same on val OD pairs, --splits val). Outputs written before the
  second city name no dataset; --untagged says which city those regimes ran in (e.g. porto), so that
  a summary of two cities tags every regime. |<base>|<treated> names the two arms where they are not
  vanilla and distilled, e.g. "25 %=runs/sf/transfer-0.25|scratch|transfer": the outputs' vanilla runs
  are then the base arm and their distilled runs the treated one.`;

/** "label=dir|base|treated" → its parts (the label may hold "=", the directory may not). */
export function regimeSpec(part: string): { label: string; dir: string; arms?: ArmNames } {
  const [head, ...names] = part.split('|').map((s) => s.trim());
  const eq = head.lastIndexOf('=');
  if (eq <= 0 || eq === head.length - 1) throw new Error(`"${part}": expected <label>=<dir>`);
  if (names.length !== 0 && (names.length !== 2 || !names[0] || !names[1]))
    throw new Error(`"${part}": arms are named as <label>=<dir>|<base>|<treated>`);
  const spec = { label: head.slice(0, eq).trim(), dir: head.slice(eq + 1).trim() };
  return names.length ? { ...spec, arms: { base: names[0], treated: names[1] } } : spec;
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('eval distillation-summary', USAGE));
  const exit = usageExit(p, USAGE, typeof p.flags.regimes !== 'string');
  if (exit !== null) return exit;
  const out = flagString(p, 'out', 'public/reports/distillation.json');
  const untagged = typeof p.flags.untagged === 'string' ? p.flags.untagged : null;
  const lower = Object.fromEntries(PAIRED_REPORT_METRICS.map((m) => [m.key, m.lowerIsBetter]));
  const read = async (f: string): Promise<unknown> => JSON.parse(await readFile(f, 'utf8')) as unknown;
  try {
    const regimes = [];
    for (const part of flagString(p, 'regimes')
      .split(';')
      .filter((s) => s.trim())) {
      const { label, dir, arms } = regimeSpec(part);
      const steps = [];
      for (const split of ['val', 'test']) {
        const f = join(dir, `paired-steps-${split}.json`);
        if (existsSync(f)) steps.push(await read(f));
      }
      const report = async (name: string) => (existsSync(join(dir, name)) ? await read(join(dir, name)) : null);
      regimes.push(
        regimeSummary(label, steps, await report('paired-report.json'), lower, {
          valReport: await report('paired-report-val.json'),
          untagged,
          arms,
        }),
      );
    }
    const summary: DistillationSummary = {
      schema: DISTILLATION_SCHEMA,
      created: new Date().toISOString(),
      command: commandLine('eval distillation-summary', args),
      regimes,
    };
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, JSON.stringify(summary, null, 2) + '\n');
    console.log(
      `wrote ${out}: ${regimes.map((r) => `${r.label} (${r.trainingSeeds.length} seeds, steps ${Object.keys(r.steps).join('+')}${Object.keys(r.generation).length ? ', generation' : ''})`).join('; ')}`,
    );
    return 0;
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 1;
  }
}
