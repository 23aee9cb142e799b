// deck.gl layers of the teaching view: the trip so far, the destination, the candidate next roads
// coloured by probability, ψ(c) of each candidate, the teacher's window and its belief over cells,
// the surprisal colouring and a synthetic detour. Pure: state in, layers out.
import { ScatterplotLayer, SolidPolygonLayer, TextLayer } from '@deck.gl/layers';
import { StyledPathsLayer } from '../map/styledPathsLayer';
import type { Layer, PickingInfo } from '@deck.gl/core';
import type { GridSpec } from '../../lib/data/derivedTypes';
import type { LonLat } from '../../lib/data/types';
import { cellPolygon, type Ring } from '../../lib/teach/cells';
import type { StepView } from '../../lib/teach/stepView';
import { polylineCentroid } from '../../lib/geo';
import { countNoun, escapeHtml, fmtNum } from '../format';
import type { TooltipContent } from '../stores/mapLayers.svelte';
import {
  CAND_LETTERS,
  DEST_RGB,
  LETTER_RGB,
  PREFIX_RGB,
  TEACHER_RGB,
  WINDOW_RGB,
  hex,
  probColor,
  surprisalColor,
  type RGB,
} from './palette';

export interface TeachLayerInput {
  grid: GridSpec;
  geometry: Record<number, LonLat[]>;
  roads: number[];
  step: StepView;
  /** The distribution the candidate roads are coloured by, one value per candidate. */
  colorBy: number[];
  colorByLabel: string;
  /** Per road of the trip: teacher surprisal, when the surprisal colouring is on. */
  surprisal: number[] | null;
  show: { window: boolean; psi: boolean; belief: boolean; candidates: boolean };
  detour: { cells: number[]; start: number; end: number; original: number[] } | null;
}

interface PathDatum {
  path: LonLat[];
  color: RGB;
  alpha: number;
  width: number;
  tip: string;
}

interface CellDatum {
  polygon: Ring;
  fill: [number, number, number, number];
  line: [number, number, number, number];
  lineWidth: number;
  tip: string;
}

interface LabelDatum {
  position: LonLat;
  text: string;
  color: RGB;
}

const rgba = (c: RGB, a: number): [number, number, number, number] => [c[0], c[1], c[2], Math.round(a)];

