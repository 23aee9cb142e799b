// The student's (HOSER's) architecture settings and its two size presets: plain data, tfjs-free, so
// the page's training controls and the training code read the same presets (student.ts builds the model).
import type { RouteFeatureSpec } from '../data/remainingTimes';

export interface StudentConfig {
  /** Road id embedding width (HOSER 64). */
  roadIdDim: number;
  /** Width of each of the len/type/lon/lat embeddings (HOSER 16); roadDim = roadIdDim + 4·this. */
  roadFeatDim: number;
  /** GATv2 layers over the road graph and GCN layers over the zone graph (HOSER 2 each). */
  gnnLayers: number;
  /** Time embedding width (HOSER 128 = 64 learnable frequencies × cos/sin). trajDim = roadDim + timeDim. */
  timeDim: number;
  /** Attention heads and transformer blocks of the trajectory encoder (HOSER 2, 2). */
  heads: number;
  layers: number;
  /** MLP width = trajDim · mlpRatio (HOSER 4 → 1024). */
  mlpRatio: number;
  /** Hidden width of the road/zone fusion gate MLP (HOSER 64). */
  fusionHidden: number;
  /** Width of the Linear(1,·) embeddings of metric_dis / metric_angle (HOSER 128). */
  metricDim: number;
  /** Additive-attention width of the navigator (HOSER 128). */
  navDim: number;
  /** Hidden width of each branch of the time head (HOSER 64). */
  timeHidden: number;
  /**
   * The thesis code's variant: road and zone encoders stay at their random initialisation and get
   * no gradient. Default false: both encoders are trained every batch, as in HOSER.
   */
  freezeEncoders: boolean;
  /**
   * No table indexed by a network's own ids, so that a model trained on one road network runs on
   * another as it is (zero-shot region transfer, as TransferTraj's relative encodings): the road id
   * embedding is replaced by a dense layer of the road's in- and out-degree, the highway class is
   * read through one fixed list of OSM classes (OSM_HIGHWAY_CLASSES) instead of the network's own
   * label encoding, and a zone's input is the mean of its roads' inputs instead of a zone id
   * embedding. Absent (not false) in the presets, so checkpoints from before it still load.
   */
  idFree?: boolean;
  /**
   * Route-aware candidate features (issue 49, lever 3a): the navigator also reads, per candidate,
   * its remaining travel time to the destination relative to the step's best candidate, and a flag
   * for a candidate that cannot reach it (data/remainingTimes.ts, data/candidates.ts
   * routeCandidateFeatures), through one more Linear(2, metricDim) (`nav/metricRoute`) into nav/k.
   * `speeds` names the per-road times. Absent in the presets and in every checkpoint from before it.
   */
  routeFeatures?: RouteFeatureSpec;
}

export const DEFAULT_STUDENT_CONFIG: StudentConfig = {
  roadIdDim: 64,
  roadFeatDim: 16,
  gnnLayers: 2,
  timeDim: 128,
  heads: 2,
  layers: 2,
  mlpRatio: 4,
  fusionHidden: 64,
  metricDim: 128,
  navDim: 128,
  timeHidden: 64,
  freezeEncoders: false,
};

/** Half-width preset for in-browser training and quick runs. */
export const SMALL_STUDENT_CONFIG: StudentConfig = {
  roadIdDim: 32,
  roadFeatDim: 8,
  gnnLayers: 2,
  timeDim: 64,
  heads: 2,
  layers: 2,
  mlpRatio: 4,
  fusionHidden: 32,
  metricDim: 64,
  navDim: 64,
  timeHidden: 32,
  freezeEncoders: false,
};

export const STUDENT_PRESETS = { default: DEFAULT_STUDENT_CONFIG, small: SMALL_STUDENT_CONFIG } as const;
