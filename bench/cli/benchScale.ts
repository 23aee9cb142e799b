// `bench --only scale`: the large-input figures of issue 52, each measured on a child process of
// its own (so its peak RSS is its own, read with /usr/bin/time), on the synthetic inputs
// scripts/make-large-inputs.ts makes under tmp/large (never committed):
//   - read throughput (MB/s) and peak RSS: `data stats` on the 500k-trip HOSER set, and a streamed
//     parse of the ~2 GB ECML file (`read-gps` below: every line parsed into traces, none kept);
//   - match throughput (trips/s) at 1 and 2 worker threads: `data match` on the first --match-rows
//     rows of the ECML file onto the --match-network (start-up included: reading the network, the
//     calibration pass), and with --match-whole the whole file on 2 threads;
//   - export time: `export torch` of the 500k set;
//   - match throughput on one thread (`match-gps` below, always run: on the committed Porto GPS
//     inputs, ../shared/data/porto/gps, or --match-gps files): traces/s and rows/s with and without
//     start-up, and the sha256 of the matched trips (the same for any change that keeps the output).
// Prints one JSON object. Run alone: the machine's cores are the thing measured.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { streamGpsCsv } from '../../src/lib/data/gpsTraces';
import { decodeUtf8, textLines } from '../../src/lib/data/textStream';
import { matchBatch, matchGpsStream } from '../../src/lib/data/matchStream';
import { writeTrajectories } from '../../src/lib/data/hoserWriter';
import { fsStreamFile, loadRoadmap } from '../../src/cli/common/fsDataset';

export interface ScaleBenchOptions {
  /** Folder with hoser-500k/ and ecml-2g.csv (scripts/make-large-inputs.ts). */
  dir: string;
  /** Rows of the ECML file matched at 1 and 2 threads. */
  matchRows: number;
  /** Also match the whole ECML file on 2 threads onto `matchNetwork` (the issue's 2 GB figure). */
  matchWhole?: boolean;
  /** Network and GPS files of the one-thread match throughput (`match-gps`). */
  matchNetwork: string;
  matchGps: string[];
  log: (s: string) => void;
}

interface ChildRun {
  command: string;
  seconds: number;
  peakRssMiB: number | null;
  exitCode: number;
  stdout: string;
}

/** Runs `npx tsx src/cli/main.ts …args` under /usr/bin/time (peak RSS), returning its stdout. */
async function child(args: string[], entry = 'src/cli/main.ts'): Promise<ChildRun> {
  const tmp = await mkdtemp(join(tmpdir(), 'bench-scale-'));
  const timeFile = join(tmp, 'time.txt');
  const haveTime = existsSync('/usr/bin/time');
  const argv = ['--import', 'tsx', entry, ...args];
  const proc = haveTime
    ? spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const t0 = performance.now();
  const [code] = (await once(proc, 'exit')) as [number];
  const seconds = (performance.now() - t0) / 1000;
  const kb = haveTime ? Number((await readFile(timeFile, 'utf8')).trim().split('\n').pop()) : NaN;
  await rm(tmp, { recursive: true, force: true });
  return {
    command: `${entry === 'src/cli/main.ts' ? 'npm run cli --' : `npx tsx ${entry}`} ${args.join(' ')}`,
    seconds,
    peakRssMiB: Number.isFinite(kb) ? Math.round(kb / 1024) : null,
    exitCode: code,
    stdout,
  };
}

async function dirBytes(dir: string): Promise<number> {
  let n = 0;
  for (const f of await readdir(dir)) n += (await stat(join(dir, f))).size;
  return n;
}

/** The first `rows` data rows of a CSV (with its header) into `out`. */
async function headRows(from: string, out: string, rows: number): Promise<void> {
  const ws = createWriteStream(out);
  let k = -1;
  for await (const l of textLines(decodeUtf8(createReadStream(from)))) {
    ws.write(l.text + '\n');
    if (++k >= rows) break;
  }
  ws.end();
  await once(ws, 'finish');
}