export function teachLayers(inp: TeachLayerInput): Layer[] {
  const { geometry, step, grid } = inp;
  const geo = (r: number): LonLat[] => geometry[r] ?? [];
  const layers: Layer[] = [];
  const k = step.k;

  // Trip roads: the rest of the trip faint (or surprisal-coloured), the prefix solid.
  const trip: PathDatum[] = inp.roads.map((r, i) => {
    if (inp.surprisal) {
      const s = inp.surprisal[i];
      return {
        path: geo(r),
        color: surprisalColor(s),
        alpha: 235,
        width: 6,
        tip: `Road ${i + 1}: teacher surprisal <b>${fmtNum(s, 2)}</b> nats (−ln p of its cell)`,
      };
    }
    const inPrefix = i <= k;
    return {
      path: geo(r),
      color: inPrefix ? PREFIX_RGB : [200, 210, 225],
      alpha: inPrefix ? 230 : 55,
      width: inPrefix ? 5 : 3,
      tip: inPrefix ? `Prefix road ${i + 1} (already driven)` : `Road ${i + 1}, still ahead (the student does not see it)`,
    };
  });

  // The teacher's belief over the whole grid: its top next cells, opacity ∝ probability.
  if (inp.show.belief && step.topCells.length) {
    const pmax = step.topCells[0].p || 1;
    const belief: CellDatum[] = step.topCells.map((c) => ({
      polygon: cellPolygon(grid, c.cell),
      fill: rgba(TEACHER_RGB, 25 + 150 * (c.p / pmax)),
      line: rgba(TEACHER_RGB, 90),
      lineWidth: 1,
      tip: `Grid cell ${c.cell}: the teacher gives it <b>${fmtNum(c.p * 100, 1)}%</b> as the next cell`,
    }));
    layers.push(...cellLayers('teach-belief', belief));
  }
  // The teacher's context window: the last w cells, older ones fainter.
  if (inp.show.window) {
    const w = step.window.length;
    const win: CellDatum[] = step.window.map((cell, i) => ({
      polygon: cellPolygon(grid, cell),
      fill: rgba(WINDOW_RGB, 30 + (70 * (i + 1)) / w),
      line: rgba(WINDOW_RGB, 230),
      lineWidth: 2,
      tip: `Teacher input token ${i + 1} of ${w}: cell ${cell}`,
    }));
    layers.push(...cellLayers('teach-window', win));
  }
  if (inp.detour) {
    const d = inp.detour;
    const moved: CellDatum[] = [];
    for (let i = d.start; i < d.end; i++) {
      moved.push({
        polygon: cellPolygon(grid, d.original[i]),
        fill: [255, 255, 255, 10],
        line: [200, 210, 225, 160],
        lineWidth: 1,
        tip: 'Original cell (before the detour)',
      });
      moved.push({
        polygon: cellPolygon(grid, d.cells[i]),
        fill: [239, 80, 90, 120],
        line: [239, 80, 90, 240],
        lineWidth: 2,
        tip: 'Detour: this cell was shifted to make the trip anomalous',
      });
    }
    layers.push(...cellLayers('teach-detour', moved));
  }

  layers.push(pathLayer('teach-trip', trip));

  // ψ(c): each candidate's grid cell, outlined.
  const cands = step.cands;
  if (inp.show.psi) {
    const seen = new Map<number, string[]>();
    cands.forEach((c, i) => seen.set(step.candCells[i], [...(seen.get(step.candCells[i]) ?? []), CAND_LETTERS[i]]));
    const psi: CellDatum[] = [...seen.entries()].map(([cell, letters]) => ({
      polygon: cellPolygon(grid, cell),
      fill: [255, 255, 255, 18],
      line: [255, 255, 255, 235],
      lineWidth: 2.5,
      tip: `ψ(${letters.join(', ')}) = cell ${cell}: the teacher's probability for ${letters.length > 1 ? 'these roads is shared by' : 'this road is'} the probability of this cell`,
    }));
    layers.push(...cellLayers('teach-psi', psi));
  }

  if (inp.show.candidates) {
    // A white casing under the true next road. Made like every other path (per-datum colour and
    // width), so all of them share one GPU pipeline: a software renderer builds each in ~0.5 s.
    const truth: PathDatum[] =
      step.label >= 0 ? [{ path: geo(cands[step.label]), color: [255, 255, 255], alpha: 240, width: 15, tip: 'The true next road' }] : [];
    layers.push(pathLayer('teach-truth', truth));
    const candPaths: PathDatum[] = cands.map((c, i) => ({
      path: geo(c),
      color: probColor(inp.colorBy[i] ?? 0),
      alpha: 255,
      width: 9,
      tip:
        `<b>Candidate ${CAND_LETTERS[i]}</b>${i === step.label ? ' · <b>the true next road</b>' : ''}<br>` +
        `${escapeHtml(inp.colorByLabel)}: <b>${fmtNum((inp.colorBy[i] ?? 0) * 100, 1)}%</b>`,
    }));
    layers.push(pathLayer('teach-cands', candPaths, inp.colorBy.join(',')));
    // Each candidate's letter on a badge (a marker disc, so no extra GPU pipeline for backgrounds).
    const labels: LabelDatum[] = cands.map((c, i) => ({ position: polylineCentroid(geo(c)), text: CAND_LETTERS[i], color: LETTER_RGB }));
    const badges: MarkerDatum[] = labels.map((l, i) => ({
      position: l.position,
      color: l.color,
      radius: 10,
      tip: `Candidate ${CAND_LETTERS[i]}`,
    }));
    layers.push(markerLayer('teach-cand-badges', badges), labelLayer('teach-cand-labels', labels));
  }

  // Where the car is (end of the current road) and where it is going.
  const cur = geo(step.current);
  const dest = geo(step.destination);
  const markers: MarkerDatum[] = [];
  if (cur.length)
    markers.push({ position: cur[cur.length - 1], color: PREFIX_RGB, radius: 7, tip: `The car, after ${countNoun(k + 1, 'road')}` });
  if (dest.length) markers.push({ position: dest[dest.length - 1], color: DEST_RGB, radius: 9, tip: 'Destination (given to the student)' });
  layers.push(markerLayer('teach-markers', markers));
  return layers;
}

interface MarkerDatum {
  position: LonLat;
  color: RGB;
  radius: number;
  tip: string;
}

function labelLayer(id: string, data: LabelDatum[]): TextLayer<LabelDatum> {
  return new TextLayer<LabelDatum>({
    id,
    data,
    getPosition: (d) => d.position,
    getText: (d) => d.text,
    getColor: [15, 18, 24, 255],
    getSize: 14,
    fontWeight: 700,
    characterSet: CAND_LETTERS.slice(0, 26),
  });
}

