// OpenStreetMap XML (.osm, as written by the OSM API, osmosis, osmfilter, JOSM) → the same element
// list an Overpass JSON response holds, so `importOsm` serves both formats unchanged.
//
// A small scanner rather than an XML library: OSM XML is flat and regular (node, way, nd and tag
// elements whose data sit only in attributes, no text content, no namespaces), and the app keeps
// its dependencies to what the browser bundle needs. It reads attributes in either quote style,
// decodes the five named entities and numeric character references, skips comments, the XML
// declaration, CDATA and elements it does not use (relation, member, bounds, changeset…), and
// reports malformed input as `file:line: field: reason`.
import type { OsmElement, OsmNode, OsmWay, OverpassResponse } from './osmImport';

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return NAMED[e] ?? m;
  });
}

const ATTR = /([A-Za-z_:][-\w:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function attributes(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  ATTR.lastIndex = 0;
  for (let m = ATTR.exec(s); m; m = ATTR.exec(s)) out[m[1]] = decodeEntities(m[2] ?? m[3] ?? '');
  return out;
}

/** Index of the `>` closing the tag that starts before `from`, skipping quoted values (XML allows a bare `>` in them); -1 if none. */
function tagEnd(text: string, from: number): number {
  let quote = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) quote = c;
    else if (c === 62) return i;
  }
  return -1;
}

export interface OsmXmlResult {
  response: OverpassResponse;
  /** The <bounds> element, when present: [minLon, minLat, maxLon, maxLat]. */
  bounds: [number, number, number, number] | null;
}

/**
 * Parses OSM XML. Nodes need finite lat/lon and ways integer node refs; anything else is an error
 * naming the line, since a silently dropped node would cut every way through it.
 */
export function parseOsmXml(text: string, fileLabel = 'osm'): OsmXmlResult {
  const elements: OsmElement[] = [];
  let bounds: OsmXmlResult['bounds'] = null;
  let line = 1;
  let lineAt = 0;
  /** Line of `pos`, counted forward from the last position asked (positions only grow). */
  const lineOf = (pos: number): number => {
    for (let i = lineAt; i < pos; i++) if (text.charCodeAt(i) === 10) line++;
    lineAt = pos;
    return line;
  };
  const fail = (pos: number, field: string, reason: string): never => {
    throw new Error(`${fileLabel}:${lineOf(pos)}: ${field}: ${reason}`);
  };
  // The element receiving <nd>/<tag> children: the open node or way.
  let open: OsmNode | OsmWay | null = null;
  let sawOsm = false;
  let pos = 0;
  for (;;) {
    const lt = text.indexOf('<', pos);
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end < 0) fail(lt, '(file)', 'unterminated comment');
      pos = end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end < 0) fail(lt, '(file)', 'unterminated CDATA section');
      pos = end + 3;
      continue;
    }
    const gt = tagEnd(text, lt + 1);
    if (gt < 0) fail(lt, '(file)', 'unterminated tag');
    pos = gt + 1;
    const c = text[lt + 1];
    if (c === '?' || c === '!') continue;
    if (c === '/') {
      const name = text.slice(lt + 2, gt).trim();
      if ((name === 'node' || name === 'way') && open?.type === name) open = null;
      continue;
    }
    const body = text.slice(lt + 1, text[gt - 1] === '/' ? gt - 1 : gt);
    const sp = body.search(/[\s/]/);
    const name = sp < 0 ? body : body.slice(0, sp);
    const selfClosing = text[gt - 1] === '/';
    switch (name) {
      case 'osm':
        sawOsm = true;
        break;
      case 'bounds': {
        const a = attributes(body);
        const b = [a.minlon, a.minlat, a.maxlon, a.maxlat].map(Number);
        if (b.every(Number.isFinite)) bounds = b as [number, number, number, number];
        break;
      }
      case 'node': {
        const a = attributes(body);
        const id = Number(a.id);
        const lat = Number(a.lat);
        const lon = Number(a.lon);
        if (!Number.isInteger(id)) fail(lt, 'node id', `not an integer: "${a.id ?? ''}"`);
        if (a.lat === undefined || !Number.isFinite(lat) || Math.abs(lat) > 90)
          fail(lt, 'node lat', `node ${id}: bad latitude "${a.lat ?? ''}"`);
        if (a.lon === undefined || !Number.isFinite(lon) || Math.abs(lon) > 180)
          fail(lt, 'node lon', `node ${id}: bad longitude "${a.lon ?? ''}"`);
        const n: OsmNode = { type: 'node', id, lat, lon };
        elements.push(n);
        open = selfClosing ? null : n;
        break;
      }
      case 'way': {
        const a = attributes(body);
        const id = Number(a.id);
        if (!Number.isInteger(id)) fail(lt, 'way id', `not an integer: "${a.id ?? ''}"`);
        const w: OsmWay = { type: 'way', id, nodes: [] };
        elements.push(w);
        open = selfClosing ? null : w;
        break;
      }
      case 'nd': {
        if (open?.type !== 'way') break;
        const ref = Number(attributes(body).ref);
        if (!Number.isInteger(ref)) fail(lt, 'nd ref', `way ${open.id}: not an integer node ref`);
        open.nodes.push(ref);
        break;
      }
      case 'tag': {
        if (!open) break;
        const a = attributes(body);
        if (a.k === undefined || a.v === undefined) fail(lt, 'tag', `${open.type} ${open.id}: tag without k or v`);
        (open.tags ??= {})[a.k] = a.v;
        break;
      }
      default:
        // relation, member, changeset…: not needed for a road network. Their tags never reach a
        // node or way, because a relation closes any element left open.
        open = null;
    }
  }
  if (!sawOsm) fail(0, '(file)', 'not OSM XML (no <osm> element)');
  return { response: { elements }, bounds };
}
