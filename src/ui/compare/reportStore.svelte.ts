// Loads the committed report and its route sample from public/reports/. The view opens on these,
// so it shows results before anything is trained. A missing route sample still leaves the table.
import type { EvalReportFile, OdRoute } from './reportTypes';
import { parseEvalReport, parseRoutes } from './reportTypes';
import { parseDistillationSummary, type DistillationSummary } from '../../lib/eval/distillationSummary';
import { parseResultsFile, type ResultsFile } from '../../lib/eval/resultsTable';

export const REPORT_FILE = 'porto-eval.json';
export const ROUTES_FILE = 'porto-routes.json';
/** The seed-paired effects (eval distillation-summary): shown above the one-pair report. */
export const DISTILLATION_FILE = 'distillation.json';
/** Region transfer Porto → San Francisco against scratch, and zero-shot, in the same form. */
export const TRANSFER_FILE = 'sf-transfer.json';
/** The answer Compare opens on (eval results-table): test tables, and val with the ship decisions. */
export const RESULTS_FILE = 'results.json';
export const RESULTS_VAL_FILE = 'results-val.json';

export type ReportSource = 'committed' | 'rerun';

async function fetchJson(url: string): Promise<unknown | null> {
  const res = await fetch(url, { cache: 'no-cache' });
  if (!res.ok) return null;
  // `vite preview` answers a missing file with index.html.
  if ((res.headers.get('content-type') ?? '').includes('text/html')) return null;
  return await res.json();
}

