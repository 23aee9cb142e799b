// The OSM XML reader: a tiny hand-written extract (made-up coordinates) read into the same elements
// as Overpass JSON, so importOsm's direction rules apply; oneway=-1 runs against the drawn order.
import { describe, expect, it } from 'vitest';
import { parseOsmXml } from '../../src/lib/data/osmXml';
import { importOsm } from '../../src/lib/data/osmImport';
import type { OsmNode, OsmWay } from '../../src/lib/data/osmImport';
import type { RoadNetwork } from '../../src/lib/data/types';

// A square 1-2-3-4 (0.001° apart). Way 10 is drawn 1 → 2 but tagged oneway=-1, so it is driven
// 2 → 1; way 11 closes the square 2 → 3 → 4 → 1 both ways. A relation's tags must not leak.
const XML = `<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <bounds minlat="10.0" minlon="20.0" maxlat="10.01" maxlon="20.01"/>
  <!-- a comment with <node id="99" lat="0" lon="0"/> inside -->
  <node id="1" lat="10.001" lon="20.001"/>
  <node id="2" lat="10.001" lon="20.002" version="3">
    <tag k="highway" v="traffic_signals"/>
  </node>
  <node id='3' lat='10.002' lon='20.002'/>
  <node id="4" lat="10.002" lon="20.001"/>
  <way id="10">
    <nd ref="1"/>
    <nd ref="2"/>
    <tag k="highway" v="residential"/>
    <tag k="oneway" v="-1"/>
    <tag k="name" v="Market Street &amp; Kearny &#39;East&#x27;"/>
    <tag k="note" v="a > b"/>
  </way>
  <way id="11">
    <nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="highway" v="tertiary"/>
  </way>
  <relation id="500">
    <member type="way" ref="10" role=""/>
    <tag k="oneway" v="yes"/>
  </relation>
</osm>
`;

const at = (id: number): string => ({ 1: '20.001,10.001', 2: '20.002,10.001', 3: '20.002,10.002', 4: '20.001,10.002' })[id] ?? '?';
/** Roads as "start>end" of their node positions, with their vertex count. */
function ends(n: RoadNetwork): string[] {
  const f = (p: [number, number]): string => `${p[0].toFixed(3)},${p[1].toFixed(3)}`;
  return n.roads.map((r) => `${f(r.coords[0])}>${f(r.coords[r.coords.length - 1])}/${r.coords.length}`);
}

describe('parseOsmXml', () => {
  it('reads nodes, ways, tags and bounds, decoding entities, in either quote style', () => {
    const { response, bounds } = parseOsmXml(XML, 'tiny.osm');
    const els = response.elements ?? [];
    expect(bounds).toEqual([20.0, 10.0, 20.01, 10.01]);
    expect(els.filter((e) => e.type === 'node')).toHaveLength(4);
    const n3 = els.find((e) => e.type === 'node' && e.id === 3) as OsmNode;
    expect([n3.lon, n3.lat]).toEqual([20.002, 10.002]);
    const w10 = els.find((e) => e.type === 'way' && e.id === 10) as OsmWay;
    expect(w10.nodes).toEqual([1, 2]);
    expect(w10.tags).toEqual({ highway: 'residential', oneway: '-1', name: "Market Street & Kearny 'East'", note: 'a > b' });
    const w11 = els.find((e) => e.type === 'way' && e.id === 11) as OsmWay;
    expect(w11.nodes).toEqual([2, 3, 4, 1]);
    expect(w11.tags).toEqual({ highway: 'tertiary' });
    expect(els.some((e) => e.type === 'relation')).toBe(false);
  });

  it('oneway=-1 gives one directed road running against the drawn order', () => {
    const { network } = importOsm([parseOsmXml(XML).response]);
    const roads = ends(network);
    // Way 10 drawn 1 → 2: only 2 → 1 exists.
    expect(roads).toContain(`${at(2)}>${at(1)}/2`);
    expect(roads).not.toContain(`${at(1)}>${at(2)}/2`);
    // The way back round the square (1 → 4 → 3 → 2) keeps the pair strongly connected.
    expect(roads).toContain(`${at(1)}>${at(2)}/4`);
  });

  it('oneway=yes and roundabouts follow the drawn order', () => {
    for (const tag of ['<tag k="oneway" v="yes"/>', '<tag k="junction" v="roundabout"/>']) {
      const xml = XML.replace('<tag k="oneway" v="-1"/>', tag);
      const roads = ends(importOsm([parseOsmXml(xml).response]).network);
      expect(roads, tag).toContain(`${at(1)}>${at(2)}/2`);
      expect(roads, tag).not.toContain(`${at(2)}>${at(1)}/2`);
    }
  });

  it('names the line of a malformed element', () => {
    expect(() => parseOsmXml(XML.replace('lat="10.002" lon="20.001"', 'lat="north" lon="20.001"'), 'tiny.osm')).toThrow(
      'tiny.osm:10: node lat: node 4: bad latitude "north"',
    );
    expect(() => parseOsmXml(XML.replace('<nd ref="2"/>\n', '<nd ref="x"/>\n'), 'tiny.osm')).toThrow(
      'tiny.osm:13: nd ref: way 10: not an integer node ref',
    );
    expect(() => parseOsmXml('{"elements": []}', 'x.osm')).toThrow('x.osm:1: (file): not OSM XML (no <osm> element)');
  });
});
