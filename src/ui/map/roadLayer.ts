// The road network as a MapLibre GeoJSON line layer: the base layer under the deck.gl trips.
import type { FeatureCollection, LineString } from 'geojson';
import type { LayerSpecification, StyleSpecification } from 'maplibre-gl';
import type { RoadRender } from '../../../workers/dataMessages';
import { MAP_BACKGROUND } from './palette';

export const ROAD_SOURCE = 'roads';

/**
 * Inline style with only a background: no tile, glyph or sprite server, so the map makes no
 * request outside the app's origin (and has no text labels, which would need glyphs).
 */
export const BASE_STYLE: StyleSpecification = {
  version: 8,
  sources: {},
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': MAP_BACKGROUND } }],
};

/** Where the map opens, before a network is framed: Porto. */
export const MAP_START: { center: [number, number]; zoom: number } = { center: [-8.62, 41.163], zoom: 12 };

/** Width grows with zoom and with the road's rank (0 service … 5 motorway). */
export const ROAD_LAYER: LayerSpecification = {
  id: 'roads',
  type: 'line',
  source: ROAD_SOURCE,
  layout: { 'line-join': 'round', 'line-cap': 'round', 'line-sort-key': ['get', 'r'] },
  paint: {
    'line-color': ['interpolate', ['linear'], ['get', 'r'], 0, '#2c3540', 2, '#404d5b', 5, '#71839a'],
    'line-width': [
      'interpolate',
      ['exponential', 1.6],
      ['zoom'],
      11,
      ['+', 0.4, ['*', 0.3, ['get', 'r']]],
      17,
      ['+', 2, ['*', 1.8, ['get', 'r']]],
    ],
  },
};

/** Builds the GeoJSON the line layer reads from the worker's flat buffers. */
export function roadFeatures(roads: RoadRender): FeatureCollection<LineString, { r: number }> {
  const { positions, starts, rank } = roads;
  const features = new Array(roads.count);
  for (let i = 0; i < roads.count; i++) {
    const coords: [number, number][] = [];
    for (let v = starts[i]; v < starts[i + 1]; v++) coords.push([positions[2 * v], positions[2 * v + 1]]);
    features[i] = { type: 'Feature', id: i, properties: { r: rank[i] }, geometry: { type: 'LineString', coordinates: coords } };
  }
  return { type: 'FeatureCollection', features };
}
