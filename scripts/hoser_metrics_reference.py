#!/usr/bin/env python3
"""HOSER's evaluation notebook's global metrics on a small committed fixture, as reference values.

HOSER's `evaluation/main.ipynb` (caoji2001/HOSER 92c6ca1) scores generated trajectories against
real ones with three global JSDs: trip distance, radius of gyration and per-hop duration. This
script reproduces those cells with numpy alone, so that `eval --metrics hoser`
(src/lib/eval/hoserMetrics.ts) can be checked against them (tests/eval/hoserReference.test.ts).
The notebook imports pandas, shapely, scipy and geopy; here each of their parts it uses is written
out as the library defines it:

- pandas.read_csv of the dataset's test.csv and of gene.py's CSV: the csv module;
  `eval(row[...])` of the road and time lists: ast.literal_eval (the same values).
- shapely's `LineString(coordinates).centroid` (GEOS Centroid for a line): the mean of the segment
  midpoints weighted by each segment's planar length in (lon, lat) degrees; zero-length segments
  are skipped, and a line of zero length gives its first point.
- geopy's `distance.great_circle(...).kilometers`: geopy's formula (atan2 of the chord terms) with
  its EARTH_RADIUS 6371.009 km.
- scipy.stats.entropy(p, m): both renormalised to sum 1, then sum(p · log(p / m)) over p > 0
  (scipy.special.rel_entr), natural log. Where scipy is installed, the script also checks its own
  entropy against scipy's.
- numpy.histogram with the notebook's bins: linspace(0, max(real), 100) followed by inf.

Usage:
  python3 scripts/hoser_metrics_reference.py build   # (re)make the fixture from public/data/porto
                                                     # and the committed routes (public/reports/porto-routes.json)
  python3 scripts/hoser_metrics_reference.py         # the notebook's metrics → expected.json beside the fixture

The fixture (tests/fixtures/hoser-metrics/): the TRIPS test OD pairs of the committed Compare
routes whose trips use the fewest roads, their real test trips (test.csv) and the shipped vanilla and distilled students' routes
for them in gene.py's format (gene-vanilla.csv, gene-distilled.csv), on the Porto roads those
trips use (roadmap.geo and roadmap.rel, road ids renumbered densely from 0 in the order of the
original ids; coordinates kept as written).
"""

import ast
import csv
import json
import math
import os
import sys
from datetime import datetime, timezone

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, 'tests', 'fixtures', 'hoser-metrics')
GENE_FILES = ['gene-vanilla.csv', 'gene-distilled.csv']
TRIPS = 24
TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'


# ---------------------------------------------------------------------------------------------
# The libraries the notebook calls, written out


def shapely_line_centroid(coords):
    """shapely LineString(coords).centroid (GEOS Centroid::addLineSegments) as (x, y)."""
    total = 0.0
    sx = 0.0
    sy = 0.0
    for (x0, y0), (x1, y1) in zip(coords[:-1], coords[1:]):
        seg = math.hypot(x1 - x0, y1 - y0)
        if seg == 0.0:
            continue
        total += seg
        sx += seg * (x0 + x1) / 2
        sy += seg * (y0 + y1) / 2
    if total == 0.0:
        return (coords[0][0], coords[0][1])
    return (sx / total, sy / total)


GEOPY_EARTH_RADIUS_KM = 6371.009


def geopy_great_circle_km(a, b):
    """geopy.distance.great_circle(a, b).kilometers for a, b = (lat, lon) in degrees."""
    lat1, lng1 = math.radians(a[0]), math.radians(a[1])
    lat2, lng2 = math.radians(b[0]), math.radians(b[1])
    sin_lat1, cos_lat1 = math.sin(lat1), math.cos(lat1)
    sin_lat2, cos_lat2 = math.sin(lat2), math.cos(lat2)
    delta_lng = lng2 - lng1
    cos_delta_lng, sin_delta_lng = math.cos(delta_lng), math.sin(delta_lng)
    d = math.atan2(
        math.sqrt((cos_lat2 * sin_delta_lng) ** 2 + (cos_lat1 * sin_lat2 - sin_lat1 * cos_lat2 * cos_delta_lng) ** 2),
        sin_lat1 * sin_lat2 + cos_lat1 * cos_lat2 * cos_delta_lng,
    )
    return GEOPY_EARTH_RADIUS_KM * d