function markerLayer(id: string, data: MarkerDatum[]): ScatterplotLayer<MarkerDatum> {
  return new ScatterplotLayer<MarkerDatum>({
    id,
    data,
    getPosition: (d) => d.position,
    getFillColor: (d) => [...d.color, 255] as [number, number, number, number],
    getLineColor: [11, 15, 20, 255],
    getRadius: (d) => d.radius,
    radiusUnits: 'pixels',
    stroked: true,
    lineWidthUnits: 'pixels',
    getLineWidth: 2,
    pickable: true,
  });
}

/**
 * The view's own layers (teachLayers, every option on) for a made-up three-road trip at `at`, drawn
 * invisible (opacity 0) while the teaching worker loads. On a software renderer (SwiftShader) the
 * first draw of each pipeline, a shader program with its vertex layout (a constant colour and a
 * per-datum one differ), freezes the page for 0.4–2 s; the map admits one new layer kind per frame
 * (MapView), so these frames fall inside loading, and the trip's first frame finds every pipeline
 * built. Being made by teachLayers itself, they cannot drift from what the view draws.
 */
export function teachWarmUpLayers(at: LonLat): Layer[] {
  const [x, y] = at;
  const d = 0.001;
  const grid: GridSpec = { minLon: x, minLat: y, lonStep: d, latStep: d, nRows: 2, nCols: 2 };
  const geometry: Record<number, LonLat[]> = {
    0: [at, [x + d, y]],
    1: [
      [x + d, y],
      [x + d, y + d],
    ],
    2: [
      [x + d, y],
      [x + 2 * d, y],
    ],
  };
  const step: StepView = {
    k: 0,
    current: 0,
    cands: [1, 2],
    candCells: [1, 2],
    label: 0,
    window: [0],
    teacherRaw: [0.5, 0.5],
    candMass: 1,
    topCells: [{ cell: 1, p: 0.5 }],
    vanilla: null,
    distilled: null,
    prefix: [0],
    destination: 2,
    trueNext: 1,
  };
  const layers = teachLayers({
    grid,
    geometry,
    roads: [0, 1, 2],
    step,
    colorBy: [0.5, 0.5],
    colorByLabel: '',
    surprisal: null,
    show: { window: true, psi: true, belief: true, candidates: true },
    detour: { cells: [1], start: 0, end: 1, original: [0] },
  });
  return layers.map((l) => l.clone({ id: `warm-${l.id}`, opacity: 0 }));
}

/** `colorKey` changes when the colours change without the data: the layer then recolours. */
function pathLayer(id: string, data: PathDatum[], colorKey = ''): StyledPathsLayer<PathDatum> {
  return new StyledPathsLayer<PathDatum>({
    id,
    data,
    getPath: (d) => d.path,
    getColor: (d) => [...d.color, d.alpha] as const,
    getWidth: (d) => d.width,
    pickable: true,
    updateTriggers: { getColor: [colorKey] },
  });
}

/** Grid cells: the fills, then their outlines as closed paths. */
function cellLayers(id: string, data: CellDatum[]): [SolidPolygonLayer<CellDatum>, StyledPathsLayer<CellDatum>] {
  return [
    new SolidPolygonLayer<CellDatum>({
      id: `${id}-fill`,
      data,
      getPolygon: (d) => d.polygon,
      getFillColor: (d) => d.fill,
      pickable: true,
    }),
    new StyledPathsLayer<CellDatum>({
      id: `${id}-outline`,
      data,
      getPath: (d) => d.polygon,
      getColor: (d) => d.line,
      getWidth: (d) => d.lineWidth,
      pickable: true,
    }),
  ];
}

/** Every teach layer carries its hover text in the datum's `tip`. */
export function teachTooltip(info: PickingInfo): TooltipContent | null {
  const o = info.object as { tip?: string } | null | undefined;
  return o?.tip ? { html: `<div class="tt-row">${o.tip}</div>` } : null;
}

/** Bounds [w, s, e, n] of a set of polylines. */
export function boundsOf(paths: LonLat[][]): [number, number, number, number] | null {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const p of paths)
    for (const [x, y] of p) {
      w = Math.min(w, x);
      s = Math.min(s, y);
      e = Math.max(e, x);
      n = Math.max(n, y);
    }
  return Number.isFinite(w) ? [w, s, e, n] : null;
}

export { hex };
