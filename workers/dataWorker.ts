// Data worker: downloads or reads the HOSER files, parses and validates them with src/lib, computes
// the statistics and answers with render-ready typed arrays. The page does no parsing at all, and
// neither do the model workers: they get the dataset parsed here, packed into typed arrays
// (`packed`, src/lib/data/packedDataset.ts), through the page.
// Called through comlink (DataWorkerApi); progress goes back through the page's proxied callbacks.
import * as Comlink from 'comlink';
import { serial } from './serial';
import { datasetFileRole, readHoserDatasetStream } from '../src/lib/data/hoserReader';
import { streamChunks, type StreamFile } from '../src/lib/data/textStream';
import { datasetStats } from '../src/lib/data/stats';
import { DatasetError, SPLITS } from '../src/lib/data/types';
import type { Dataset, Trajectory } from '../src/lib/data/types';
import { simulateDataset, packedBytes } from '../src/lib/sim/simulatePipeline';
import type {
  DatasetSource,
  DrawLimits,
  DataProgress,
  DataResult,
  DataWorkerApi,
  LoadPhase,
  MatchUse,
  RenderData,
  SimulatePhase,
  SimulateRequest,
  TrainSampleRequest,
} from './dataMessages';
import { renderTransferables } from './dataMessages';
import { DATASET_FILES, ROADMAP_FILES, fetchAsset } from './datasetFiles';
import { buildRoadRender, buildSampleTrips, buildTripsToDraw } from './renderData';
import { BIG_LIMITS, trainingSample } from '../src/lib/data/bigDataset';
import { matchGpsFile, matchedDataset, type MatchedTrips } from './matchGps';
import { networkFingerprint } from '../src/lib/data/fingerprint';
import { packDataset, packedDatasetTransferables, type PackedDataset } from '../src/lib/data/packedDataset';

/** Extensions worth reading from a picked folder (it may also hold a data card, images …). */
const DATA_FILE = /\.(geo|rel|csv)(\.gz)?$/i;

/** Throttled progress: at most ~20 messages a second, plus every phase change. */
function progressReporter(progress: DataProgress) {
  let last = 0;
  let lastPhase: LoadPhase | null = null;
  return (phase: LoadPhase, loaded = 0, total: number | null = null, file?: string): void => {
    const now = performance.now();
    if (phase === lastPhase && now - last < 50) return;
    last = now;
    lastPhase = phase;
    void progress.load({ phase, loaded, total, file });
  };
}

/** The answer with its buffers transferred, not copied. */
function answer(data: RenderData): DataResult {
  return Comlink.transfer({ ok: true, data }, renderTransferables(data));
}

/** A failure as an answer: validation problems keep their list (an Error would lose it on the way). */
function failure(e: unknown): DataResult {
  if (e instanceof DatasetError) return { ok: false, issues: e.issues, message: e.message };
  return { ok: false, issues: [], message: e instanceof Error ? e.message : String(e) };
}

/**
 * A byte stream (a fetch body, a picked File's stream) as a file the streaming reader reads
 * (src/lib/data/textStream.ts), counting raw bytes as they arrive. No file becomes one string: a
 * file larger than V8's longest string is read too.
 */
function streamFile(name: string, body: () => ReadableStream<Uint8Array>, gzip: boolean, onBytes: (n: number) => void): StreamFile {
  return {
    name,
    gzip,
    // A new stream per read: GPS matching reads a file twice (its calibration pass, then the match).
    open: async function* () {
      for await (const chunk of streamChunks(body())) {
        onBytes(chunk.byteLength);
        yield chunk;
      }
    },
  };
}

/** Bytes of the files read so far, for RenderData.bytes. */
let bytesRead = 0;

