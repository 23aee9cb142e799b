// Types shared by the checkpoint codecs (checkpoint.ts writes safetensors, legacyCheckpoint.ts
// reads the older .ckpt files); their own module so that neither codec imports the other's code.

export type CheckpointKind = 'teacher' | 'student';

/** Weights keyed by canonical variable name. */
export type NamedWeights = Record<string, { shape: number[]; data: Float32Array }>;

export interface TrainingState {
  epoch: number;
  step: number;
  optimizer?: OptimState;
  /** Anything else the trainer wants back on resume (best epoch, RNG position, …); JSON only. */
  extra?: Record<string, unknown>;
}

export interface Checkpoint<C extends object = object> {
  kind: CheckpointKind;
  /** Model configuration (sizes); compared key by key by assertCompatible. */
  config: C;
  /** Fingerprint of the dataset / road network the model was trained on. */
  fingerprint: string;
  training: TrainingState;
  /** Hyperparameters of the run (λ, τ, w, lr, batch, seed, …), JSON only. */
  hyper: Record<string, unknown>;
  /** ISO timestamp. */
  created: string;
  weights: NamedWeights;
}

/** AdamW state saved with a run. */
export interface OptimState {
  step: number;
  /** First / second moments keyed by canonical variable name (see variableNames.canonicalName). */
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}
