// One OD pair's routes computed on demand by the evaluation worker (workers/evalWorker.ts odRoutes):
// the route baselines for whichever pair is selected, and the students' routes for a pair the
// report's route sample lacks (an OD pair of a routes file). The latest request wins: an answer
// for a pair no longer selected is dropped.
import { evalClient } from './evalClient.svelte';
import type { DatasetSource, KeptOd, OdRoutesResult, OdStudents } from '../../../workers/evalMessages';
import type { City } from '../stores/cities';

export const odKey = (od: Pick<KeptOd, 'split' | 'origin' | 'dest'>): string => `${od.split}:${od.origin}:${od.dest}`;

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

  /** Computes `od`'s routes unless they are computed or on their way already. */
  request(od: KeptOd, students: OdStudentsRequest | null, source?: DatasetSource): void {
    const key = `${odKey(od)}:${students ? 'students' : 'baselines'}`;
    if (key === this.wanted) return;
    this.wanted = key;
    this.busy = odKey(od);
    this.error = null;
    evalClient.odRoutes($state.snapshot(od) as KeptOd, students, source).then(
      (r) => {
        if (key !== this.wanted) return;
        this.result = r;
        this.busy = null;
      },
      (e: unknown) => {
        if (key !== this.wanted) return;
        this.error = e instanceof Error ? e.message : String(e);
        this.busy = null;
      },
    );
  }

  /** The routes of `od`, when they are the ones computed. */
  of(od: Pick<KeptOd, 'split' | 'origin' | 'dest'> | null): OdRoutesResult | null {
    return od && this.result && odKey(this.result.od) === odKey(od) ? this.result : null;
  }
}

export const odRoutes = new OdRoutesStore();
