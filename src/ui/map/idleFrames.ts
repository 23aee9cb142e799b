// deck.gl runs its render loop on every animation frame even when nothing on the map changes
// (visgl/deck.gl#6961, open): each frame it updates layers, checks for a pick and asks whether to
// redraw. On an idle page that keeps the browser producing frames, a share of a core for nothing,
// on a demo laptop and under every e2e spec. deck.gl's loop (luma.gl's AnimationLoop) takes its
// frames from an `animationFrameProvider`; this one hands them out at a slow heartbeat once deck has
// gone a while without drawing, and at the full rate again as soon as anything may need a frame.
//
// What wakes it: the page's own calls (new layers, a map event, a pointer move: deck picks for
// hover inside its loop) through `wake()`, and every frame deck draws through `rendered()`. What
// the heartbeat covers: anything deck changes by itself (an async layer prop settling), which
// then shows within one heartbeat and wakes the loop by drawing.

/** The part of `window` a frame provider uses; injected so that a test can drive the clock. */
export interface FrameHost {
  requestAnimationFrame(cb: (time: number) => void): number;
  cancelAnimationFrame(id: number): void;
  setTimeout(cb: () => void, ms: number): number;
  clearTimeout(id: number): void;
}

export interface IdleFrames {
  requestAnimationFrame(cb: (time: number) => void): number;
  cancelAnimationFrame(id: number): void;
  /** Back to a frame per display frame, now (a pending heartbeat frame is brought forward). */
  wake(): void;
  /** deck drew a frame: the quiet count starts again. */
  rendered(): void;
  /** True while frames come at the heartbeat. */
  readonly parked: boolean;
}

export interface IdleFrameOptions {
  /** Frames without a draw or a wake before the loop slows down (60 ≈ 1 s on a 60 Hz display). */
  quietFrames?: number;
  /** The slowed loop's period. */
  heartbeatMs?: number;
  /** Told when the loop slows down (true) or is back at the full rate (false). */
  onParkedChange?: (parked: boolean) => void;
}

interface Pending {
  cb: (time: number) => void;
  raf: number | null;
  timer: number | null;
}

export function idleFrames(host: FrameHost, opts: IdleFrameOptions = {}): IdleFrames {
  const { quietFrames = 60, heartbeatMs = 250, onParkedChange } = opts;
  const pending = new Map<number, Pending>();
  let quiet = 0;
  let nextId = 1;
  const setQuiet = (n: number): void => {
    const was = quiet >= quietFrames;
    quiet = n;
    if (was !== quiet >= quietFrames) onParkedChange?.(!was);
  };

  const onFrame = (id: number, time: number): void => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    // Counted before the callback, so that a draw inside it (rendered()) resets the count.
    setQuiet(quiet + 1);
    p.cb(time);
  };
  const toFrame = (id: number, p: Pending): void => {
    p.timer = null;
    p.raf = host.requestAnimationFrame((t) => onFrame(id, t));
  };

  return {
    requestAnimationFrame(cb) {
      const id = nextId++;
      const p: Pending = { cb, raf: null, timer: null };
      pending.set(id, p);
      if (quiet < quietFrames) toFrame(id, p);
      else p.timer = host.setTimeout(() => toFrame(id, p), heartbeatMs);
      return id;
    },
    cancelAnimationFrame(id) {
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      if (p.timer !== null) host.clearTimeout(p.timer);
      if (p.raf !== null) host.cancelAnimationFrame(p.raf);
    },
    wake() {
      setQuiet(0);
      for (const [id, p] of pending) {
        if (p.timer === null) continue;
        host.clearTimeout(p.timer);
        toFrame(id, p);
      }
    },
    rendered() {
      setQuiet(0);
    },
    get parked() {
      return quiet >= quietFrames;
    },
  };
}

/** The browser's own frame and timer functions, as a FrameHost. */
export function windowFrameHost(): FrameHost {
  return {
    requestAnimationFrame: (cb) => window.requestAnimationFrame(cb),
    cancelAnimationFrame: (id) => window.cancelAnimationFrame(id),
    setTimeout: (cb, ms) => window.setTimeout(cb, ms),
    clearTimeout: (id) => window.clearTimeout(id),
  };
}
