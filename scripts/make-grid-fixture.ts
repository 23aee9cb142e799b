// Writes e2e/fixtures/grid-town/: a small HOSER dataset of a network that is not Porto's (a 6×6
// street grid in Amsterdam, both directions, seeded random-walk trips), so the e2e can open
// "another network" and check what each view does with it. Run: npx tsx scripts/make-grid-fixture.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRng } from '../src/lib/random';

const OUT = join(import.meta.dirname, '..', 'e2e', 'fixtures', 'grid-town');
const N = 6; // intersections per side
const LON0 = 4.88;
const LAT0 = 52.36;
const STEP = 0.003; // ≈ 200 m east-west, 330 m north-south

const node = (i: number, j: number): [number, number] => [+(LON0 + i * STEP).toFixed(6), +(LAT0 + j * STEP).toFixed(6)];
const metres = (a: [number, number], b: [number, number]) => {
  const k = Math.PI / 180;
  const x = (b[0] - a[0]) * k * Math.cos(((a[1] + b[1]) / 2) * k);
  const y = (b[1] - a[1]) * k;
  return 6371000 * Math.hypot(x, y);
};

interface Edge {
  from: string;
  to: string;
  a: [number, number];
  b: [number, number];
  highway: string;
}
const edges: Edge[] = [];
for (let i = 0; i < N; i++) {
  for (let j = 0; j < N; j++) {
    for (const [di, dj] of [
      [1, 0],
      [0, 1],
    ] as const) {
      const i2 = i + di;
      const j2 = j + dj;
      if (i2 >= N || j2 >= N) continue;
      // Middle avenues are primary roads, the rest residential: the encoders see two classes.
      const highway = (di === 1 && j === 2) || (dj === 1 && i === 3) ? 'primary' : 'residential';
      edges.push({ from: `${i},${j}`, to: `${i2},${j2}`, a: node(i, j), b: node(i2, j2), highway });
      edges.push({ from: `${i2},${j2}`, to: `${i},${j}`, a: node(i2, j2), b: node(i, j), highway });
    }
  }
}

const geo = ['geo_id,type,coordinates,highway,length'];
edges.forEach((e, id) =>
  geo.push(`${id},LineString,"[[${e.a[0]},${e.a[1]}],[${e.b[0]},${e.b[1]}]]",${e.highway},${metres(e.a, e.b).toFixed(1)}`),
);

// Road r continues into road s when s starts where r ends (no U-turns).
const next: number[][] = edges.map((r) => edges.flatMap((s, id) => (s.from === r.to && s.to !== r.from ? [id] : [])));
const rel = ['rel_id,type,origin_id,destination_id'];
let relId = 0;
next.forEach((outs, o) => outs.forEach((d) => rel.push(`${relId++},geo,${o},${d}`)));

const rng = makeRng(13);
const pick = <T>(xs: T[]): T => xs[Math.floor(rng() * xs.length)];
function trip(k: number, t0: number): string {
  let r = Math.floor(rng() * edges.length);
  const roads = [r];
  const len = 6 + Math.floor(rng() * 8);
  while (roads.length < len) {
    r = pick(next[r]);
    roads.push(r);
  }
  let t = t0;
  const times = roads.map((id) => {
    const iso = new Date(t * 1000).toISOString().replace('.000', '');
    t += Math.round((metres(edges[id].a, edges[id].b) / 8) * (0.8 + 0.4 * rng()));
    return iso;
  });
  return `g${k},"${roads.join(',')}","${times.join(',')}"`;
}
const header = 'traj_id,rid_list,time_list';
const split = (from: number, n: number) => [
  header,
  ...Array.from({ length: n }, (_, i) => trip(from + i, 1_700_000_000 + (from + i) * 977)),
];

mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'roadmap.geo'), geo.join('\n') + '\n');
writeFileSync(join(OUT, 'roadmap.rel'), rel.join('\n') + '\n');
writeFileSync(join(OUT, 'train.csv'), split(0, 48).join('\n') + '\n');
writeFileSync(join(OUT, 'val.csv'), split(100, 8).join('\n') + '\n');
writeFileSync(join(OUT, 'test.csv'), split(200, 8).join('\n') + '\n');
console.log(`${edges.length} roads, ${relId} relations → ${OUT}`);
