// Time to a useful model in the Train view: how long the built app takes, on this machine, from
// pressing Train until a vanilla student's val decision accuracy (the epoch line's `data-acc`: all
// val trips, whole) is within 1 point of the shipped vanilla student's, on each number of
// data-parallel workers (`?trainWorkers=N`). The shipped value is read as the view reads it for its
// reference line (trainClient.svelte.ts loadShippedAcc: the served checkpoints/porto/vanilla.log.json,
// its best epoch's valAccDecision); target = that − 0.01. `vite build`, then `vite preview`, Debian's
// Chromium (e2e/chromium.ts), a fresh browser context per run (no saved runs, no derived cache).
// Timed: the click on Train → the first poll (every second) that sees an epoch line at or above the
// target. Rounds alternate the order of the worker counts (1,2 then 2,1) so drift hits both.
// `--before-run` / `--after-run` name executables run just before the click and right after each
// timed run (also on failure), e.g. to pause the machine's other jobs. Prints ONE JSON object.
// tfjs-wasm threads (BENCHMARKS.md "tfjs-wasm threads against data-parallel workers"): `--isolate`
// serves the page cross-origin isolated (TRAJDISTILL_ISOLATE=1, vite.config.ts), `--configs 1x1,1x2,2x1`
// runs workers × `?wasmThreads=` pairs instead of `--workers`, and `--max-epochs K` stops each run
// after K epochs (for seconds per epoch rather than time to the target).
//   npx tsx bench/browser/time-to-useful.ts [--workers 1,2] [--backend wasm: "default" sends no ?backend=] [--rounds 1] [--timeout-min 20]
//     [--query batch=16&epochs=40: Train view settings beside mode=vanilla] [--before-run f] [--after-run f]
//     [--isolate] [--configs WxT,…] [--max-epochs K] [--no-build] [--port 5294] [--out f.json]
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { build, preview } from 'vite';
import { chromium, type Browser } from '@playwright/test';
import { CHROMIUM_LAUNCH } from '../../e2e/chromium';
import { DEFAULT_HYPER } from '../../src/lib/train/sessionHyper';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const log = (s: string) => process.stderr.write(`${s}\n`);
const load = () => loadavg().map((x) => +x.toFixed(2));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One epoch line as the poll saw it: `atS` = seconds after the click. */
interface EpochSeen {
  epoch: number;
  acc: number;
  nll: number;
  atS: number;
  /** The epoch's training time as the view prints it (no validation). */
  trainSeconds: number | null;
}

interface Run {
  /** `workers` alone, or `${workers}x${wasmThreads}` with --configs. */
  label: string;
  workers: number;
  /** `?wasmThreads=` sent (null: none). */
  wasmThreads: number | null;
  /** The page's self.crossOriginIsolated. */
  crossOriginIsolated: boolean;
  /** What the backend badge said tfjs-wasm runs (`wasm-threads`: running threads, threaded build). */
  backendThreads: { running: number; threadedBuild: boolean } | null;
  round: number;
  reached: boolean;
  /** Click on Train → first poll at or above the target; null if not reached. */
  secondsToTarget: number | null;
  epochsToTarget: number | null;
  finalAcc: number | null;
  /** Optimiser steps when the poll stopped. */
  steps: number | null;
  /** Why the poll stopped: 'target', 'done' (all epochs, not reached), 'timeout' or the run's state. */
  end: string;
  /** Workers the view said it trained on (`train-workers`). */
  workersInUse: number | null;
  hardwareConcurrency: number;
  /** The view's own "shipped vanilla" figure on its epoch line (a check of the target's source). */
  viewShippedVanilla: string | null;
  loadAvg: { before: number[]; after: number[] };
  epochs: EpochSeen[];
  pageErrors: string[];
}

// A string, not a function: tsx's transform would inject a __name helper the page lacks.
const READ = `(() => {
  const q = (id) => document.querySelector('[data-testid="' + id + '"]');
  const line = q('epoch-line');
  const state = document.querySelector('span.state[data-state]');
  return {
    text: line ? line.textContent : null,
    acc: line ? line.getAttribute('data-acc') : null,
    nll: line ? line.getAttribute('data-nll') : null,
    state: state ? state.getAttribute('data-state') : null,
    steps: q('train-step-count') ? q('train-step-count').textContent : null,
    workers: q('train-workers') ? q('train-workers').getAttribute('data-value') : null,
  };
})()`;
interface Read {
  text: string | null;
  acc: string | null;
  nll: string | null;
  state: string | null;
  steps: string | null;
  workers: string | null;
}

function hook(file: string): void {
  if (file) execFileSync(file, { stdio: ['ignore', process.stderr, process.stderr] });
}

interface Config {
  label: string;
  workers: number;
  wasmThreads: number | null;
}

