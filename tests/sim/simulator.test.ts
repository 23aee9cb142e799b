import { describe, it, expect } from 'vitest';
import { makeRng } from '../../src/lib/random';
import { simulateTrips, calibrate, congestionFactor } from '../../src/lib/sim/simulator';
import { forwardCsr, largestSccMask } from '../../src/lib/data/routingGraph';
import { RouteSearch } from '../../src/lib/data/routeSearch';
import { fitRoadSpeeds, freeFlowSeconds, speedKmh } from '../../src/lib/data/speeds';
import { buildDepartureModel, isWeekendDay, sampleDeparture } from '../../src/lib/sim/departures';
import { packTrajectories, sliceTrips, unpackTrips } from '../../src/lib/sim/packedTrips';
import { packedFittedKmh, packedHopTimeStats, packedStats, packedTransitionFolds, packedZoneGraph } from '../../src/lib/sim/packedDerived';
import { foldedTransitionCounts, tripFold } from '../../src/lib/data/markovChain';
import { SIMULATED_LABEL, simulatedCard, simulatedName, splitSimulated } from '../../src/lib/sim/simDataset';
import { hopTimeStats } from '../../src/lib/data/derived';
import { buildZoneGraph } from '../../src/lib/data/zoneTransitions';
import { datasetStats } from '../../src/lib/data/stats';
import type { Zones } from '../../src/lib/data/derivedTypes';
import type { RoadNetwork } from '../../src/lib/data/types';
import { buildOut } from '../../src/lib/data/hoserWriter';
import { at, fastestRoute, gridNetwork, skewedRealTrips } from './grid';

const grid = gridNetwork(8);
const real = skewedRealTrips(grid, 300, makeRng(7));
const zoning = { nZones: grid.nZones, roadZone: grid.roadZone };

function relSet(net: RoadNetwork): Set<string> {
  const s = new Set<string>();
  for (let e = 0; e < net.relOrigin.length; e++) s.add(`${net.relOrigin[e]},${net.relDest[e]}`);
  return s;
}

