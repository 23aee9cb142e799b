// The synthetic detour's settings (detour.ts makes the detours) and the Teach view's default:
// plain data, tfjs-free, so the page shows the same default the teach worker uses.

export interface DetourOptions {
  /** Shift in cells (paper: 3 or 5). */
  level: number;
  /** Share of the interior that is shifted (paper: 0.1 or 0.3). */
  prob: number;
}

export const DEFAULT_DETOUR: DetourOptions = { level: 3, prob: 0.3 };
