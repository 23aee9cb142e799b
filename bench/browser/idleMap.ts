// What an idle map costs: display frames the page asks for and Chromium's CPU time over a few
// seconds in which nobody touches the page, once the view's layers are drawn. The browser benchmark's
// `idle` section runs it with the app's heartbeat loop (src/ui/map/idleFrames.ts) and with deck.gl's
// own every-frame loop (`?mapLoop=every-frame`), interleaved, and prints the ratios.
import { readdirSync, readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';

/** CPU seconds (user + system) of every Chromium process under this one, or null off Linux. */
export function chromiumCpuSeconds(root = process.pid): number | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const d of pids) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // After the command name's closing parenthesis: state, ppid, … utime (12th), stime (13th).
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1]));
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('chrom')) ticks.set(Number(d), Number(f[11]) + Number(f[12]));
    } catch {
      // The process ended while being read.
    }
  }
  const under = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  let sum = 0;
  for (const [pid, t] of ticks) if (under(pid)) sum += t;
  // /proc counts in USER_HZ ticks, 100 a second on Linux's usual platforms.
  return sum / 100;
}

export interface IdleWindow {
  frames: number;
  cpuSeconds: number | null;
  loop: string | null;
}

/**
 * Opens `view` on a fresh page, waits until its roads are drawn and `settleMs` more, then measures
 * `windows` windows of `windowMs` each. Frames are counted by wrapping requestAnimationFrame before
 * the app loads; `loop` is the map's data-map-loop at the window's end.
 */
export async function measureIdle(page: Page, url: string, windows: number, windowMs: number, settleMs: number): Promise<IdleWindow[]> {
  // A string, not a function: tsx's transform would inject a __name helper the page lacks.
  await page.addInitScript(`(() => {
    window.__frames = 0;
    const raf = window.requestAnimationFrame.bind(window);
    window.requestAnimationFrame = (cb) => raf((t) => { window.__frames++; cb(t); });
  })()`);
  await page.goto(url);
  await page.waitForFunction(`performance.getEntriesByName('trajdistill:roads-drawn').length > 0`, null, { timeout: 240_000 });
  await page.waitForTimeout(settleMs);
  const out: IdleWindow[] = [];
  for (let i = 0; i < windows; i++) {
    const f0 = (await page.evaluate('window.__frames')) as number;
    const c0 = chromiumCpuSeconds();
    await page.waitForTimeout(windowMs);
    const c1 = chromiumCpuSeconds();
    const f1 = (await page.evaluate('window.__frames')) as number;
    out.push({
      frames: f1 - f0,
      cpuSeconds: c0 === null || c1 === null ? null : +(c1 - c0).toFixed(2),
      loop: await page.getByTestId('map').getAttribute('data-map-loop'),
    });
  }
  return out;
}