async function fetchEmbedded(baseUrl: string, report: ReturnType<typeof progressReporter>): Promise<StreamFile[]> {
  report('download', 0, null);
  // Start all downloads at once so the total size is known from the headers before bodies arrive.
  const found = await Promise.all(
    DATASET_FILES.map(async (name) => {
      const plain = await fetchAsset(new URL(name, baseUrl).href);
      if (plain) return { name, res: plain, gzip: false };
      const gz = await fetchAsset(new URL(`${name}.gz`, baseUrl).href);
      return gz ? { name, res: gz, gzip: true } : null;
    }),
  );
  const present = found.filter((f): f is NonNullable<typeof f> => f !== null);
  for (const req of ROADMAP_FILES) {
    if (!present.some((f) => f.name === req)) throw new Error(`${req} not found at ${baseUrl}`);
  }
  let total: number | null = 0;
  for (const f of present) {
    const len = Number(f.res.headers.get('content-length'));
    // With a Content-Encoding the header counts compressed bytes; the stream yields decoded ones.
    if (!len || f.res.headers.get('content-encoding')) total = null;
    else if (total !== null) total += len;
  }
  let loaded = 0;
  bytesRead = 0;
  return present.map((f) =>
    // A response body can be read once: the dataset reader reads each file once.
    streamFile(
      f.name,
      () => f.res.body!,
      f.gzip,
      (n) => {
        loaded += n;
        bytesRead += n;
        report('download', loaded, total, f.name);
      },
    ),
  );
}

function readPicked(files: { file: File; path: string }[], report: ReturnType<typeof progressReporter>): StreamFile[] {
  // Other files (a data card, images …) are skipped; a missing roadmap is reported by the reader.
  const wanted = files.filter((f) => DATA_FILE.test(f.file.name));
  if (!files.some((f) => datasetFileRole(f.file.name))) {
    const names = files.slice(0, 3).map((f) => f.file.name);
    const more = files.length > 3 ? ` and ${files.length - 3} more` : '';
    throw new Error(
      `No HOSER dataset file among ${names.join(', ')}${more}: pick roadmap.geo and roadmap.rel (and optionally train/val/test.csv), or their folder.`,
    );
  }
  const total = wanted.reduce((s, f) => s + f.file.size, 0);
  let loaded = 0;
  bytesRead = 0;
  return wanted.map(({ file, path }) =>
    streamFile(
      (path || file.name).replace(/\.gz$/i, ''),
      () => file.stream(),
      /\.gz$/i.test(file.name),
      (n) => {
        loaded += n;
        bytesRead += n;
        report('read', loaded, total, file.name);
      },
    ),
  );
}

/**
 * The datasets the page may hand to model workers (DatasetSource), newest last: every URL set
 * loaded (also the simulator's source of network, flows and departures) and every set held here
 * alone (picked files, matched trips); the oldest beyond KEEP are dropped.
 */
const kept: { key: string; ds: Dataset; bytes: number }[] = [];
const KEEP = 4;
let nextHeld = 1;

const keyOf = (src: DatasetSource): string => (src.kind === 'url' ? `url:${src.baseUrl}` : `held:${src.id}`);

function keep(src: DatasetSource, ds: Dataset, bytes = 0): void {
  const key = keyOf(src);
  const at = kept.findIndex((k) => k.key === key);
  if (at >= 0) kept.splice(at, 1);
  kept.push({ key, ds, bytes });
  while (kept.length > KEEP) kept.shift();
}

/** A new id for a set held here alone. */
function held(name: string, ds: Dataset): DatasetSource {
  const src: DatasetSource = { kind: 'held', id: nextHeld++, name };
  keep(src, ds);
  return src;
}

/**
 * The dataset of a URL and the bytes its files took: kept, or downloaded and parsed now (and kept).
 * A view with a model worker asks for it twice at its start (the worker's packed copy, the map's
 * trips), and parsing it twice was seconds of this worker's time.
 */
async function urlDataset(
  baseUrl: string,
  name: string,
  report: ReturnType<typeof progressReporter>,
): Promise<{ ds: Dataset; bytes: number }> {
  const src: DatasetSource = { kind: 'url', baseUrl, name };
  const hit = kept.find((k) => k.key === keyOf(src));
  if (hit) {
    // Newest again, as a fresh load of it made it: the sets dropped beyond KEEP stay the oldest used.
    keep(src, hit.ds, hit.bytes);
    return hit;
  }
  const ds = await readHoserDatasetStream(await fetchEmbedded(baseUrl, report), name);
  keep(src, ds, bytesRead);
  return { ds, bytes: bytesRead };
}
/** The last real dataset loaded (URL or files): "Match GPS traces…" matches onto its network. */
let lastLoaded: Dataset | null = null;
/** The trips of the last "Match GPS traces…" onto `lastLoaded`, kept to be used another way. */
let lastMatched: MatchedTrips | null = null;
/** Chromium's non-standard heap counter (also exposed in dedicated workers); null elsewhere. */
function heapBytes(): number | null {
  const mem = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
  return mem ? mem.usedJSHeapSize : null;
}