/** Runs `read` (a parse and the assignment of its result); a throw becomes a message naming `where`. */
function readError(where: string, read: () => void): string | null {
  try {
    read();
    return null;
  } catch (e) {
    return `${where}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** A fetched summary file → `set` (an absent file sets nothing); the error to show, or null. */
function readSummary(file: string, got: PromiseSettledResult<unknown>, set: (s: DistillationSummary) => void): string | null {
  if (got.status === 'rejected') return `Could not read reports/${file}: ${String(got.reason)}`;
  if (got.value === null) return null;
  const value = got.value;
  return readError(`reports/${file}`, () => set(parseDistillationSummary(value)));
}

/** A fetched results file → `set` (an absent file sets nothing); the error to show, or null. */
function readResults(file: string, got: PromiseSettledResult<unknown>, set: (r: ResultsFile) => void): string | null {
  if (got.status === 'rejected') return `Could not read reports/${file}: ${String(got.reason)}`;
  const value = got.value;
  return value === null ? null : readError(`reports/${file}`, () => set(parseResultsFile(value)));
}

/** The committed reports' folder, or one file in it, as a whole URL. */
function reportsUrl(file = ''): string {
  return new URL(`${import.meta.env.BASE_URL}reports/${file}`, location.href).href;
}

class ReportStore {
  report = $state.raw<EvalReportFile | null>(null);
  routes = $state.raw<OdRoute[]>([]);
  source = $state<ReportSource>('committed');
  loading = $state(false);
  /** Why the report (or the routes) could not be shown; null when all is well. */
  reportError = $state<string | null>(null);
  routesError = $state<string | null>(null);
  /** Seed-paired effects per regime; null when the file is absent or unreadable (see distillationError). */
  distillation = $state.raw<DistillationSummary | null>(null);
  distillationError = $state<string | null>(null);
  /** Transfer − scratch per train share (and zero-shot); null when absent or unreadable (see transferError). */
  transfer = $state.raw<DistillationSummary | null>(null);
  transferError = $state<string | null>(null);
  /** The results tables (test) and the val ones with the ship decisions; null when absent or unreadable. */
  results = $state.raw<ResultsFile | null>(null);
  resultsVal = $state.raw<ResultsFile | null>(null);
  resultsError = $state<string | null>(null);
  private started = false;
  private shipStarted = false;
  private testStarted = false;

  /**
   * Loads once per page; later calls are no-ops (switching views keeps the data). An in-app run
   * made before Compare first opened (on another network, say) stays: the committed report would
   * replace it, and on another network it would not even be shown. "Back to committed" reloads.
   */
  loadCommitted(): void {
    if (this.started) return;
    this.started = true;
    if (this.source !== 'rerun') void this.reload();
  }

  /**
   * Only the val results file, for the ship decisions (Teach reads them): the rest of the reports
   * are Compare's, and Teach should not fetch and parse them at start-up. Once per page, and not
   * at all when Compare has loaded everything.
   */
  async loadShipDecisions(): Promise<void> {
    if (this.started || this.shipStarted) return;
    this.shipStarted = true;
    const [got] = await Promise.allSettled([fetchJson(reportsUrl(RESULTS_VAL_FILE))]);
    // Compare's full load, begun meanwhile, owns these fields now.
    if (this.started) return;
    this.resultsError = readResults(RESULTS_VAL_FILE, got, (r) => (this.resultsVal = r));
  }

  /**
   * The test results file too, when Teach's tour reaches the step that states the drawn pair's
   * results (ui/teach/tourResults.ts); once per page, and not when Compare has loaded everything.
   */
  async loadTestResults(): Promise<void> {
    if (this.started || this.testStarted) return;
    this.testStarted = true;
    const [got] = await Promise.allSettled([fetchJson(reportsUrl(RESULTS_FILE))]);
    if (this.started) return;
    const error = readResults(RESULTS_FILE, got, (r) => (this.results = r));
    if (error) this.resultsError = this.resultsError ? `${this.resultsError} ${error}` : error;
  }

  async reload(): Promise<void> {
    const base = reportsUrl();
    this.loading = true;
    try {
      const [rep, rts, dis, tra, res, resVal] = await Promise.allSettled([
        fetchJson(base + REPORT_FILE),
        fetchJson(base + ROUTES_FILE),
        fetchJson(base + DISTILLATION_FILE),
        fetchJson(base + TRANSFER_FILE),
        fetchJson(base + RESULTS_FILE),
        fetchJson(base + RESULTS_VAL_FILE),
      ]);
      // Both files are read whatever the other holds: an unreadable test file still leaves the ship
      // decisions (Teach reads them from the val file), and each file's error is named.
      const resultsErrors = [
        readResults(RESULTS_FILE, res, (r) => (this.results = r)),
        readResults(RESULTS_VAL_FILE, resVal, (r) => (this.resultsVal = r)),
      ].filter((e): e is string => e !== null);
      this.resultsError = resultsErrors.length ? resultsErrors.join(' ') : null;
      this.distillationError = readSummary(DISTILLATION_FILE, dis, (s) => (this.distillation = s));
      this.transferError = readSummary(TRANSFER_FILE, tra, (s) => (this.transfer = s));
      if (rep.status === 'rejected') this.reportError = `Could not read reports/${REPORT_FILE}: ${String(rep.reason)}`;
      else if (rep.value === null) this.reportError = `No committed report at public/reports/${REPORT_FILE} yet.`;
      else this.reportError = readError(`reports/${REPORT_FILE}`, () => (this.report = parseEvalReport(rep.value)));
      if (rts.status === 'rejected') this.routesError = `Could not read reports/${ROUTES_FILE}: ${String(rts.reason)}`;
      else if (rts.value === null) {
        // The protocol report may carry its route sample inline.
        const inline =
          rep.status === 'fulfilled' && rep.value && typeof rep.value === 'object' ? (rep.value as { routes?: unknown }).routes : undefined;
        if (Array.isArray(inline))
          this.routesError = readError(`routes inside reports/${REPORT_FILE}`, () => (this.routes = parseRoutes(inline)));
        else this.routesError = `No route sample at public/reports/${ROUTES_FILE} yet.`;
      } else this.routesError = readError(`reports/${ROUTES_FILE}`, () => (this.routes = parseRoutes(rts.value)));
      this.source = 'committed';
    } finally {
      this.loading = false;
    }
  }

  /** Results of an in-app evaluation replace the committed ones until the page reloads. */
  setRerun(report: EvalReportFile, routes: OdRoute[]): void {
    this.report = report;
    this.routes = routes;
    this.source = 'rerun';
    this.reportError = null;
    this.routesError = null;
  }
}

export const compareReport = new ReportStore();
