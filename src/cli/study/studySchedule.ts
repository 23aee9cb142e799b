// `study schedule <label>=<dir>[@seeds] … [--out <file.json>] [--markdown <file.md>]`: how a set of
// training runs ended (src/lib/train/runLogSummary.ts): per arm the seeds' best val decision NLL,
// its mean and sd, where each run's learning rate ended against the peak, and core-hours per run.
// It reads the committed logs (<dir>/vanilla-s<seed>.log.json or distilled-s<seed>.log.json).
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commandLine, parseArgs } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { summarizeArm, type ArmSummary, type RunLogLike } from '../../lib/train/runLogSummary';

const USAGE = `usage: study schedule <label>=<dir>[@1,2,3] … [--out <file.json>] [--markdown <file.md>]
  e.g. "patience 3, routes control"=runs/control-routes@1,2,3 "24 epochs, routes control"=runs/schedule24/control-routes@1,2,3`;

async function armLogs(dir: string, seeds: number[] | null): Promise<RunLogLike[]> {
  const logs: RunLogLike[] = [];
  const names = (await readdir(dir)).filter((f) => /^(vanilla|distilled)-s\d+\.log\.json$/.test(f));
  for (const f of names) {
    const seed = Number(/-s(\d+)\.log\.json$/.exec(f)![1]);
    if (seeds && !seeds.includes(seed)) continue;
    logs.push(JSON.parse(await readFile(join(dir, f), 'utf8')) as RunLogLike);
  }
  if (seeds) for (const s of seeds) if (!logs.some((l) => l.seed === s)) throw new Error(`${dir}: no log of seed ${s}`);
  return logs;
}

const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '–');

export function scheduleMarkdown(arms: ReadonlyArray<{ label: string; summary: ArmSummary }>): string {
  const head =
    '| arm | seeds | val decision NLL per seed (best epoch / epochs run) | mean | sd | lr at the end, % of peak | core-hours per run |\n| --- | --- | --- | --- | --- | --- | --- |';
  const rows = arms.map(({ label, summary: s }) => {
    const per = s.runs.map((r) => `${f4(r.valNll)} (${r.bestEpoch + 1}/${r.epochsRun})`).join(', ');
    const lr = s.runs.map((r) => `${(100 * r.lrEndShare).toFixed(0)}${r.lrFrom === 'schedule' ? '*' : ''}`).join(', ');
    return `| ${label} | ${s.runs.map((r) => r.seed).join(', ')} | ${per} | ${f4(s.meanValNll)} | ${f4(s.sdValNll)} | ${lr} | ${s.meanCoreHours.toFixed(2)} |`;
  });
  // The footnote only where a figure carries its mark.
  const recomputed = arms.some(({ summary: s }) => s.runs.some((r) => r.lrFrom === 'schedule'));
  const note = recomputed ? '\n* recomputed from the schedule the run trained under (its log predates the per-epoch lr).\n' : '';
  return `${head}\n${rows.join('\n')}\n${note}`;
}

export async function run(args: string[]): Promise<number> {
  const p = parseArgs(args.slice(1), commandDecl('study schedule', USAGE));
  const specs = p.positional;
  if (specs.length === 0) {
    console.error(USAGE);
    return 2;
  }
  const arms: Array<{ label: string; dir: string; summary: ArmSummary }> = [];
  for (const spec of specs) {
    const m = /^(.+?)=([^@]+)(?:@([\d,]+))?$/.exec(spec);
    if (!m) throw new Error(`study schedule: expected <label>=<dir>[@seeds], got "${spec}"`);
    const [, label, dir, seeds] = m;
    if (!existsSync(dir)) throw new Error(`study schedule: ${dir} does not exist`);
    arms.push({ label, dir, summary: summarizeArm(await armLogs(dir, seeds ? seeds.split(',').map(Number) : null)) });
  }
  const md = scheduleMarkdown(arms);
  const command = commandLine('study schedule', args.slice(1));
  if (typeof p.flags.out === 'string')
    await writeFile(p.flags.out, JSON.stringify({ command, created: new Date().toISOString(), arms }, null, 2) + '\n');
  if (typeof p.flags.markdown === 'string') await writeFile(p.flags.markdown, `Made by \`${command}\`.\n\n${md}`);
  console.log(md);
  return 0;
}