async function simulate(req: SimulateRequest, cb: DataProgress): Promise<DataResult> {
  let last = 0;
  let lastPhase: SimulatePhase | null = null;
  const progress = (phase: SimulatePhase, done: number, total: number): void => {
    const now = performance.now();
    if (phase === lastPhase && now - last < 100 && done < total) return;
    last = now;
    lastPhase = phase;
    void cb.sim?.({ phase, done, total });
  };
  try {
    const t0 = performance.now();
    progress('base', 0, 1);
    const { ds: base } = await urlDataset(req.baseUrl, req.baseName, progressReporter(cb));
    const t1 = performance.now();
    // Nothing keeps the set past this call: the page gets a sample, so peak memory is one set.
    const set = simulateDataset(base, { n: req.n, seed: req.seed }, progress);
    progress('render', 0, 1);
    const t2 = performance.now();
    const trips = buildSampleTrips(set.splits, base.network.roads, req.sample);
    const sample = trips.train.count + trips.val.count + trips.test.count;
    const t3 = performance.now();
    const data: RenderData = {
      name: set.name,
      fingerprint: networkFingerprint(base.network),
      roads: buildRoadRender(base.network.roads),
      trips,
      stats: set.stats,
      bytes: 0,
      timingsMs: { read: t1 - t0, parse: t2 - t1, prepare: t3 - t2 },
      simulated: {
        n: set.info.n,
        seed: set.info.seed,
        total: { train: set.splits.train.count, val: set.splits.val.count, test: set.splits.test.count },
        sample,
        tripsPerSec: set.info.tripsPerSec,
        timingsMs: { base: t1 - t0, ...set.timingsMs, render: t3 - t2 },
        packedBytes: packedBytes(set.splits.train),
        workerHeapBytes: heapBytes(),
      },
      // The model workers train on the real set the simulation drew from.
      source: { kind: 'url', baseUrl: req.baseUrl, name: req.baseName },
    };
    return answer(data);
  } catch (e) {
    return failure(e);
  }
}

/** Without limits from the page: the app's own (data/bigDataset.ts). */
const DEFAULT_DRAW: DrawLimits = { drawAllMax: BIG_LIMITS.drawAllMax, drawSample: BIG_LIMITS.drawSample };

/** The match under way, so that `cancelMatch` (not queued behind it) can stop it. */
let matching: AbortController | null = null;

async function matchGps(file: File, name: string, use: MatchUse, cb: DataProgress, draw = DEFAULT_DRAW): Promise<DataResult> {
  const report = progressReporter(cb);
  const abort = new AbortController();
  matching = abort;
  try {
    if (!lastLoaded) throw new Error('Load a dataset first: GPS traces are matched onto its road network.');
    const t0 = performance.now();
    // Read, parsed and matched in one pass over the file's stream: the bar shows the bytes matched.
    const gps = streamFile(
      file.name,
      () => file.stream(),
      /\.gz$/i.test(file.name),
      () => undefined,
    );
    report('match', 0, file.size, file.name);
    const m = await matchGpsFile(lastLoaded, gps, file.size, (bytes) => report('match', bytes, file.size, file.name), abort.signal);
    lastMatched = m;
    return matchedAnswer(m, use, name, report, { read: 0, parse: performance.now() - t0 }, draw);
  } catch (e) {
    return abort.signal.aborted ? { ok: false, issues: [], message: 'Matching cancelled.', cancelled: true } : failure(e);
  } finally {
    if (matching === abort) matching = null;
  }
}

/** Stops the match under way (between two batches); the dataset on screen stays as it was. */
function cancelMatch(): void {
  matching?.abort(new Error('cancelled'));
}

async function useMatched(name: string, use: MatchUse, cb: DataProgress, draw = DEFAULT_DRAW): Promise<DataResult> {
  try {
    if (!lastMatched) throw new Error('Match GPS traces first.');
    return matchedAnswer(lastMatched, use, name, progressReporter(cb), { read: 0, parse: 0 }, draw);
  } catch (e) {
    return failure(e);
  }
}

