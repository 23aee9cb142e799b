// A short, stable identity for a road network, stored with checkpoints and derived caches so a
// model trained on one network is never silently applied to another (road ids would mean other
// roads). Covers what ids depend on: road count, geometry and rel connectivity.
import type { RoadNetwork, Trajectory } from './types';

// Coordinates rounded to 1e-6° (~0.1 m): survives a write/read round trip at 7 decimals.
const COORD_SCALE = 1e6;

/** Two independent 32-bit hashes fed the same int32 stream → 16 hex characters. */
class Hasher {
  private a = 0x811c9dc5; // FNV-1a offset basis
  private b = 0x9747b28c;

  int(v: number): void {
    let x = v | 0;
    // FNV-1a over the 4 bytes of the word.
    let a = this.a;
    for (let k = 0; k < 4; k++) {
      a ^= x & 0xff;
      a = Math.imul(a, 0x01000193);
      x >>>= 8;
    }
    this.a = a;
    // Murmur3-style word mix, so the pair does not share FNV's weaknesses.
    let m = Math.imul(v | 0, 0xcc9e2d51);
    m = (m << 15) | (m >>> 17);
    m = Math.imul(m, 0x1b873593);
    let b = this.b ^ m;
    b = (b << 13) | (b >>> 19);
    this.b = (Math.imul(b, 5) + 0xe6546b64) | 0;
  }

  hex(): string {
    const h = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
    return h(this.a) + h(this.b);
  }
}

/** Deterministic 16-hex-digit fingerprint of a network (roads, rounded coordinates, rel arrays). */
export function networkFingerprint(net: RoadNetwork): string {
  const h = new Hasher();
  h.int(net.roads.length);
  for (const r of net.roads) {
    h.int(r.coords.length);
    for (const c of r.coords) {
      h.int(Math.round(c[0] * COORD_SCALE));
      h.int(Math.round(c[1] * COORD_SCALE));
    }
  }
  h.int(net.relOrigin.length);
  for (let i = 0; i < net.relOrigin.length; i++) {
    h.int(net.relOrigin[i]);
    h.int(net.relDest[i]);
  }
  return h.hex();
}

/**
 * Identity of a set of trips (their count, road ids and entry times): what a run was trained on
 * and what the derived caches were built from. `count-hash`, e.g. `1775-3fa2c0de`.
 */
export function tripsFingerprint(trips: readonly Trajectory[]): string {
  let h = 0x811c9dc5;
  const mix = (x: number): void => {
    h ^= x & 0xffff;
    h = Math.imul(h, 0x01000193);
    h ^= x >>> 16;
    h = Math.imul(h, 0x01000193);
  };
  for (const t of trips) {
    mix(t.roads.length);
    for (const r of t.roads) mix(r);
    for (const s of t.times) mix(s | 0);
  }
  return `${trips.length}-${(h >>> 0).toString(16)}`;
}
