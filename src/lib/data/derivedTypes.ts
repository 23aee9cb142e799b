// Contracts for the structures derived from a dataset. Computed in a worker (or the
// CLI) by derived.ts, consumed by the models, the trainer, generation and the teaching view.

/** Per-road model inputs (HOSER road features). Arrays are indexed by road id. */
export interface RoadFeatures {
  n: number;
  /** z-scored log1p(length in metres). */
  lenZ: Float32Array;
  /** Label-encoded highway class, 0..nTypes-1. */
  typeId: Int32Array;
  nTypes: number;
  typeNames: string[];
  /** z-scored length-weighted centroid lon / lat. */
  lonZ: Float32Array;
  latZ: Float32Array;
  /** Raw centroid, interleaved [lon0, lat0, lon1, lat1, …] (degrees). */
  centroid: Float64Array;
  /** Start and end point of each road, interleaved like `centroid`. */
  start: Float64Array;
  end: Float64Array;
}

/**
 * Undirected-adjacency road graph for the GATv2 encoder (HOSER: roads sharing an endpoint), stored
 * as directed edges src→dst (both directions present). No self loops: the layer adds them.
 */
export interface RoadGraph {
  src: Int32Array;
  dst: Int32Array;
  /** E×2 row-major: [heading difference / π, 1 if dst ∈ rel[src] else 0]. */
  edgeAttr: Float32Array;
}

/** Grid layout of the teacher vocabulary (LM-TAD style): token = row·nCols + col. */
export interface GridSpec {
  minLon: number;
  minLat: number;
  lonStep: number;
  latStep: number;
  nRows: number;
  nCols: number;
}

/** The vocabulary mapping ψ: road → grid-cell token (thesis Def. 3). */
export interface GridVocab {
  spec: GridSpec;
  nCells: number;
  /** Special tokens follow the cells: PAD = nCells, EOT = nCells+1, SOT = nCells+2. */
  pad: number;
  eot: number;
  sot: number;
  vocabSize: number;
  /** ψ(road): cell of the road's centroid, clamped into the grid. */
  roadCell: Int32Array;
  /** The cell of each road's far end (the point a car on it reaches): a teacher variant's ψ. */
  roadEndCell: Int32Array;
}

/** Balanced graph partition of the roads into zones. */
export interface Zones {
  nZones: number;
  roadZone: Int32Array;
  /** Largest zone size / smallest zone size (in roads). */
  sizeRatio: number;
  /** Zones whose roads do not form one connected piece of the road graph. */
  disconnected: number;
}

/** Zone transition graph from training trips (HOSER), with normalised weights. */
export interface ZoneGraph {
  nZones: number;
  src: Int32Array;
  dst: Int32Array;
  weight: Float32Array;
}

export interface Derived {
  /** Fingerprint of the road network this was derived from (see fingerprint.ts). */
  fingerprint: string;
  features: RoadFeatures;
  graph: RoadGraph;
  grid: GridVocab;
  zones: Zones;
  zoneGraph: ZoneGraph;
  /**
   * Train transitions per roadmap.rel link in forwardCsr order, one array per fold of the train
   * trips (data/markovChain.ts tripFold, foldedTransitionCounts): what the student's Markov route
   * inputs are made from (data/markovRouteInputs.ts). Their sum is the Markov baseline's count table.
   */
  transitionFolds: Float32Array[];
  /**
   * Each road's speed (km/h) fitted on the train trips under DEFAULT_FITTED_SPEED_RULE
   * (data/speeds.ts fitRoadSpeeds): the time-left route inputs on 'fitted' speeds (issue 65, lever b).
   */
  fittedKmh: Float32Array;
  /** Train-set statistics of log1p(seconds per hop), for the time head. */
  timeMean: number;
  timeStd: number;
}