function matchedAnswer(
  m: MatchedTrips,
  use: MatchUse,
  name: string,
  report: ReturnType<typeof progressReporter>,
  timings: { read: number; parse: number },
  draw: DrawLimits,
): DataResult {
  const t0 = performance.now();
  report('prepare');
  const { dataset: ds, summary } = matchedDataset(m, use, name);
  const data: RenderData = {
    name,
    fingerprint: networkFingerprint(ds.network),
    roads: buildRoadRender(ds.network.roads),
    ...buildTripsToDraw(ds, draw),
    stats: datasetStats(ds),
    bytes: m.bytes,
    timingsMs: { ...timings, prepare: performance.now() - t0 },
    matched: summary,
    source: held(name, ds),
  };
  return answer(data);
}

/** A dataset of picked files, and the bytes they took. */
async function pickedDataset(
  files: { file: File; path: string }[],
  name: string,
  report: ReturnType<typeof progressReporter>,
): Promise<{ ds: Dataset; bytes: number }> {
  const ds = await readHoserDatasetStream(readPicked(files, report), name);
  return { ds, bytes: bytesRead };
}

/** A real dataset from a URL (`baseUrl`) or from picked files. */
async function load(
  src: { baseUrl: string } | { files: { file: File; path: string }[] },
  name: string,
  cb: DataProgress,
  draw: DrawLimits = DEFAULT_DRAW,
): Promise<DataResult> {
  const report = progressReporter(cb);
  try {
    const t0 = performance.now();
    // Read and parsed together, piece by piece (the progress is the bytes read); a URL's set once.
    const { ds, bytes } = 'baseUrl' in src ? await urlDataset(src.baseUrl, name, report) : await pickedDataset(src.files, name, report);
    const t1 = performance.now();
    report('parse');
    const source: DatasetSource = 'baseUrl' in src ? { kind: 'url', baseUrl: src.baseUrl, name } : held(name, ds);
    lastLoaded = ds;
    lastMatched = null;
    const t2 = performance.now();
    report('stats');
    const stats = datasetStats(ds);
    report('prepare');
    const data: RenderData = {
      name,
      fingerprint: networkFingerprint(ds.network),
      roads: buildRoadRender(ds.network.roads),
      // Above draw.drawAllMax trips: a sample and per-road counts of all (RenderData.aggregate).
      ...buildTripsToDraw(ds, draw),
      stats,
      bytes,
      timingsMs: { read: t1 - t0, parse: t2 - t1, prepare: performance.now() - t2 },
      source,
    };
    return answer(data);
  } catch (e) {
    return failure(e);
  }
}

/** The parsed set `src` names: kept here, or (a URL) downloaded and parsed now; a held set dropped beyond KEEP is an error. */
async function sourceDataset(src: DatasetSource): Promise<Dataset> {
  const ds =
    src.kind === 'url' ? (await urlDataset(src.baseUrl, src.name, () => undefined)).ds : kept.find((k) => k.key === keyOf(src))?.ds;
  if (!ds) throw new Error(`${src.name} is no longer held by the data worker: open it again`);
  return ds;
}

/**
 * The dataset of `src` for a model worker, packed (a copy: this worker keeps its own), transferred.
 * With `sample`, a set of more train trips than `sample.trainMax` goes as its seeded random sample
 * (trainingSample): the worker then trains on exactly those trips.
 */
async function packed(src: DatasetSource, sample?: TrainSampleRequest): Promise<PackedDataset> {
  const ds = await sourceDataset(src);
  const p = packDataset(sample ? trainingSample(ds, sample.trainMax) : ds);
  return Comlink.transfer(p, packedDatasetTransferables(p));
}

/** The trips of `src` with these ids (every split), in the order asked; ids it lacks are left out. */
async function trips(src: DatasetSource, ids: string[]): Promise<Trajectory[]> {
  const ds = await sourceDataset(src);
  const byId = new Map(SPLITS.flatMap((s) => ds.splits[s].map((t): [string, Trajectory] => [t.id, t])));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

// Calls run one after another; the page ignores answers to calls it has superseded.

const api: DataWorkerApi = {
  loadUrl: serial((baseUrl: string, name: string, cb: DataProgress, draw?: DrawLimits) => load({ baseUrl }, name, cb, draw)),
  loadFiles: serial((files: { file: File; path: string }[], name: string, cb: DataProgress, draw?: DrawLimits) =>
    load({ files }, name, cb, draw),
  ),
  simulate: serial(simulate),
  matchGps: serial(matchGps),
  // Not queued: it must reach the match it stops.
  cancelMatch: async () => cancelMatch(),
  useMatched: serial(useMatched),
  packed: serial(packed),
  trips: serial(trips),
};

Comlink.expose(api);
