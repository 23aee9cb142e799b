import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';

// An OD pair's routes on demand (Compare, a routes file's pair): the next click cancels a generation
// still under way (the eval worker is restarted), and one with no answer within OD_ROUTES_BOUND_S
// fails with that said. Issue 66: on a software WebGL "Vanilla student generating…" never ended.
const client = vi.hoisted(() => ({
  backend: 'webgl' as string | null,
  calls: [] as { resolve: (r: unknown) => void; reject: (e: unknown) => void }[],
  restarts: 0,
}));
vi.mock('../../src/ui/compare/evalClient.svelte', () => ({
  evalClient: {
    get backend() {
      return client.backend;
    },
    odRoutes: () => new Promise((resolve, reject) => client.calls.push({ resolve, reject })),
    restartUnlessInUse: () => {
      client.restarts++;
      return true;
    },
  },
}));
const { OD_ROUTES_BOUND_S, OdRoutesStore } = await import('../../src/ui/compare/odRoutes.svelte');

const od = (origin: number) =>
  ({ split: 'test', origin, dest: 9 }) as unknown as Parameters<InstanceType<typeof OdRoutesStore>['request']>[0];

describe('OD routes on demand', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    client.calls = [];
    client.restarts = 0;
  });
  afterEach(() => vi.useRealTimers());

  it(`fails with a message after ${OD_ROUTES_BOUND_S} s, stopping the worker`, () => {
    const s = new OdRoutesStore();
    s.request(od(1), null);
    expect(s.busy).toBe('test:1:9');
    vi.advanceTimersByTime(OD_ROUTES_BOUND_S * 1000 - 1);
    expect(s.busy).toBe('test:1:9');
    vi.advanceTimersByTime(1);
    expect(s.busy).toBeNull();
    expect(s.error).toBe(
      `not generated: no answer within ${OD_ROUTES_BOUND_S} s on webgl, so it was stopped (select the pair again to retry)`,
    );
    expect(client.restarts).toBe(1);
    // Selecting it again retries.
    s.request(od(1), null);
    expect(s.busy).toBe('test:1:9');
    expect(s.error).toBeNull();
  });

  it('the next click cancels a generation under way; a late answer of the old pair is dropped', async () => {
    const s = new OdRoutesStore();
    s.request(od(1), null);
    vi.advanceTimersByTime(5_000);
    s.request(od(2), null);
    expect(client.restarts).toBe(1);
    client.calls[0].resolve({ od: { split: 'test', origin: 1, dest: 9 } });
    client.calls[1].resolve({ od: { split: 'test', origin: 2, dest: 9 } });
    await vi.runAllTimersAsync();
    expect(s.busy).toBeNull();
    expect(s.error).toBeNull();
    expect(s.of({ split: 'test', origin: 2, dest: 9 } as never)).not.toBeNull();
    expect(s.of({ split: 'test', origin: 1, dest: 9 } as never)).toBeNull();
  });

  it('a quick next click waits for the answer instead of restarting the worker', () => {
    const s = new OdRoutesStore();
    s.request(od(1), null);
    vi.advanceTimersByTime(500);
    s.request(od(2), null);
    expect(client.restarts).toBe(0);
  });
});
