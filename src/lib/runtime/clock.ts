// One monotonic millisecond clock for timing everywhere (training metrics, protocols, benchmarks).

export type Clock = () => number;

/** performance.now() where available (Node ≥ 16, browsers, workers), else Date.now(). */
export const defaultClock: Clock = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