def scipy_entropy(pk, qk):
    """scipy.stats.entropy(pk, qk): relative entropy in nats after renormalising both."""
    pk = np.asarray(pk, dtype=float)
    qk = np.asarray(qk, dtype=float)
    pk = pk / np.sum(pk)
    qk = qk / np.sum(qk)
    with np.errstate(divide='ignore', invalid='ignore'):
        terms = np.where(pk > 0, pk * np.log(pk / qk), 0.0)
    return float(np.sum(terms))


# ---------------------------------------------------------------------------------------------
# The notebook's cells (cell numbers of evaluation/main.ipynb)


def js_divergence(p, q):
    """Cell 1."""
    p = p / (np.sum(p) + 1e-14)
    q = q / (np.sum(q) + 1e-14)
    m = (p + q) / 2
    return 0.5 * scipy_entropy(p, m) + 0.5 * scipy_entropy(q, m)


def notebook_bins(real_values):
    """linspace(0, max(real), 100) plus inf, as cells 6, 8 and 10 build them."""
    bins = np.linspace(0, np.max(real_values), 100).tolist()
    bins.append(float('inf'))
    return np.array(bins)


def trip_distance(rid_list, road_gps):
    """Cell 6."""
    d = 0
    for i in range(1, len(rid_list)):
        a, b = road_gps[rid_list[i - 1]], road_gps[rid_list[i]]
        d += geopy_great_circle_km((a[1], a[0]), (b[1], b[0]))
    return d


def trip_radius(rid_list, road_gps):
    """Cell 8."""
    lon_mean = np.mean([road_gps[rid][0] for rid in rid_list])
    lat_mean = np.mean([road_gps[rid][1] for rid in rid_list])
    return np.mean([geopy_great_circle_km((lat_mean, lon_mean), (road_gps[rid][1], road_gps[rid][0])) for rid in rid_list])


def hop_minutes(time_list):
    """Cell 10 (per-hop durations in minutes)."""
    ts = [datetime.strptime(t, TIME_FORMAT) for t in time_list]
    return [(t2 - t1).total_seconds() / 60 for t1, t2 in zip(ts[:-1], ts[1:])]


def as_list(v):
    """The notebook's eval() of a road list: an int for one road ("5"), a tuple for "5,6"."""
    return [v] if isinstance(v, int) else list(v)


