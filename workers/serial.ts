// Worker methods called through comlink run as their messages arrive, concurrently. A worker whose
// state must change one request at a time wraps its methods with serial(): each call starts after
// the previous one settled (a failure does not block the next call). serialQueue() makes another,
// independent queue of the same kind.
export function serialQueue(): <A extends unknown[], R>(fn: (...args: A) => Promise<R> | R) => (...args: A) => Promise<R> {
  let queue: Promise<unknown> = Promise.resolve();
  return <A extends unknown[], R>(fn: (...args: A) => Promise<R> | R) =>
    (...args: A) => {
      const run = queue.then(() => fn(...args));
      queue = run.catch(() => undefined);
      return run;
    };
}

export const serial = serialQueue();