describe('simulateTrips', () => {
  const a = simulateTrips(grid.net, zoning, real, { n: 3000, seed: 11 });

  it('is deterministic for a seed and differs across seeds', () => {
    const b = simulateTrips(grid.net, zoning, real, { n: 3000, seed: 11 });
    expect(b.trips.roads).toEqual(a.trips.roads);
    expect(b.trips.rel).toEqual(a.trips.rel);
    expect(b.trips.start).toEqual(a.trips.start);
    const c = simulateTrips(grid.net, zoning, real, { n: 3000, seed: 12 });
    expect(c.trips.roads).not.toEqual(a.trips.roads);
  });

  it('gives connected routes with non-decreasing times and sim- ids', () => {
    const rel = relSet(grid.net);
    const trips = unpackTrips(a.trips);
    expect(trips).toHaveLength(3000);
    for (const t of trips) {
      expect(t.id.startsWith('sim-11-')).toBe(true);
      expect(t.roads.length).toBeGreaterThanOrEqual(2);
      expect(t.roads[0]).not.toBe(t.roads[t.roads.length - 1]);
      for (let i = 1; i < t.roads.length; i++) {
        expect(rel.has(`${t.roads[i - 1]},${t.roads[i]}`)).toBe(true);
        expect(t.times[i]).toBeGreaterThanOrEqual(t.times[i - 1]);
      }
    }
  });

  it('follows the real zone-to-zone flows', () => {
    const freq = (pairs: [number, number][]): Map<string, number> => {
      const m = new Map<string, number>();
      for (const [o, d] of pairs) m.set(`${o}>${d}`, (m.get(`${o}>${d}`) ?? 0) + 1 / pairs.length);
      return m;
    };
    const z = grid.roadZone;
    const realF = freq(real.map((t) => [z[t.roads[0]], z[t.roads[t.roads.length - 1]]]));
    const simF = freq(unpackTrips(a.trips).map((t) => [z[t.roads[0]], z[t.roads[t.roads.length - 1]]]));
    let tv = 0;
    for (const k of new Set([...realF.keys(), ...simF.keys()])) tv += Math.abs((realF.get(k) ?? 0) - (simF.get(k) ?? 0)) / 2;
    // Smoothing moves ≈5 % of the mass to other pairs; sampling noise adds a little.
    expect(tv).toBeLessThan(0.08);
    expect(simF.get('0>3')!).toBeGreaterThan(0.5);
  });

  it('follows the real departure-time distribution (hour of day, weekday/weekend)', () => {
    let morning = 0;
    let evening = 0;
    let weekendEvening = 0;
    for (let i = 0; i < a.trips.count; i++) {
      const s = a.trips.start[i];
      const day = Math.floor(s / 86400);
      const h = (s - day * 86400) / 3600;
      if (h >= 7.8 && h < 8.6) morning++;
      if (h >= 19.8 && h < 20.6) {
        evening++;
        if (isWeekendDay(day)) weekendEvening++;
      }
    }
    const n = a.trips.count;
    expect(morning / n).toBeGreaterThan(0.62);
    expect(morning / n).toBeLessThan(0.78);
    expect(evening / n).toBeGreaterThan(0.22);
    expect((morning + evening) / n).toBeGreaterThan(0.97);
    expect(weekendEvening).toBe(evening);
  });

  it('varies routes between the same OD pair (stochastic route choice)', () => {
    // Zone 0 holds only the origin road and zone 1 only the destination road, so every trip has
    // the same OD pair.
    const o = grid.seg.get('0,0|0,1')!;
    const d = grid.seg.get('7,6|7,7')!;
    const route = fastestRoute(grid.net, o, d);
    const one = [{ id: 'r', roads: route, times: route.map((_, i) => at(0, 8, 0) + 10 * i) }];
    const z3 = { nZones: 3, roadZone: Int32Array.from(grid.net.roads.map((_, r) => (r === o ? 0 : r === d ? 1 : 2))) };
    const sim = simulateTrips(grid.net, z3, one, { n: 60, seed: 3, smoothing: 0, share: 1, routeNoise: 0.5 });
    const distinct = new Set(unpackTrips(sim.trips).map((t) => t.roads.join(',')));
    expect(unpackTrips(sim.trips).every((t) => t.roads[0] === o && t.roads[t.roads.length - 1] === d)).toBe(true);
    expect(distinct.size).toBeGreaterThan(3);
    // Without noise every trip takes the fastest route.
    const det = simulateTrips(grid.net, z3, one, { n: 20, seed: 3, smoothing: 0, share: 1, routeNoise: 0 });
    for (const t of unpackTrips(det.trips)) expect(t.roads).toEqual(route);
  });

  it('calibrates durations to the real trips', () => {
    const base = freeFlowSeconds(grid.net);
    // Real trips drive at exactly twice the free-flow time.
    const slow = real.slice(0, 50).map((t) => {
      const times = [t.times[0]];
      for (let i = 1; i < t.roads.length; i++) times.push(times[i - 1] + 2 * base[t.roads[i - 1]]);
      return { ...t, times };
    });
    expect(calibrate(slow, base)).toBeCloseTo(2, 6);
    const sim = simulateTrips(grid.net, zoning, slow, { n: 400, seed: 5 });
    let ratio = 0;
    for (let i = 0; i < sim.trips.count; i++) {
      const a0 = sim.trips.offsets[i];
      const b0 = sim.trips.offsets[i + 1];
      let ff = 0;
      for (let k = a0; k < b0 - 1; k++) ff += base[sim.trips.roads[k]];
      ratio += sim.trips.rel[b0 - 1] / ff / congestionFactor(sim.trips.start[i]);
    }
    expect(ratio / sim.trips.count).toBeGreaterThan(1.8);
    expect(ratio / sim.trips.count).toBeLessThan(2.2);
  });
});

describe('routing pieces', () => {
  it('Dijkstra matches Bellman–Ford costs on the grid', () => {
    const base = freeFlowSeconds(grid.net);
    const g = forwardCsr(grid.net);
    const s = new RouteSearch(g);
    const ones = new Float32Array(2 * g.n).fill(1);
    const o = 5;
    const n = g.n;
    const bf = new Float64Array(n).fill(Infinity);
    bf[o] = 0;
    for (let it = 0; it < n; it++) {
      let changed = false;
      for (let e = 0; e < grid.net.relOrigin.length; e++) {
        const u = grid.net.relOrigin[e];
        const v = grid.net.relDest[e];
        if (bf[u] + base[v] < bf[v] - 1e-9) {
          bf[v] = bf[u] + base[v];
          changed = true;
        }
      }
      if (!changed) break;
    }
    const targets = Int32Array.from([17, 90, 150, 200]);
    expect(s.run(o, targets, targets.length, base, ones, 0)).toBe(4);
    const buf = new Int32Array(n);
    for (const t of targets) {
      const len = s.route(t, buf);
      let cost = 0;
      for (let i = 1; i < len; i++) cost += base[buf[i]];
      expect(buf[0]).toBe(o);
      expect(buf[len - 1]).toBe(t);
      expect(cost).toBeCloseTo(bf[t], 6);
    }
  });

  it('keeps only the largest strongly connected component', () => {
    // A chain 0→1→2→0 (a cycle) plus a dead-end road 3 reachable from 2.
    const roads = [0, 1, 2, 3].map((id) => ({
      id,
      coords: [
        [0, 0],
        [0, 1],
      ] as [number, number][],
      highway: 'residential',
      lengthM: 100,
    }));
    const relOrigin = Int32Array.of(0, 1, 2, 2);
    const relDest = Int32Array.of(1, 2, 0, 3);
    const net: RoadNetwork = { roads, relOrigin, relDest, out: buildOut(4, relOrigin, relDest) };
    expect(Array.from(largestSccMask(forwardCsr(net)))).toEqual([1, 1, 1, 0]);
  });

  it('speed table: classes, unknowns and maxspeed caps', () => {
    expect(speedKmh('motorway')).toBeGreaterThan(speedKmh('residential'));
    expect(speedKmh('7')).toBe(speedKmh('no-such-class'));
    const t = freeFlowSeconds(grid.net, undefined, new Array(grid.net.roads.length).fill(5));
    expect(t[0]).toBeCloseTo(grid.net.roads[0].lengthM / (5 / 3.6), 6);
  });

  it('departure model keeps the weekday/weekend kind', () => {
    const m = buildDepartureModel([{ id: 'x', roads: [0], times: [at(5, 12, 0)] }]);
    const rng = makeRng(1);
    for (let i = 0; i < 50; i++) expect(isWeekendDay(Math.floor(sampleDeparture(m, rng) / 86400))).toBe(true);
  });
});