def read_csv(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def notebook_metrics(fixture):
    """The three JSDs of cells 6, 8 and 10 for every generated file of the fixture."""
    road_gps = []  # cell 4
    for row in read_csv(os.path.join(fixture, 'roadmap.geo')):
        road_gps.append(shapely_line_centroid(ast.literal_eval(row['coordinates'])))
    real = read_csv(os.path.join(fixture, 'test.csv'))
    real_rids = [as_list(ast.literal_eval(r['rid_list'])) for r in real]
    real_distance = [trip_distance(r, road_gps) for r in real_rids]
    real_radius = [trip_radius(r, road_gps) for r in real_rids]
    real_duration = [m for r in real for m in hop_minutes(r['time_list'].split(','))]
    bins = {
        'distanceJSD': notebook_bins(real_distance),
        'radiusJSD': notebook_bins(real_radius),
        'durationJSD': notebook_bins(real_duration),
    }
    real_hist = {
        'distanceJSD': np.histogram(real_distance, bins['distanceJSD'])[0],
        'radiusJSD': np.histogram(real_radius, bins['radiusJSD'])[0],
        'durationJSD': np.histogram(real_duration, bins['durationJSD'])[0],
    }
    out = {}
    for name in GENE_FILES:
        gene = read_csv(os.path.join(fixture, name))
        rids = [as_list(ast.literal_eval(r['gene_trace_road_id'])) for r in gene]
        values = {
            'distanceJSD': [trip_distance(r, road_gps) for r in rids],
            'radiusJSD': [trip_radius(r, road_gps) for r in rids],
            'durationJSD': [m for r in gene for m in hop_minutes(ast.literal_eval(r['gene_trace_datetime']))],
        }
        out[name] = {k: js_divergence(real_hist[k], np.histogram(v, bins[k])[0]) for k, v in values.items()}
        out[name]['n'] = len(gene)
    try:  # the written-out entropy against scipy's own, where scipy is installed
        from scipy.stats import entropy

        p = real_hist['distanceJSD'] / (np.sum(real_hist['distanceJSD']) + 1e-14)
        q = np.histogram(values['distanceJSD'], bins['distanceJSD'])[0]
        q = q / (np.sum(q) + 1e-14)
        m = (p + q) / 2
        assert abs(scipy_entropy(p, m) - float(entropy(p, m))) < 1e-15, 'entropy differs from scipy.stats.entropy'
        print('checked: entropy agrees with scipy.stats.entropy', file=sys.stderr)
    except ImportError:
        pass
    return {'real': {'trips': len(real), 'hops': len(real_duration)}, 'generated': out}


# ---------------------------------------------------------------------------------------------
# Building the fixture


def build(fixture):
    src = os.path.join(ROOT, 'public', 'data', 'porto')
    with open(os.path.join(ROOT, 'public', 'reports', 'porto-routes.json')) as f:
        routes = [r for r in json.load(f) if r['split'] == 'test']
    test = {r['traj_id']: r for r in read_csv(os.path.join(src, 'test.csv'))}

    def roads_of(r):
        s = set(r['vanilla']['roads']) | set(r['distilled']['roads'])
        for i in r['realTripIds']:
            if i in test:
                s.update(int(x) for x in test[i]['rid_list'].split(','))
        return s

    # The TRIPS OD pairs whose trips touch the fewest roads (the fixture stays small), in the
    # routes file's order.
    keep = sorted(sorted(range(len(routes)), key=lambda k: (len(roads_of(routes[k])), k))[:TRIPS])
    routes = [routes[k] for k in keep]
    real = [test[i] for r in routes for i in r['realTripIds'] if i in test]
    used = set()
    for t in real:
        used.update(int(x) for x in t['rid_list'].split(','))
    for r in routes:
        for model in ('vanilla', 'distilled'):
            used.update(r[model]['roads'])
    new_id = {old: k for k, old in enumerate(sorted(used))}
    os.makedirs(fixture, exist_ok=True)
    with open(os.path.join(src, 'roadmap.geo'), newline='') as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    with open(os.path.join(fixture, 'roadmap.geo'), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(header)
        for old in sorted(used):
            row = list(body[old])
            row[header.index('geo_id')] = str(new_id[old])
            w.writerow(row)
    # Only the links the real trips take (a dataset reader checks each hop against roadmap.rel).
    links = set()
    for t in real:
        rids = [int(x) for x in t['rid_list'].split(',')]
        links.update(zip(rids[:-1], rids[1:]))
    with open(os.path.join(fixture, 'roadmap.rel'), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['rel_id', 'type', 'origin_id', 'destination_id'])
        for k, (o, d) in enumerate(sorted(links)):
            w.writerow([k, 'geo', new_id[o], new_id[d]])
    with open(os.path.join(fixture, 'test.csv'), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['traj_id', 'rid_list', 'time_list'])
        for t in real:
            w.writerow([t['traj_id'], ','.join(str(new_id[int(x)]) for x in t['rid_list'].split(',')), t['time_list']])
    for model, name in zip(('vanilla', 'distilled'), GENE_FILES):
        # As gene.py writes it (pandas to_csv of Python lists): "[1, 2]", "['2013-…Z', …]".
        with open(os.path.join(fixture, name), 'w', newline='') as f:
            w = csv.writer(f, lineterminator='\n')
            w.writerow(['gene_trace_road_id', 'gene_trace_datetime'])
            for r in routes:
                g = r[model]
                times = [datetime.fromtimestamp(t, timezone.utc).strftime(TIME_FORMAT) for t in g['times']]
                w.writerow([str([new_id[x] for x in g['roads']]), str(times)])
    print(f'{fixture}: {len(used)} roads, {len(real)} real trips, {len(routes)} routes per model', file=sys.stderr)


def main():
    if sys.argv[1:] == ['build']:
        build(FIXTURE)
        return
    if sys.argv[1:]:
        sys.exit(__doc__)
    result = {
        'source': 'scripts/hoser_metrics_reference.py: the global cells (4, 6, 8, 10) of HOSER evaluation/main.ipynb '
        '(caoji2001/HOSER 92c6ca1) with numpy; shapely centroid, geopy great circle and scipy entropy written out',
        **notebook_metrics(FIXTURE),
    }
    with open(os.path.join(FIXTURE, 'expected.json'), 'w') as f:
        json.dump(result, f, indent=2)
        f.write('\n')
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == '__main__':
    main()