async function timedRun(browser: Browser, base: string, url: string, c: Config, round: number, target: number): Promise<Run> {
  const workers = c.workers;
  const ctx = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } });
  const pageErrors: string[] = [];
  try {
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url);
    const backend = new URL(url, base).searchParams.get('backend');
    if (backend) await page.locator(`[data-testid="backend-badge"][data-backend="${backend}"]`).waitFor({ timeout: 300_000 });
    const play = page.getByTestId('train-play');
    await page.waitForFunction(`!document.querySelector('[data-testid="train-play"]')?.disabled`, null, { timeout: 300_000 });
    const setting = await page.getByTestId('train-workers-setting').inputValue();
    if (Number(setting) !== workers) throw new Error(`workers setting shows ${setting}, not ${workers}`);
    const hardwareConcurrency = Number(await page.evaluate('navigator.hardwareConcurrency'));
    const crossOriginIsolated = Boolean(await page.evaluate('self.crossOriginIsolated'));
    let backendThreads: Run['backendThreads'] = null;
    if (c.wasmThreads !== null) {
      const badge = page.getByTestId('wasm-threads');
      await badge.waitFor({ timeout: 60_000 });
      backendThreads = {
        running: Number(await badge.getAttribute('data-value')),
        threadedBuild: (await badge.getAttribute('data-threaded')) === 'true',
      };
      log(`${c.label}: crossOriginIsolated ${crossOriginIsolated}, tfjs-wasm ${JSON.stringify(backendThreads)}`);
    }
    const maxEpochs = Number(flag('max-epochs', '0'));
    const timeoutMs = Number(flag('timeout-min', '20')) * 60_000;
    const epochs: EpochSeen[] = [];
    let last: Read | null = null;
    let end = 'timeout';
    let viewShippedVanilla: string | null = null;
    hook(flag('before-run', ''));
    const before = load();
    let after: number[] = [];
    const t0 = performance.now();
    try {
      await play.click();
      for (;;) {
        const atS = (performance.now() - t0) / 1000;
        last = (await page.evaluate(READ)) as Read;
        const m = last.text?.match(/^\s*Epoch (\d+):/);
        if (m && last.acc !== null && Number(m[1]) !== epochs.at(-1)?.epoch) {
          const secs = last.text?.match(/·\s*([\d.]+) s\s*$/);
          viewShippedVanilla = last.text?.match(/shipped vanilla ([\d.]+%)/)?.[1] ?? null;
          epochs.push({
            epoch: Number(m[1]),
            acc: Number(last.acc),
            nll: Number(last.nll),
            atS: +atS.toFixed(1),
            trainSeconds: secs ? Number(secs[1]) : null,
          });
          log(
            `${c.label}: epoch ${m[1]} val decision acc ${Number(last.acc).toFixed(4)} at ${atS.toFixed(1)} s (training ${secs?.[1] ?? '?'} s)`,
          );
          if (Number(last.acc) >= target) {
            end = 'target';
            break;
          }
          if (maxEpochs > 0 && epochs.length >= maxEpochs) {
            end = 'max-epochs';
            break;
          }
        }
        if (last.state === 'done' || last.state === 'stopped' || last.state === 'error') {
          end = last.state;
          break;
        }
        if (atS * 1000 > timeoutMs) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      after = load();
    } finally {
      hook(flag('after-run', ''));
    }
    const hit = end === 'target' ? epochs.at(-1) : undefined;
    return {
      label: c.label,
      workers,
      wasmThreads: c.wasmThreads,
      crossOriginIsolated,
      backendThreads,
      round,
      reached: hit !== undefined,
      secondsToTarget: hit ? hit.atS : null,
      epochsToTarget: hit ? hit.epoch : null,
      finalAcc: epochs.at(-1)?.acc ?? null,
      steps: last?.steps ? Number(last.steps) : null,
      end,
      workersInUse: last?.workers ? Number(last.workers) : null,
      hardwareConcurrency,
      viewShippedVanilla,
      loadAvg: { before, after },
      epochs,
      pageErrors,
    };
  } finally {
    // Closing can hang while a worker is busy: do not wait for it forever.
    await Promise.race([ctx.close(), new Promise((r) => setTimeout(r, 10_000))]);
  }
}

