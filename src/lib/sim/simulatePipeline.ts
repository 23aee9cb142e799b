// Everything between "a real dataset" and "a simulated dataset ready to show and train on", as one
// framework-free call: the data worker and the CLI timings run exactly this. Phases report progress
// so a page can draw a bar; nothing here materialises 600k Trajectory objects.
import type { Derived } from '../data/derivedTypes';
import type { DatasetStats } from '../data/stats';
import type { Dataset, RoadNetwork, SplitName } from '../data/types';
import { buildDerived } from '../data/derived';
import { simulateTrips } from './simulator';
import type { SimInfo, SimOptions } from './simulator';
import type { PackedTrips } from './packedTrips';
import { buildDerivedPacked, packedStats } from './packedDerived';
import { simulatedName, splitSimulated } from './simDataset';

export type SimPhase = 'zones' | 'simulate' | 'stats' | 'derived';

export interface SimulatedSet {
  name: string;
  network: RoadNetwork;
  splits: Record<SplitName, PackedTrips>;
  info: SimInfo;
  stats: DatasetStats;
  derived: Derived;
  timingsMs: Record<SimPhase, number>;
}

export interface PipelineOptions extends Omit<SimOptions, 'onProgress'> {
  nZones?: number;
}

export function simulateDataset(
  real: Dataset,
  opts: PipelineOptions,
  onProgress?: (phase: SimPhase, done: number, total: number) => void,
): SimulatedSet {
  const t0 = performance.now();
  onProgress?.('zones', 0, 1);
  // The zone partition depends on the network only; the real trips' derived data gives the zones.
  const realDerived = buildDerived(real, { nZones: opts.nZones });
  const t1 = performance.now();
  const sim = simulateTrips(real.network, realDerived.zones, real.splits.train, {
    ...opts,
    onProgress: (done, total) => onProgress?.('simulate', done, total),
  });
  const t2 = performance.now();
  onProgress?.('stats', 0, 1);
  const splits = splitSimulated(sim.trips);
  const stats = packedStats(real.network, splits);
  const t3 = performance.now();
  onProgress?.('derived', 0, 1);
  const derived = buildDerivedPacked(real.network, splits.train, { nZones: opts.nZones }, realDerived.zones);
  const t4 = performance.now();
  return {
    name: simulatedName(real.name, sim.info.n),
    network: real.network,
    splits,
    info: sim.info,
    stats,
    derived,
    timingsMs: { zones: t1 - t0, simulate: t2 - t1, stats: t3 - t2, derived: t4 - t3 },
  };
}

/**
 * Bytes of the buffers behind packed trips (the simulated set's dominant memory). Splits are views
 * on one set of buffers, so any split gives the whole set's figure.
 */
export function packedBytes(p: PackedTrips): number {
  return p.offsets.buffer.byteLength + p.roads.buffer.byteLength + p.rel.buffer.byteLength + p.start.buffer.byteLength;
}
