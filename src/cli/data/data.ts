// `data stats|validate|build`: dataset commands of the CLI.
import { basename, resolve } from 'node:path';
import { parseArgs } from '../common/args';
import { commandDecl } from '../common/commandFlags';
import { datasetDirFiles } from '../common/fsDataset';
import { readHoserDatasetStream } from '../../lib/data/hoserReader';
import { datasetStats } from '../../lib/data/stats';
import type { DatasetStats } from '../../lib/data/stats';
import { DatasetError, formatIssue } from '../../lib/data/types';
import type { Dataset } from '../../lib/data/types';

const USAGE = `usage:
  data stats <dir> [--json]   dataset statistics (--json: one JSON object on stdout)
  data validate <dir>         validate a HOSER-format dataset; exit 1 and list the problems if invalid
  data build …                build the embedded Porto dataset (see: data build --help)
  data match --network <dir> --gps <file> --out <dir>
                              map-match raw GPS onto a dataset's road network (see: data match --help)`;

type Loaded = { ok: true; ds: Dataset; files: string[] } | { ok: false; code: number };

/** Reads and validates `dir`; on failure prints the reason (every issue) and gives the exit code. */
async function load(dir: string | undefined, printIssues: (lines: string[]) => void): Promise<Loaded> {
  if (!dir) {
    console.error(`missing <dir>\n\n${USAGE}`);
    return { ok: false, code: 2 };
  }
  let files;
  try {
    files = await datasetDirFiles(dir);
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return { ok: false, code: 1 };
  }
  try {
    const ds = await readHoserDatasetStream(files, basename(resolve(dir)));
    return { ok: true, ds, files: files.map((f) => f.name) };
  } catch (e) {
    if (!(e instanceof DatasetError)) throw e;
    printIssues([...e.issues.map(formatIssue), `INVALID: ${dir}: ${e.issues.length} problem${e.issues.length === 1 ? '' : 's'} listed`]);
    return { ok: false, code: 1 };
  }
}

function table(name: string, s: DatasetStats): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const f = (x: number): string => x.toFixed(2);
  const rows: [string, string][] = [
    ['dataset', name],
    ['roads', n(s.roads)],
    ['relations', n(s.relations)],
    ['trajectories', `train ${n(s.trajectories.train)} · val ${n(s.trajectories.val)} · test ${n(s.trajectories.test)}`],
    ['test OD pairs in train', n(s.odOverlapTrainTest)],
    ['avg roads / trip', f(s.avgRoadsPerTrip)],
    ['avg distance (km)', f(s.avgDistanceKm)],
    ['avg duration (min)', f(s.avgDurationMin)],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

async function stats(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('data stats', USAGE));
  const json = p.flags.json !== undefined;
  const r = await load(p.positional[0], (lines) => console.error(lines.join('\n')));
  if (!r.ok) return r.code;
  const s = datasetStats(r.ds);
  console.log(json ? JSON.stringify(s) : table(r.ds.name, s));
  return 0;
}

async function validate(args: string[]): Promise<number> {
  const p = parseArgs(args, commandDecl('data validate', USAGE));
  const r = await load(p.positional[0], (lines) => console.log(lines.join('\n')));
  if (!r.ok) return r.code;
  const t = r.ds.splits;
  console.log(
    `OK ${r.ds.name}: ${r.ds.network.roads.length} roads, ${r.ds.network.relOrigin.length} relations, ` +
      `trajectories train ${t.train.length} / val ${t.val.length} / test ${t.test.length} (files: ${r.files.join(', ')})`,
  );
  return 0;
}

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'stats':
      return stats(rest);
    case 'validate':
      return validate(rest);
    case 'build': {
      const m = await import('./dataBuild');
      return m.run(rest);
    }
    case 'match': {
      const m = await import('./dataMatch');
      return m.run(rest);
    }
    default:
      if (sub === undefined || sub === '--help' || sub === '-h') {
        console.log(USAGE);
        return sub ? 0 : 2;
      }
      console.error(`unknown data subcommand "${sub}"\n\n${USAGE}`);
      return 2;
  }
}