async function main(): Promise<void> {
  const port = Number(flag('port', '5294'));
  const base = `http://127.0.0.1:${port}`;
  const backend = flag('backend', 'wasm');
  const workerCounts = flag('workers', '1,2').split(',').map(Number);
  const rounds = Number(flag('rounds', '1'));
  const query = flag('query', '');
  // `WxT`: W data-parallel workers, ?wasmThreads=T; without --configs, --workers and no threads.
  const configs: Config[] = flag('configs', '')
    ? flag('configs', '')
        .split(',')
        .map((x) => {
          const [w, t] = x.split('x').map(Number);
          return { label: x, workers: w, wasmThreads: Number.isFinite(t) ? t : null };
        })
    : workerCounts.map((w) => ({ label: String(w), workers: w, wasmThreads: null }));
  // vite.config.ts reads it when preview() loads the config: COOP/COEP on every response.
  if (process.argv.includes('--isolate')) process.env.TRAJDISTILL_ISOLATE = '1';
  if (!process.argv.includes('--no-build')) {
    log('vite build');
    await build({ logLevel: 'error' });
  }
  const server = await preview({ preview: { port, strictPort: true, host: '127.0.0.1' }, logLevel: 'error' });
  const browser = await chromium.launch({ ...CHROMIUM_LAUNCH, headless: true });
  const runs: Run[] = [];
  let shipped = NaN;
  try {
    // The view's reference line: the served log's best epoch (trainClient.svelte.ts loadShippedAcc).
    const res = await fetch(`${base}/checkpoints/porto/vanilla.log.json`);
    const shippedLog = (await res.json()) as { bestEpoch: number; epochs: { valAccDecision: number }[] };
    shipped = shippedLog.epochs[shippedLog.bestEpoch].valAccDecision;
    const target = shipped - 0.01;
    log(`shipped vanilla val decision accuracy ${shipped.toFixed(4)}: target ${target.toFixed(4)}`);
    for (let round = 0; round < rounds; round++) {
      for (const c of round % 2 ? [...configs].reverse() : configs) {
        const backendParam = backend === 'default' ? '' : `backend=${backend}&`;
        const threads = c.wasmThreads !== null ? `&wasmThreads=${c.wasmThreads}` : '';
        const url = `/?view=train&${backendParam}mode=vanilla&trainWorkers=${c.workers}${threads}${query ? `&${query}` : ''}`;
        log(`round ${round + 1}, ${c.label}: ${url}`);
        const run = await timedRun(browser, base, url, c, round + 1, target);
        log(`→ ${run.reached ? `${run.secondsToTarget} s, epoch ${run.epochsToTarget}` : `not reached (${run.end})`}`);
        runs.push(run);
      }
    }
  } finally {
    await Promise.race([browser.close(), new Promise((r) => setTimeout(r, 10_000))]);
    await Promise.race([server.close(), new Promise((r) => setTimeout(r, 5_000))]);
  }
  // Seconds to target per worker count (median over rounds), and most workers over one worker.
  const secondsBy = (l: string) => runs.filter((r) => r.label === l && r.reached).map((r) => r.secondsToTarget as number);
  // Training time per epoch (validation excluded), median over every epoch of every run of a config.
  const epochBy = (l: string) => runs.filter((r) => r.label === l).flatMap((r) => r.epochs.map((e) => e.trainSeconds ?? NaN));
  const labels = configs.map((c) => c.label);
  const most = String(Math.max(...workerCounts));
  const ratio = (f: (l: string) => number[], a0 = most, b0 = '1') => {
    const [a, b] = [median(f(a0)), median(f(b0))];
    return a !== null && b !== null ? +(a / b).toFixed(3) : null;
  };
  const withConfigs = flag('configs', '') !== '';
  // The Train view's defaults (sessionHyper.ts DEFAULT_HYPER) for what the query leaves out.
  const settings = Object.fromEntries([...new URLSearchParams(query)].map(([k, v]) => [k, Number.isFinite(Number(v)) ? Number(v) : v]));
  const result = {
    schema: 'trajdistill-time-to-useful/1',
    shippedVanillaValAccDecision: shipped,
    target: shipped - 0.01,
    backend,
    query,
    isolate: process.argv.includes('--isolate'),
    maxEpochs: Number(flag('max-epochs', '0')) || null,
    settings: {
      mode: 'vanilla',
      ...Object.fromEntries(
        ['size', 'batch', 'maxLen', 'epochs', 'trainFrac', 'lr', 'seed', 'patience'].map((k) => [
          k,
          DEFAULT_HYPER[k as keyof typeof DEFAULT_HYPER],
        ]),
      ),
      ...settings,
    },
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null },
    medianSeconds: Object.fromEntries(labels.map((l) => [l, median(secondsBy(l))])),
    medianEpochTrainSeconds: Object.fromEntries(labels.map((l) => [l, median(epochBy(l))])),
    ratioSecondsMostOverOne: withConfigs ? null : ratio(secondsBy),
    ratioEpochTrainSecondsMostOverOne: withConfigs ? null : ratio(epochBy),
    // With --configs: each config's median epoch training time over the first config's, and each
    // one's val decision accuracy after epoch 1 (the same seed: threads must not change it much).
    ratioEpochTrainSecondsOverFirst: withConfigs ? Object.fromEntries(labels.map((l) => [l, ratio(epochBy, l, labels[0])])) : null,
    epoch1ValAcc: Object.fromEntries(labels.map((l) => [l, runs.find((r) => r.label === l)?.epochs[0]?.acc ?? null])),
    runs,
  };
  const json = JSON.stringify(result, null, 2);
  const out = flag('out', '');
  if (out) await writeFile(out, json + '\n');
  console.log(json);
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