describe('packed trips and their statistics', () => {
  const sim = simulateTrips(grid.net, zoning, real, { n: 500, seed: 2 });
  const splits = splitSimulated(sim.trips);
  const unpacked = { train: unpackTrips(splits.train), val: unpackTrips(splits.val), test: unpackTrips(splits.test) };

  it('splits 70/10/20 by position, with ids continuing across splits', () => {
    expect([splits.train.count, splits.val.count, splits.test.count]).toEqual([350, 50, 100]);
    expect(unpacked.val[0].id).toBe('sim-2-350');
    expect(unpacked.test[99].id).toBe('sim-2-499');
  });

  it('packed statistics equal the Trajectory[] versions', () => {
    const ds = { name: 'x', network: grid.net, splits: unpacked };
    const a = packedStats(grid.net, splits);
    const b = datasetStats(ds);
    expect(a.trajectories).toEqual(b.trajectories);
    expect(a.odOverlapTrainTest).toBe(b.odOverlapTrainTest);
    expect(a.avgRoadsPerTrip).toBeCloseTo(b.avgRoadsPerTrip, 9);
    expect(a.avgDistanceKm).toBeCloseTo(b.avgDistanceKm, 9);
    expect(a.avgDurationMin).toBeCloseTo(b.avgDurationMin, 9);
    const zones: Zones = { nZones: 4, roadZone: grid.roadZone, sizeRatio: 1, disconnected: 0 };
    expect(packedZoneGraph(zones, splits.train)).toEqual(buildZoneGraph(zones, unpacked.train));
    // The route inputs' train counts and fitted speeds: each trip in the same fold, the same passes.
    const folds = foldedTransitionCounts(forwardCsr(grid.net), (visit) => {
      for (const t of unpacked.train)
        for (let i = 1; i < t.roads.length; i++) visit(tripFold(t.roads, t.times[0]), t.roads[i - 1], t.roads[i]);
    });
    expect(packedTransitionFolds(grid.net, splits.train)).toEqual(folds);
    expect(Array.from(packedFittedKmh(grid.net, splits.train))).toEqual(
      Array.from(Float32Array.from(fitRoadSpeeds(grid.net, unpacked.train).kmh)),
    );
    const h = packedHopTimeStats(splits.train);
    const h2 = hopTimeStats(unpacked.train);
    expect(h.mean).toBeCloseTo(h2.mean, 9);
    expect(h.std).toBeCloseTo(h2.std, 9);
  });

  it('packTrajectories round-trips, and slices share buffers', () => {
    const p = packTrajectories(unpacked.test, 'sim-2-');
    const back = unpackTrips(p);
    expect(back.map((t) => t.roads)).toEqual(unpacked.test.map((t) => t.roads));
    expect(back.map((t) => t.times)).toEqual(unpacked.test.map((t) => t.times));
    const s = sliceTrips(sim.trips, 10, 20);
    expect(s.roads).toBe(sim.trips.roads);
    expect(unpackTrips(s)[0]).toEqual(unpackTrips(sim.trips, 10, 11)[0]);
  });

  it('labels the set as simulated', () => {
    expect(simulatedName('Porto', 600000)).toContain(SIMULATED_LABEL);
    const card = simulatedCard('public/data/porto', sim.info, packedStats(grid.net, splits), 'cmd');
    expect(card).toMatch(/^# SIMULATED TRIPS/);
    expect(card).toContain('**not**\nOD-disjoint');
  });
});
