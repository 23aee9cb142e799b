import { describe, expect, it } from 'vitest';
import { idleFrames, type FrameHost } from '../../src/ui/map/idleFrames';

// A hand-driven clock: display frames and timers fire only when the test says so.
function fakeHost() {
  let next = 1;
  let now = 0;
  const frames = new Map<number, (t: number) => void>();
  const timers = new Map<number, { at: number; cb: () => void }>();
  const host: FrameHost = {
    requestAnimationFrame: (cb) => (frames.set(next, cb), next++),
    cancelAnimationFrame: (id) => void frames.delete(id),
    setTimeout: (cb, ms) => (timers.set(next, { at: now + ms, cb }), next++),
    clearTimeout: (id) => void timers.delete(id),
  };
  return {
    host,
    /** One display frame: every callback waiting for it runs. */
    frame() {
      now += 16;
      const due = [...frames.values()];
      frames.clear();
      for (const cb of due) cb(now);
    },
    /** Time passes without a display frame; due timers run. */
    advance(ms: number) {
      now += ms;
      for (const [id, t] of [...timers]) {
        if (t.at > now) continue;
        timers.delete(id);
        t.cb();
      }
    },
    waitingFrames: () => frames.size,
    waitingTimers: () => timers.size,
  };
}

/** A render loop like luma.gl's: each frame asks for the next; `draws` says which frames draw. */
function loop(frames: ReturnType<typeof idleFrames>, draws: (n: number) => boolean) {
  let n = 0;
  const tick = (): void => {
    n++;
    if (draws(n)) frames.rendered();
    frames.requestAnimationFrame(tick);
  };
  frames.requestAnimationFrame(tick);
  return { count: () => n };
}

describe('idleFrames (deck.gl loop at a heartbeat while idle)', () => {
  it('runs every display frame while deck draws, and slows down after the quiet frames', () => {
    const clock = fakeHost();
    const changes: boolean[] = [];
    const frames = idleFrames(clock.host, { quietFrames: 5, heartbeatMs: 250, onParkedChange: (p) => changes.push(p) });
    const l = loop(frames, (n) => n <= 3);
    for (let i = 0; i < 7; i++) clock.frame();
    // Frames 1–3 drew; 4–8 were quiet, so the 8th frame's request waits for the heartbeat.
    expect(l.count()).toBe(7);
    clock.frame();
    expect(l.count()).toBe(8);
    expect(frames.parked).toBe(true);
    expect(changes).toEqual([true]);
    expect(clock.waitingFrames()).toBe(0);
    expect(clock.waitingTimers()).toBe(1);
    // Display frames pass without a loop frame; the heartbeat lets one through.
    for (let i = 0; i < 10; i++) clock.frame();
    expect(l.count()).toBe(8);
    clock.advance(250);
    clock.frame();
    expect(l.count()).toBe(9);
    expect(frames.parked).toBe(true);
  });

  it('wakes at once: the pending heartbeat becomes the next display frame', () => {
    const clock = fakeHost();
    const changes: boolean[] = [];
    const frames = idleFrames(clock.host, { quietFrames: 2, heartbeatMs: 1000, onParkedChange: (p) => changes.push(p) });
    const l = loop(frames, () => false);
    clock.frame();
    clock.frame();
    expect(frames.parked).toBe(true);
    const before = l.count();
    frames.wake();
    expect(frames.parked).toBe(false);
    expect(clock.waitingTimers()).toBe(0);
    clock.frame();
    expect(l.count()).toBe(before + 1);
    expect(changes).toEqual([true, false]);
  });

  it('a frame that draws while parked brings the full rate back', () => {
    const clock = fakeHost();
    let drawNext = false;
    const frames = idleFrames(clock.host, { quietFrames: 2, heartbeatMs: 100 });
    const l = loop(frames, () => drawNext);
    clock.frame();
    clock.frame();
    expect(frames.parked).toBe(true);
    // Something deck changed by itself (an async prop) is drawn on the heartbeat's frame.
    drawNext = true;
    clock.advance(100);
    clock.frame();
    expect(frames.parked).toBe(false);
    drawNext = false;
    clock.frame();
    expect(l.count()).toBe(4);
  });

  it('cancels a request in either state', () => {
    const clock = fakeHost();
    const frames = idleFrames(clock.host, { quietFrames: 1, heartbeatMs: 100 });
    let ran = 0;
    frames.cancelAnimationFrame(frames.requestAnimationFrame(() => ran++));
    expect(clock.waitingFrames()).toBe(0);
    frames.requestAnimationFrame(() => ran++);
    clock.frame();
    expect(frames.parked).toBe(true);
    frames.cancelAnimationFrame(frames.requestAnimationFrame(() => ran++));
    expect(clock.waitingTimers()).toBe(0);
    clock.advance(100);
    clock.frame();
    expect(ran).toBe(1);
  });
});