export async function scaleBench(o: ScaleBenchOptions): Promise<Record<string, unknown>> {
  const hoser = join(o.dir, 'hoser-500k');
  const ecml = join(o.dir, 'ecml-2g.csv');
  const out: Record<string, unknown> = { inputs: { hoser, ecml, made: 'npx tsx scripts/make-large-inputs.ts hoser|ecml --out …' } };
  const gps = o.matchGps.filter((f) => existsSync(f));
  if (gps.length > 0 && existsSync(o.matchNetwork)) {
    o.log(`scale: one-thread match throughput on ${gps.join(', ')}`);
    const m = await child(['match-gps', o.matchNetwork, ...gps], 'bench/cli/benchScale.ts');
    out.matchThroughput = { ...m, stdout: undefined, ...(JSON.parse(m.stdout) as object) };
  } else out.matchThroughput = { skipped: `no ${o.matchGps.join(', ')}` };
  if (existsSync(hoser)) {
    const bytes = await dirBytes(hoser);
    o.log(`scale: data stats on ${hoser} (${(bytes / 1e6).toFixed(0)} MB)`);
    const st = await child(['data', 'stats', hoser, '--json']);
    const trips = (JSON.parse(st.stdout) as { trajectories: { train: number } }).trajectories.train;
    out.hoserStats = { ...st, stdout: undefined, bytes, trainTrips: trips, readMBps: bytes / 1e6 / st.seconds };
    const exp = join(o.dir, 'torch-500k');
    o.log(`scale: export torch of ${hoser}`);
    const ex = await child(['export', 'torch', '--dataset', hoser, '--out', exp]);
    out.exportTorch = { ...ex, stdout: undefined };
  } else out.hoserStats = { skipped: `no ${hoser}` };
  if (existsSync(ecml)) {
    const bytes = (await stat(ecml)).size;
    o.log(`scale: streamed parse of ${ecml} (${(bytes / 1e6).toFixed(0)} MB)`);
    const rd = await child(['read-gps', ecml], 'bench/cli/benchScale.ts');
    const r = JSON.parse(rd.stdout) as { rows: number; traces: number };
    out.ecmlRead = { ...rd, stdout: undefined, bytes, rows: r.rows, traces: r.traces, readMBps: bytes / 1e6 / rd.seconds };
    const sub = join(o.dir, `ecml-${o.matchRows}.csv`);
    await headRows(ecml, sub, o.matchRows);
    const match: Record<string, unknown> = {};
    for (const w of [1, 2]) {
      o.log(`scale: data match of ${o.matchRows} rows, ${w} worker(s)`);
      const m = await child([
        'data',
        'match',
        '--network',
        o.matchNetwork,
        '--gps',
        sub,
        '--out',
        join(o.dir, `match-w${w}`),
        '--workers',
        String(w),
        '--json',
      ]);
      const s = JSON.parse(m.stdout) as { read: number; kept: number };
      match[`workers${w}`] = { ...m, stdout: undefined, rows: s.read, kept: s.kept, tripsPerSec: s.read / m.seconds };
    }
    out.match = match;
    if (o.matchWhole) {
      o.log(`scale: data match of the whole ${ecml}, 2 workers`);
      const args = ['data', 'match', '--network', o.matchNetwork, '--gps', ecml, '--out', join(o.dir, 'match-whole')];
      const m = await child([...args, '--workers', '2', '--json']);
      const s = JSON.parse(m.stdout) as { read: number; kept: number };
      out.matchWhole = { ...m, stdout: undefined, bytes, rows: s.read, kept: s.kept, rowsPerSec: s.read / m.seconds };
    }
  } else out.ecmlRead = { skipped: `no ${ecml}` };
  return out;
}

// `npx tsx bench/cli/benchScale.ts match-gps <network dir> <gps file> …`: `data match --workers 1`
// in this thread (same calibration, batches and order), timed in parts: start-up (module loading,
// reading the network, the calibration pass) and matching proper (the batches), with the CPU time.
if (process.argv[2] === 'match-gps' && process.argv[3] && process.argv[4]) {
  const cpu0 = process.cpuUsage(); // after module loading
  const tStart = performance.now(); // ms since the process started: module loading before it
  const network = await loadRoadmap(process.argv[3]);
  const tLoaded = performance.now();
  const files = process.argv.slice(4).map((f) => fsStreamFile(f));
  const fileLabel = files.length === 1 ? files[0].name : `${files.length} files`;
  let matchMs = 0;
  let matchCpuUs = 0;
  let firstBatch = Infinity;
  const hash = createHash('sha256');
  const { tally } = await matchGpsStream(network, files, {
    runner: (b, cal) => {
      const t = performance.now();
      const c = process.cpuUsage();
      firstBatch = Math.min(firstBatch, t);
      const r = matchBatch(network, b.traces, 5, cal, fileLabel);
      const dc = process.cpuUsage(c);
      matchCpuUs += dc.user + dc.system;
      matchMs += performance.now() - t;
      return Promise.resolve(r);
    },
    onBatch: (trips) => void hash.update(writeTrajectories(trips)),
  });
  const tEnd = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const cpuAll = process.cpuUsage(); // since the process started: module loading included
  const matchS = matchMs / 1000;
  const totalS = tEnd / 1000;
  console.log(
    JSON.stringify({
      rows: tally.rows,
      tracesInside: tally.inside,
      kept: tally.kept,
      trajectories: tally.trajectories,
      moduleLoadS: tStart / 1000,
      networkLoadS: (tLoaded - tStart) / 1000,
      calibrationS: (firstBatch - tLoaded) / 1000,
      matchS,
      matchCpuS: matchCpuUs / 1e6,
      totalS,
      cpuS: (cpu.user + cpu.system) / 1e6,
      processCpuS: (cpuAll.user + cpuAll.system) / 1e6,
      // Matching proper: traces inside the area matched per second (of wall and of CPU time), rows read per second.
      tracesPerS: tally.inside / matchS,
      tracesPerCpuS: tally.inside / (matchCpuUs / 1e6),
      rowsPerS: tally.rows / matchS,
      // The whole process, start-up included (as `data match` is felt).
      tracesPerSWithStartup: tally.inside / totalS,
      rowsPerSWithStartup: tally.rows / totalS,
      tracesPerCpuSWithStartup: tally.inside / ((cpuAll.user + cpuAll.system) / 1e6),
      tripsSha256: hash.digest('hex'),
    }),
  );
}

// `npx tsx bench/cli/benchScale.ts read-gps <file>`: the streamed parse alone, for its own RSS.
if (process.argv[2] === 'read-gps' && process.argv[3]) {
  let rows = 0;
  let traces = 0;
  const f = fsStreamFile(process.argv[3]);
  for await (const b of streamGpsCsv(textLines(decodeUtf8(f.open())), f.name)) {
    rows += b.rows;
    traces += b.traces.length;
  }
  console.log(JSON.stringify({ rows, traces }));
}
