// Core in-memory data model shared by the parser, the build pipeline, the models and the UI.
// Framework-free: used in workers, in Node (CLI) and in tests.

import type { LonLat } from '../geo';
export type { LonLat };

export interface Road {
  /** Row index in roadmap.geo (= geo_id). Roads are always dense 0..N-1. */
  id: number;
  coords: LonLat[];
  /** Highway class as given: a name ("primary"), or an integer code rendered as a string ("7"). */
  highway: string;
  /** Length in metres. */
  lengthM: number;
}

export interface RoadNetwork {
  roads: Road[];
  /** Directed road→road links from roadmap.rel, in file order. */
  relOrigin: Int32Array;
  relDest: Int32Array;
  /** Outgoing neighbours per road, in file order of roadmap.rel. */
  out: number[][];
}

export interface Trajectory {
  /** Stable id (from the file's id column if present, else `<split>-<row>`). */
  id: string;
  /** Road ids, consecutive ones connected in roadmap.rel. */
  roads: number[];
  /** Entry time of each road, unix seconds (UTC). Same length as `roads`, non-decreasing. */
  times: number[];
}

export const SPLITS = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

/**
 * An untimed real route (routes.csv): a road sequence with no timestamps. Training data only (the
 * teacher, and the student's next-road loss with time terms masked); never used for evaluation.
 */
export interface Route {
  id: string;
  /** Road ids, consecutive ones connected in roadmap.rel. */
  roads: number[];
  /** Where the route comes from (a corpus name). */
  source: string;
}

export interface Dataset {
  name: string;
  network: RoadNetwork;
  /** Absent trajectory files give empty arrays: a roadmap alone is a valid dataset. */
  splits: Record<SplitName, Trajectory[]>;
  /** routes.csv, optional in any dataset (absent = none). */
  routes?: Route[];
  /** Present when `splits` hold a seeded random sample of a bigger set (data/bigDataset.ts). */
  sampledFrom?: DatasetSample;
}

/** What a sampled dataset was cut from, and how (data/bigDataset.ts `sampleDataset`). */
export interface DatasetSample {
  /** The sample's seed: the same seed and set give the same trips. */
  seed: number;
  /** Trips per split in the whole set. */
  total: Record<SplitName, number>;
  /** The cap on train trips that the whole set was over. */
  trainMax: number;
}

/** One problem found while reading a dataset file. `line` is 1-based (the header is line 1). */
export interface ValidationIssue {
  file: string;
  line: number;
  field: string;
  reason: string;
}

export function formatIssue(i: ValidationIssue): string {
  return `${i.file}:${i.line}: ${i.field}: ${i.reason}`;
}

/** Thrown when a dataset fails validation; carries every issue found (capped). */
export class DatasetError extends Error {
  readonly issues: ValidationIssue[];
  constructor(issues: ValidationIssue[]) {
    const head = issues.slice(0, 5).map(formatIssue).join('\n');
    const more = issues.length > 5 ? `\n… and ${issues.length - 5} more` : '';
    super(`Invalid dataset (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${head}${more}`);
    this.name = 'DatasetError';
    this.issues = issues;
  }
}

/** A named text file, as read from disk (Node) or from a File (browser). */
export interface TextFile {
  name: string;
  text: string;
}
