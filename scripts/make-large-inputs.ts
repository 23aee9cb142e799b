// Synthetic large inputs for the scale benchmark and checks (issue 52), made at run time from the
// committed data and never committed (write them under the gitignored tmp/):
//   hoser  a HOSER-format dataset: Porto's roadmap, val and test as they are, and the train trips
//          replayed under new ids until there are --trips of them (HOSER's own Porto train split:
//          481,359 trips);
//   ecml   an ECML/PKDD-format GPS CSV of about --bytes (the public Porto file: 1.8 GB): the trips
//          of ../shared/data/porto/gps/ replayed with new ids, their points moved by a small seeded
//          jitter (≤ ~5 m), 15 s apart as in the original.
// Usage:
//   npx tsx scripts/make-large-inputs.ts hoser --out tmp/large/hoser-500k [--trips 500000]
//   npx tsx scripts/make-large-inputs.ts ecml --out tmp/large/ecml-2g.csv [--bytes 2000000000]
// Both stream their output (bounded memory) and print one JSON line with what they wrote.
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import Papa from 'papaparse';
import { parseGpsCsv } from '../src/lib/data/gpsTraces';
import { makeRng } from '../src/lib/random';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    trips: { type: 'string', default: '500000' },
    bytes: { type: 'string', default: '2000000000' },
    src: { type: 'string', default: 'public/data/porto' },
    gps: { type: 'string', default: '../shared/data/porto/gps' },
    seed: { type: 'string', default: '1' },
  },
});

/** Writes lines through a stream, waiting for it to drain (bounded memory). */
async function writeAll(path: string, lines: AsyncIterable<string> | Iterable<string>): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const ws = createWriteStream(path);
  let bytes = 0;
  let buf = '';
  for await (const l of lines) {
    buf += l;
    if (buf.length >= 1 << 20) {
      bytes += Buffer.byteLength(buf);
      if (!ws.write(buf)) await once(ws, 'drain');
      buf = '';
    }
  }
  bytes += Buffer.byteLength(buf);
  ws.end(buf);
  await once(ws, 'finish');
  return bytes;
}

async function hoser(out: string, nTrips: number, src: string): Promise<void> {
  await mkdir(out, { recursive: true });
  for (const f of ['roadmap.geo', 'roadmap.rel', 'val.csv', 'test.csv']) await copyFile(join(src, f), join(out, f));
  const text = await readFile(join(src, 'train.csv'), 'utf8');
  const rows = Papa.parse<string[]>(text.trim(), { delimiter: ',' }).data;
  const header = rows[0];
  const body = rows.slice(1);
  const idCol = header.indexOf('traj_id');
  const quote = (c: string): string => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  function* lines(): Iterable<string> {
    yield header.join(',') + '\n';
    for (let k = 0; k < nTrips; k++) {
      const r = body[k % body.length].slice();
      const round = Math.floor(k / body.length);
      r[idCol] = `${r[idCol]}-r${round}`;
      yield r.map(quote).join(',') + '\n';
    }
  }
  const bytes = await writeAll(join(out, 'train.csv'), lines());
  console.log(JSON.stringify({ kind: 'hoser', out, trainTrips: nTrips, sourceTrips: body.length, trainBytes: bytes }));
}

async function ecml(out: string, targetBytes: number, gpsDir: string, seed: number): Promise<void> {
  const files = (await readdir(gpsDir)).filter((f) => f.startsWith('ecml-train') && f.endsWith('.csv')).sort();
  const traces = [];
  for (const f of files) traces.push(...parseGpsCsv(await readFile(join(gpsDir, f), 'utf8'), f).traces);
  const rng = makeRng(seed);
  // ~5 m at Porto's latitude: 0.00005° of latitude, 0.00006° of longitude.
  const jitter = (): number => (rng() - 0.5) * 0.0001;
  let written = 0;
  async function* lines(): AsyncIterable<string> {
    const head = '"TRIP_ID","CALL_TYPE","ORIGIN_CALL","ORIGIN_STAND","TAXI_ID","TIMESTAMP","DAY_TYPE","MISSING_DATA","POLYLINE"\n';
    written += head.length;
    yield head;
    for (let k = 0; written < targetBytes; k++) {
      const t = traces[k % traces.length];
      const round = Math.floor(k / traces.length);
      const pts = t.points.map(([lon, lat]) => `[${(lon + jitter()).toFixed(6)},${(lat + jitter()).toFixed(6)}]`).join(',');
      // Each replay a day later, so the trips do not all start at the same moments.
      const start = t.times[0] + round * 86400;
      const row = `"${t.id}${round}","C","","","2000${k % 1000}","${start}","A","${t.missingData ? 'True' : 'False'}","[${pts}]"\n`;
      written += row.length;
      yield row;
    }
  }
  const bytes = await writeAll(out, lines());
  console.log(JSON.stringify({ kind: 'ecml', out, bytes, sourceTraces: traces.length }));
}

const out = values.out;
if (!out || (positionals[0] !== 'hoser' && positionals[0] !== 'ecml')) {
  console.error('usage: make-large-inputs.ts hoser|ecml --out <path> [--trips N] [--bytes N]');
  process.exit(2);
}
if (positionals[0] === 'hoser') await hoser(out, Number(values.trips), values.src!);
else await ecml(out, Number(values.bytes), values.gps!, Number(values.seed));
