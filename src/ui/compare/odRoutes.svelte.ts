// One OD pair's routes computed on demand by the evaluation worker (workers/evalWorker.ts odRoutes):
// the route baselines for whichever pair is selected, and the students' routes for a pair the
// report's route sample lacks (an OD pair of a routes file). The latest request wins: an answer
// for a pair no longer selected is dropped, and a generation still under way is cancelled by the
// next request (its worker is restarted). A request with no answer within OD_ROUTES_BOUND_S fails
// with that said: on a software WebGL a pair's routes took over 400 s, on wasm 1.9 s (issue 66).
import { evalClient } from './evalClient.svelte';
import type { DatasetSource, KeptOd, OdRoutesResult, OdStudents } from '../../../workers/evalMessages';
import type { City } from '../stores/cities';

export const odKey = (od: Pick<KeptOd, 'split' | 'origin' | 'dest'>): string => `${od.split}:${od.origin}:${od.dest}`;

/** The longest a pair's routes are waited for, in seconds, before the generation is stopped and the row says so. */
export const OD_ROUTES_BOUND_S = 60;
/** A request older than this is cancelled by the next one: a restarted worker then costs less than the wait. */
const CANCEL_AFTER_MS = 3_000;

export interface OdStudentsRequest {
  /** The report's search, which the students' routes for the pair follow. */
  search: Omit<OdStudents, 'models'>;
  city: City;
}

export class OdRoutesStore {
  result = $state.raw<OdRoutesResult | null>(null);
  /** The pair being computed (its odKey), or null. */
  busy = $state<string | null>(null);
  error = $state<string | null>(null);
  private wanted = '';
  private since = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** Computes `od`'s routes unless they are computed or on their way already. */
  request(od: KeptOd, students: OdStudentsRequest | null, source?: DatasetSource): void {
    const key = `${odKey(od)}:${students ? 'students' : 'baselines'}`;
    if (key === this.wanted) return;
    if (this.busy !== null && Date.now() - this.since > CANCEL_AFTER_MS) evalClient.restartUnlessInUse();
    this.wanted = key;
    this.busy = odKey(od);
    this.error = null;
    this.since = Date.now();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (key !== this.wanted || this.busy === null) return;
      const on = evalClient.backend ? ` on ${evalClient.backend}` : '';
      evalClient.restartUnlessInUse();
      this.wanted = '';
      this.busy = null;
      this.error = `not generated: no answer within ${OD_ROUTES_BOUND_S} s${on}, so it was stopped (select the pair again to retry)`;
    }, OD_ROUTES_BOUND_S * 1000);
    const settle = (): boolean => {
      if (key !== this.wanted) return false;
      clearTimeout(this.timer);
      this.busy = null;
      return true;
    };
    evalClient.odRoutes($state.snapshot(od) as KeptOd, students, source).then(
      (r) => {
        if (settle()) this.result = r;
      },
      (e: unknown) => {
        if (settle()) this.error = `not generated: ${e instanceof Error ? e.message : String(e)}`;
      },
    );
  }

  /** The routes of `od`, when they are the ones computed. */
  of(od: Pick<KeptOd, 'split' | 'origin' | 'dest'> | null): OdRoutesResult | null {
    return od && this.result && odKey(this.result.od) === odKey(od) ? this.result : null;
  }
}

export const odRoutes = new OdRoutesStore();
