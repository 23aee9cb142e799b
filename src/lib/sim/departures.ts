// Departure times drawn from the real trips: the minute of day of a random real departure, jittered
// a few minutes (a kernel estimate, so 777 real trips do not give 777 spikes), on a random calendar
// day of the same kind (weekday or weekend) inside the real trips' date span. All in UTC, like the
// model's time feature.
import type { Trajectory } from '../data/types';

const DAY = 86_400;
/** Fallback calendar when there are no real trips: the first week of the Porto data (2013-07-01, a Monday). */
const FALLBACK_DAY0 = Math.floor(Date.UTC(2013, 6, 1) / 1000 / DAY);

export interface DepartureModel {
  /** Real departures as minute of day (fractional) and weekend flag. */
  minutes: Float64Array;
  weekend: Uint8Array;
  /** Candidate days (days since the epoch) of each kind. */
  weekdays: Int32Array;
  weekendDays: Int32Array;
  jitterMin: number;
}

export function isWeekendDay(day: number): boolean {
  // 1970-01-01 was a Thursday: day 2 is Saturday, day 3 Sunday (mod 7).
  const w = (((day + 4) % 7) + 7) % 7; // 0 = Sunday
  return w === 0 || w === 6;
}

export function buildDepartureModel(real: Trajectory[], jitterMin = 7.5): DepartureModel {
  const minutes: number[] = [];
  const weekend: number[] = [];
  let d0 = Infinity;
  let d1 = -Infinity;
  for (const t of real) {
    if (t.times.length === 0) continue;
    const s = t.times[0];
    const day = Math.floor(s / DAY);
    minutes.push((s - day * DAY) / 60);
    weekend.push(isWeekendDay(day) ? 1 : 0);
    d0 = Math.min(d0, day);
    d1 = Math.max(d1, day);
  }
  if (!Number.isFinite(d0)) {
    d0 = FALLBACK_DAY0;
    d1 = FALLBACK_DAY0 + 6;
  }
  // At least one full week, so both kinds of day exist.
  d1 = Math.max(d1, d0 + 6);
  const wd: number[] = [];
  const we: number[] = [];
  for (let d = d0; d <= d1; d++) (isWeekendDay(d) ? we : wd).push(d);
  return {
    minutes: Float64Array.from(minutes),
    weekend: Uint8Array.from(weekend),
    weekdays: Int32Array.from(wd),
    weekendDays: Int32Array.from(we),
    jitterMin,
  };
}

/** A departure in unix seconds (whole seconds). */
export function sampleDeparture(m: DepartureModel, rng: () => number): number {
  let minute: number;
  let weekend: boolean;
  if (m.minutes.length === 0) {
    minute = rng() * 1440;
    weekend = rng() < 2 / 7;
  } else {
    const i = Math.floor(rng() * m.minutes.length);
    minute = m.minutes[i] + (rng() * 2 - 1) * m.jitterMin;
    minute = ((minute % 1440) + 1440) % 1440;
    weekend = m.weekend[i] === 1;
  }
  const days = weekend ? m.weekendDays : m.weekdays;
  const day = days[Math.floor(rng() * days.length)];
  return day * DAY + Math.floor(minute * 60);
}
