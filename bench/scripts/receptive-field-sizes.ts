// Why half a batch costs more than half a step on two data-parallel workers: how many roads the
// student's road encoder must run on (the batch's roads and their candidates, grown by the GAT's two
// hops along incoming links) for a whole batch, for each strided half (how batchShard splits) and for
// each half of the batch split by longitude instead. Random train batches, a fixed seed; prints JSON.
//   npx tsx bench/scripts/receptive-field-sizes.ts [--dataset public/data/porto] [--batches 40]
import { parseArgs } from 'node:util';
import { loadDataset } from '../../src/cli/common/fsDataset';
import { makeRng, randInt } from '../../src/lib/random';

const { values } = parseArgs({
  options: { dataset: { type: 'string', default: 'public/data/porto' }, batches: { type: 'string', default: '40' } },
});
const ds = await loadDataset(values.dataset);
const net = ds.network;
const incoming: number[][] = net.roads.map(() => []);
for (let i = 0; i < net.relOrigin.length; i++) incoming[net.relDest[i]].push(net.relOrigin[i]);

/** Roads the encoder runs on for these trips: their roads and candidates, then two hops in. */
function receptiveField(trips: number[][]): number {
  const seen = new Set<number>();
  for (const t of trips) for (const r of t) for (const x of [r, ...net.out[r]]) seen.add(x);
  for (let hop = 0; hop < 2; hop++) for (const v of [...seen]) for (const u of incoming[v]) seen.add(u);
  return seen.size;
}

const train = ds.splits.train.map((t) => t.roads.slice(0, 512));
const rand = makeRng(1);
const lon = (t: number[]) => t.reduce((a, r) => a + net.roads[r].coords[0][0], 0) / t.length;
const rows = [16, 32, 64].map((batch) => {
  const sum = { whole: 0, strided: 0, byLongitude: 0 };
  const n = Number(values.batches);
  for (let i = 0; i < n; i++) {
    const b = Array.from({ length: batch }, () => train[randInt(rand, train.length)]).sort((x, y) => x.length - y.length);
    sum.whole += receptiveField(b);
    sum.strided += (receptiveField(b.filter((_, j) => j % 2 === 0)) + receptiveField(b.filter((_, j) => j % 2 === 1))) / 2;
    const west = [...b].sort((x, y) => lon(x) - lon(y));
    sum.byLongitude += (receptiveField(west.slice(0, batch / 2)) + receptiveField(west.slice(batch / 2))) / 2;
  }
  return {
    batch,
    whole: Math.round(sum.whole / n),
    halfStrided: Math.round(sum.strided / n),
    halfByLongitude: Math.round(sum.byLongitude / n),
  };
});
console.log(JSON.stringify({ dataset: ds.name, roads: net.roads.length, batches: Number(values.batches), rows }));
