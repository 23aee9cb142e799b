// Teacher: LM-TAD, a GPT-2-style decoder over grid-cell tokens (github.com/jonathankabala/LMTAD).
//
// Architecture: token + learned absolute position embeddings; pre-LN blocks
//   x = x + attn(ln_1(x)); x = x + mlp(ln_2(x))
// with fused-QKV causal self-attention and a 4× MLP with exact (erf) GELU; final LayerNorm; LM head
// tied to the token embedding; no biases anywhere; LayerNorm eps 1e-5; init N(0, 0.02) and the
// residual projections (attn.c_proj, mlp.c_proj) N(0, 0.02/√(2·nLayer)).
//
// Tokens: cells 0..nCells-1, then PAD = V−3, EOT = V−2, SOT = V−1 (same layout as GridVocab).
// A trip is [SOT, ψ(r1), …, ψ(rn), EOT].
//
// Consecutive duplicate cells — decision: KEEP them by default (config.collapse = false).
//   We tokenise road sequences (one token per road), not 15 s GPS fixes, so repeats are moderate
//   (a road shorter than a ~100 m × 75 m cell often stays in it). Keeping them means the teacher
//   learns P(stay in the current cell), and the distillation gather of eq. 3 needs no special case:
//   a candidate road whose cell equals the current cell gets exactly that "stay" probability, like
//   any other candidate gets its cell's probability (this is also what the thesis code does: it maps
//   each road through ψ without collapsing). With collapse = true the teacher only models cell
//   changes (a cleaner spatial language model for anomaly scoring), but then it never predicts the
//   current cell, so same-cell candidates would get ~0 teacher mass and distillation would push
//   the student away from them; use it only for anomaly-scoring experiments. The same flag must be
//   used for training sequences and for distillation windows (see teacherWindow).
//
// Windows for distillation (thesis: the last w cells): each window is fed as [SOT, c_{t−w+1} … c_t]
// at positions 0…w, exactly like the start of a training trip. This is slightly out of
// distribution mid-trip (absolute positions), as in the thesis; w = Infinity gives the exact
// full-prefix conditional. Rows of different lengths are right-padded with PAD in one batch:
// attention is causal, so the padding after position k never influences position k, and we read
// each row's distribution at its own last position — no attention across padding, one pass.
import * as tf from '@tensorflow/tfjs';
import type { GridSpec, GridVocab } from '../data/derivedTypes';
import { cellSizeKm } from '../data/grid';
import { makeRng, normalArray } from '../random';
import { uniqueVariableName } from '../features/variableNames';
// Gather gradients need UnsortedSegmentSum: wasm has no kernel and cpu's is quadratic; layers.ts
// registers linear-time JS kernels for both (installFastKernels).
import { gelu, installFastKernels, matMulFast, transposeLast2 } from './layers';
import { fastLogSumExpActive, fastLogSumExpRows } from './softmaxKernel';
import { cellsWithin, moveColumnOf, moveColumns, moveVocab, toMoveTokens, type CellTokens, type MoveVocab } from './teacherMoves';

export interface TeacherConfig {
  /** Grid cells + 3 special tokens (PAD, EOT, SOT, in that order at the end). */
  vocabSize: number;
  /** Longest token sequence the position table covers (SOT … EOT). */
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  dropout: number;
  /** Tokenisation: collapse consecutive duplicate cells (see the note at the top). */
  collapse: boolean;
  /**
   * Which point of a road ψ maps to a cell: its centroid (LM-TAD, the default) or its far end.
   * Porto's OSM roads are short (median 55 m), so on 36 % of decision steps every candidate's
   * centroid lies in the current cell and the teacher cannot tell them apart; far ends split them
   * (18 %). Absent in checkpoints written before this option: centroid.
   */
  anchor?: 'centroid' | 'end';
  /**
   * Beyond LM-TAD: every sequence starts [SOT, destination cell, …], so the teacher knows where the
   * trip goes, as the student does. Windows then carry the destination cell first (see teacherWindow).
   */
  destination?: boolean;
  /**
   * Beyond LM-TAD, with `destination`: every position also gets where the destination lies from
   * its own cell, [Δx, Δy, distance] in units of 5 km, through one learned [3, nEmbd] map added to
   * the embeddings (zero at special tokens). The destination token alone did not make the teacher
   * beat a uniform guess over the candidates at a trip's last step; this hands it the geometry.
   * Holds the grid the cell ids refer to.
   */
  destRelative?: GridSpec;
  /**
   * Beyond LM-TAD, with `destRelative`: the teacher reads and predicts moves between cells
   * (Δrow, Δcol within `radius`, else FAR; models/teacherMoves.ts) instead of cell ids, so none of
   * its weights belongs to one city's grid and it can teach a student on another network
   * (checkpoint transfer). Its inputs and outputs are still cells of `destRelative`'s grid.
   */
  moves?: { radius: number };
}

/** The distance unit of destRelative's features (km). */
const DEST_REL_KM = 5;

/** ψ as this teacher sees roads: the grid cell of each road's centroid or of its far end. */
export function teacherRoadCells(cfg: Pick<TeacherConfig, 'anchor'> | undefined, grid: GridVocab): Int32Array {
  return cfg?.anchor === 'end' ? grid.roadEndCell : grid.roadCell;
}

/**
 * Browser-friendly default: 2 layers × 4 heads × 64. With the Porto grid (8058 cells → V = 8061)
 * and blockSize 256 this is 8061·64 + 256·64 + 2·(12·64² + 2·64) + 64 = 630,912 parameters
 * (2.5 MB fp32), dominated by the tied embedding.
 */
export function defaultTeacherConfig(vocabSize: number, blockSize = 256): TeacherConfig {
  return { vocabSize, blockSize, nLayer: 2, nHead: 4, nEmbd: 64, dropout: 0.1, collapse: false };
}

export interface SpecialTokens {
  pad: number;
  eot: number;
  sot: number;
}

export function specialTokens(vocabSize: number): SpecialTokens {
  return { pad: vocabSize - 3, eot: vocabSize - 2, sot: vocabSize - 1 };
}

/** ψ over a road sequence, optionally collapsing consecutive duplicate cells. */
export function tripToCells(roads: readonly number[], roadCell: Int32Array, collapse: boolean): number[] {
  const out: number[] = [];
  for (const r of roads) {
    const c = roadCell[r];
    if (collapse && out.length > 0 && out[out.length - 1] === c) continue;
    out.push(c);
  }
  return out;
}

/** [SOT, c1 … cn, EOT] for a road sequence; [SOT, ψ(destination), c1 … cn, EOT] with `destination`. */
export function tripToTokens(
  roads: readonly number[],
  roadCell: Int32Array,
  collapse: boolean,
  special: Pick<SpecialTokens, 'sot' | 'eot'>,
  destination = false,
): number[] {
  const head = destination && roads.length > 0 ? [special.sot, roadCell[roads[roads.length - 1]]] : [special.sot];
  return [...head, ...tripToCells(roads, roadCell, collapse), special.eot];
}

/**
 * The teacher's input window for a prediction after the prefix `prefixCells` (one cell per prefix
 * road, uncollapsed): collapse if the teacher was trained that way, then keep the last w cells.
 * A destination-conditioned teacher gets its destination cell `destCell` in front.
 */
export function teacherWindow(prefixCells: readonly number[], w: number, collapse: boolean, destCell = -1): number[] {
  let cells: number[] = prefixCells.slice();
  if (collapse) cells = cells.filter((c, i) => i === 0 || c !== cells[i - 1]);
  const kept = Number.isFinite(w) ? cells.slice(Math.max(0, cells.length - w)) : cells;
  return destCell >= 0 ? [destCell, ...kept] : kept;
}

interface Block {
  ln1: tf.Variable;
  cAttn: tf.Variable;
  attnProj: tf.Variable;
  ln2: tf.Variable;
  cFc: tf.Variable;
  mlpProj: tf.Variable;
}

const LN_EPS = 1e-5;
const MASKED = -1e9;

export class TeacherModel {
  readonly cfg: TeacherConfig;
  readonly special: SpecialTokens;
  readonly wte: tf.Variable;
  readonly wpe: tf.Variable;
  readonly blocks: Block[] = [];
  readonly lnF: tf.Variable;
  /** destRelative: the [3, D] map of the destination features, and each token's cell centre in km. */
  readonly destRel: tf.Variable | null = null;
  private readonly cellKm: tf.Tensor2D | null = null;
  /** moves: the move vocabulary and the cell layout it is read from. */
  private readonly moves: { mv: MoveVocab; cells: CellTokens } | null = null;
  /** All variables, in a stable order (checkpoints, optimiser). */
  readonly variables: tf.Variable[] = [];
  private dropoutSeed: number;

  constructor(cfg: TeacherConfig, seed = 0, prefix = 'teacher') {
    if (cfg.nEmbd % cfg.nHead !== 0) throw new Error(`nEmbd ${cfg.nEmbd} is not divisible by nHead ${cfg.nHead}`);
    if (cfg.vocabSize < 4) throw new Error('vocabSize must hold at least one cell and PAD/EOT/SOT');
    installFastKernels();
    this.cfg = { ...cfg };
    this.special = specialTokens(cfg.vocabSize);
    this.dropoutSeed = (seed * 7919 + 17) >>> 0;
    const rng = makeRng(seed);
    const D = cfg.nEmbd;
    const std = 0.02;
    const projStd = 0.02 / Math.sqrt(2 * cfg.nLayer);
    const make = (name: string, shape: number[], init: 'ones' | number): tf.Variable => {
      const size = shape.reduce((a, b) => a * b, 1);
      const values = init === 'ones' ? new Float32Array(size).fill(1) : normalArray(rng, size, init);
      const v = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true, uniqueVariableName(`${prefix}/${name}`)));
      this.variables.push(v);
      return v;
    };
    if (cfg.moves) {
      if (!cfg.destRelative)
        throw new Error('a moves teacher needs destRelative (the destination offsets are all it knows of where it is)');
      const nCells = cfg.destRelative.nRows * cfg.destRelative.nCols;
      if (nCells + 3 !== cfg.vocabSize) throw new Error(`vocabSize ${cfg.vocabSize} is not the grid's ${nCells} cells + 3`);
      this.moves = { mv: moveVocab(cfg.moves.radius), cells: { grid: cfg.destRelative, nCells, destination: true } };
    }
    this.wte = make('wte', [this.moves ? this.moves.mv.size : cfg.vocabSize, D], std);
    this.wpe = make('wpe', [cfg.blockSize, D], std);
    for (let l = 0; l < cfg.nLayer; l++) {
      this.blocks.push({
        ln1: make(`h${l}/ln_1`, [D], 'ones'),
        cAttn: make(`h${l}/attn/c_attn`, [D, 3 * D], std),
        attnProj: make(`h${l}/attn/c_proj`, [D, D], projStd),
        ln2: make(`h${l}/ln_2`, [D], 'ones'),
        cFc: make(`h${l}/mlp/c_fc`, [D, 4 * D], std),
        mlpProj: make(`h${l}/mlp/c_proj`, [4 * D, D], projStd),
      });
    }
    this.lnF = make('ln_f', [D], 'ones');
    if (cfg.destRelative) {
      if (!cfg.destination) throw new Error('destRelative needs a destination-conditioned teacher (destination: true)');
      this.destRel = make('dest_rel', [3, D], std);
      this.cellKm = tf.keep(cellCentresKm(cfg.destRelative, cfg.vocabSize - 3, cfg.vocabSize));
    }
  }

  /** Number of scalar parameters (the tied head counted once). */
  get paramCount(): number {
    return this.variables.reduce((a, v) => a + v.size, 0);
  }

  /** Freeze/unfreeze (a frozen teacher's variables are skipped by tf.variableGrads). */
  setTrainable(trainable: boolean): void {
    for (const v of this.variables) v.trainable = trainable;
  }

  /** Final hidden states [B, T, D] (after ln_f). `training` enables dropout. */
  hidden(tokens: tf.Tensor2D, training = false): tf.Tensor3D {
    if (this.moves) throw new Error('a moves teacher takes cell rows (targetLogProbs, nextCellLogProbs), not a token tensor');
    const [B, T] = tokens.shape;
    return tf.tidy(() => tf.reshape(this.encode(tokens, training, null), [B, T, this.cfg.nEmbd]) as tf.Tensor3D);
  }

  /**
   * Speed lever: in targetLogProbs, the position-wise layers (LayerNorm, the qkv, projection and MLP
   * products, residuals) run only on the positions some target needs, not on the padding of the
   * batch's longest row; attention still sees the [B, T] layout (its padded rows are zeros, after
   * every real position, so the causal mask keeps them out of every real row). Same values up to
   * rounding; dropout draws its masks over the packed rows instead.
   */
  packRows = true;

  /**
   * Final hidden states after ln_f as rows [N, D]: every position of the [B, T] batch (N = B·T), or,
   * with `lengths`, only each row's first lengths[r] positions, row after row (N = Σ lengths).
   * `cells` holds the batch's cell tokens where `tokens` are a moves teacher's moves (the
   * destination offsets are computed from cells).
   */
  private encode(tokens: tf.Tensor2D, training: boolean, lengths: readonly number[] | null, cells?: tf.Tensor2D): tf.Tensor2D {
    const [B, T] = tokens.shape;
    if (T > this.cfg.blockSize) throw new Error(`sequence length ${T} exceeds blockSize ${this.cfg.blockSize}`);
    const D = this.cfg.nEmbd;
    const H = this.cfg.nHead;
    const hd = D / H;
    const drop = training && this.cfg.dropout > 0 ? this.cfg.dropout : 0;
    const dropout = (x: tf.Tensor): tf.Tensor => (drop > 0 ? tf.dropout(x, drop, undefined, this.nextSeed()) : x);
    return tf.tidy(() => {
      const ids = tf.cast(tokens, 'int32');
      const tok = tf.gather(this.wte, ids); // [B,T,D]
      const pos = tf.slice(this.wpe, [0, 0], [T, D]); // [T,D]
      let x0: tf.Tensor = tf.add(tok, pos);
      if (this.destRel && this.cellKm && T > 1)
        x0 = tf.add(x0, dense(destFeatures(cells ? tf.cast(cells, 'int32') : ids, this.cellKm), this.destRel));
      // Packed rows: keep[i] is the flat [B·T] position of packed row i; spread[j] the packed row of
      // flat position j, or N (a zero row) for padding.
      let keep: tf.Tensor1D | null = null;
      let spread: tf.Tensor1D | null = null;
      if (lengths) {
        const k: number[] = [];
        const sp = new Int32Array(B * T);
        for (let r = 0; r < B; r++)
          for (let t = 0; t < T; t++) {
            if (t < lengths[r]) k.push(r * T + t);
            sp[r * T + t] = t < lengths[r] ? k.length - 1 : -1;
          }
        for (let j = 0; j < sp.length; j++) if (sp[j] < 0) sp[j] = k.length;
        keep = tf.tensor1d(k, 'int32');
        spread = tf.tensor1d(sp, 'int32');
      }
      const flat = tf.reshape(x0, [B * T, D]);
      let x: tf.Tensor = dropout(keep ? tf.gather(flat, keep) : flat); // [N, D]
      const toGrid = (rows: tf.Tensor, width: number): tf.Tensor =>
        spread ? tf.gather(tf.concat([rows, tf.zeros([1, width])], 0), spread) : rows; // [B·T, width]
      const fromGrid = (rows: tf.Tensor): tf.Tensor => (keep ? tf.gather(rows, keep) : rows);
      // Additive causal mask [T,T]: 0 on and below the diagonal, MASKED above.
      const lower = tf.linalg.bandPart(tf.ones([T, T]), -1, 0);
      const causal = tf.mul(tf.sub(1, lower), MASKED);
      const scale = 1 / Math.sqrt(hd);
      for (const b of this.blocks) {
        const h1 = layerNorm(x, b.ln1);
        const qkv = tf.reshape(toGrid(dense(h1, b.cAttn), 3 * D), [B, T, 3 * D]);
        const [q, k, v] = tf.split(qkv, 3, 2).map((t) => tf.transpose(tf.reshape(t, [B, T, H, hd]), [0, 2, 1, 3]));
        const att = tf.softmax(tf.add(tf.mul(matMulFast(q, transposeLast2(k)), scale), causal)); // [B,H,T,T]
        const y = fromGrid(tf.reshape(tf.transpose(matMulFast(dropout(att), v), [0, 2, 1, 3]), [B * T, D]));
        x = tf.add(x, dropout(dense(y, b.attnProj)));
        const h2 = layerNorm(x, b.ln2);
        x = tf.add(x, dropout(dense(gelu(dense(h2, b.cFc)), b.mlpProj)));
      }
      return layerNorm(x, this.lnF) as tf.Tensor2D;
    });
  }

  /** Logits at every position [B, T, V] (head tied to wte). */
  logits(tokens: tf.Tensor2D, training = false): tf.Tensor3D {
    return tf.tidy(() => {
      const h = this.hidden(tokens, training);
      const [B, T, D] = h.shape;
      return tf.reshape(matMulFast(tf.reshape(h, [B * T, D]), tf.transpose(this.wte)), [B, T, this.cfg.vocabSize]) as tf.Tensor3D;
    });
  }

  /**
   * Log-probabilities of the targets tokens[:, i+1] given tokens[:, ≤i], for the (row, position)
   * pairs whose target is not PAD, as a flat [M] tensor; `rows[m]` says which row each belongs to.
   * Only these positions go through the LM head, so padding costs no V-sized work.
   */
  targetLogProbs(tokens: number[][], training = false): { logp: tf.Tensor1D; rows: Int32Array } {
    const { batch, T } = this.padBatch(tokens);
    // A moves teacher embeds and predicts moves; its destination offsets still read the cells.
    const moves = this.moves;
    const ids = moves ? batch.map((row) => toMoveTokens(row, moves.cells, moves.mv)) : batch;
    const Tin = T - 1;
    const flatIdx: number[] = [];
    const targets: number[] = [];
    const rows: number[] = [];
    tokens.forEach((seq, r) => {
      const n = Math.min(seq.length, T);
      for (let i = 0; i + 1 < n; i++) {
        if (seq[i + 1] === this.special.pad) continue;
        flatIdx.push(r * Tin + i);
        targets.push(ids[r][i + 1]);
        rows.push(r);
      }
    });
    // Input positions some target needs: i + 1 < min(length, T) (a row's later inputs are padding).
    const lengths = this.packRows ? tokens.map((seq) => Math.max(0, Math.min(seq.length, T) - 1)) : null;
    // Packed, row r's positions start at the sum of the lengths before it.
    const start = new Int32Array(tokens.length);
    if (lengths) for (let r = 1; r < tokens.length; r++) start[r] = start[r - 1] + lengths[r - 1];
    const rowIdx = lengths ? flatIdx.map((f) => start[Math.floor(f / Tin)] + (f % Tin)) : flatIdx;
    const logp = tf.tidy(() => {
      const inputRows = (rows: number[][]): tf.Tensor2D =>
        tf.tensor2d(
          rows.map((row) => row.slice(0, Tin)),
          [tokens.length, Tin],
          'int32',
        );
      const h = this.encode(inputRows(ids), training, lengths, moves ? inputRows(batch) : undefined); // [B·Tin or Σ lengths, D]
      const picked = tf.gather(h, tf.tensor1d(rowIdx, 'int32')); // [M,D]
      // log p(target) = h·e_target − logsumexp(h·Wᵀ). Avoids a batched gather on [M,V], whose
      // gradient tfjs computes with one segment-sum per row.
      const lse = logSumExpRows(matMulFast(picked, tf.transpose(this.wte))); // [M]
      const target = tf.sum(tf.mul(picked, tf.gather(this.wte, tf.tensor1d(targets, 'int32'))), 1);
      return tf.sub(target, lse) as tf.Tensor1D;
    });
    return { logp, rows: Int32Array.from(rows) };
  }

  /** Mean next-token cross-entropy over non-PAD targets of token sequences (cropped to blockSize+1). */
  loss(tokens: number[][], training = false): tf.Scalar {
    return tf.tidy(() => {
      const { logp } = this.targetLogProbs(tokens, training);
      return tf.neg(tf.mean(logp)) as tf.Scalar;
    });
  }

  /**
   * Next-cell distribution [N, V] (over the full vocabulary, special tokens included) for each
   * window of cells; the input is [SOT, …window] (a window longer than blockSize−1 keeps its tail).
   */
  nextCellProbs(windows: number[][]): tf.Tensor2D {
    return tf.tidy(() => tf.exp(this.nextCellLogProbs(windows)) as tf.Tensor2D);
  }

  nextCellLogProbs(windows: number[][]): tf.Tensor2D {
    if (this.moves) {
      // Every cell token of the vocabulary for every window (the Teach view's whole distribution).
      const all = Array.from({ length: this.cfg.vocabSize }, (_, i) => i);
      return tf.tidy(
        () =>
          tf.reshape(
            this.cellLogProbsAt(
              windows,
              windows.map(() => all),
            ),
            [windows.length, this.cfg.vocabSize],
          ) as tf.Tensor2D,
      );
    }
    return tf.tidy(() => tf.logSoftmax(matMulFast(this.lastHidden(windows).h, tf.transpose(this.wte))) as tf.Tensor2D);
  }

  /**
   * log q(cell | window) for the cells `cells[r]` of each window r, flat in row order (Σ cells[r].length):
   * what distillation and the step evaluations read, one candidate cell at a time. A cell-token
   * teacher gathers them from its [N, V] distribution; a moves teacher computes only its move
   * vocabulary and hands each cell its move's log-probability (FAR's mass shared evenly by the cells
   * beyond the radius).
   */
  cellLogProbsAt(windows: number[][], cells: ArrayLike<number>[]): tf.Tensor1D {
    if (cells.length !== windows.length) throw new Error(`${windows.length} windows but cells for ${cells.length}`);
    const moves = this.moves;
    if (!moves) return tf.tidy(() => rowCells(this.nextCellLogProbs(windows), cells));
    const { mv, cells: layout } = moves;
    const cols = moveColumns(mv);
    const { seqs, h } = this.lastHidden(windows);
    // h is made outside any tidy of the caller's: it is disposed here once the log-probs exist.
    const flat: number[] = [];
    const lnFar = new Float32Array(seqs.length);
    seqs.forEach((s, r) => {
      const last = s[s.length - 1];
      // The window's last token is a trip cell unless it is SOT or the destination right after it.
      const tripCell = last < layout.nCells && !(s.length === 2 && s[0] === this.special.sot);
      const nFar = layout.nCells - (tripCell ? cellsWithin(layout.grid, last, mv.radius) : 0);
      lnFar[r] = Math.log(Math.max(1, nFar));
      for (let k = 0; k < cells[r].length; k++) flat.push(r * cols.width + moveColumnOf(mv, cols, layout, last, tripCell, cells[r][k]));
    });
    return tf.tidy(() => {
      const logp = tf.logSoftmax(matMulFast(h, tf.transpose(this.wte))); // [N, moves]
      const n = seqs.length;
      const far = tf.sub(tf.slice(logp, [0, mv.far], [n, 1]), tf.tensor2d(lnFar, [n, 1]));
      const start = tf.sub(tf.slice(logp, [0, mv.start], [n, 1]), Math.log(layout.nCells));
      const wide = tf.concat([logp, far, start, tf.fill([n, 1], MASKED)], 1); // [N, cols.width]
      const out = tf.gather(tf.reshape(wide, [-1]), tf.tensor1d(flat, 'int32')) as tf.Tensor1D;
      h.dispose();
      return out;
    });
  }

  /** Probabilities of cellLogProbsAt. */
  cellProbsAt(windows: number[][], cells: ArrayLike<number>[]): tf.Tensor1D {
    return tf.tidy(() => tf.exp(this.cellLogProbsAt(windows, cells)) as tf.Tensor1D);
  }

  /** Each window as [SOT, …window] (cut to the block), and its last position's hidden state [N, D]. */
  private lastHidden(windows: number[][]): { seqs: number[][]; h: tf.Tensor2D } {
    const maxCells = this.cfg.blockSize - 1;
    // A destination-conditioned window keeps its first token (the destination) when cut.
    const cut = (w: number[]): number[] =>
      w.length <= maxCells ? w : this.cfg.destination ? [w[0], ...w.slice(w.length - maxCells + 1)] : w.slice(w.length - maxCells);
    const seqs = windows.map((w) => [this.special.sot, ...cut(w)]);
    const { batch, T } = this.padBatch(seqs);
    const last = seqs.map((s, r) => r * T + s.length - 1);
    const moves = this.moves;
    const h = tf.tidy(() => {
      const cellsIn = tf.tensor2d(batch, [seqs.length, T], 'int32');
      const hidden = moves
        ? this.encode(
            tf.tensor2d(
              batch.map((row) => toMoveTokens(row, moves.cells, moves.mv)),
              [seqs.length, T],
              'int32',
            ),
            false,
            null,
            cellsIn,
          )
        : this.encode(cellsIn, false, null);
      return tf.gather(hidden, tf.tensor1d(last, 'int32')) as tf.Tensor2D;
    });
    return { seqs, h };
  }

  /**
   * Anomaly score per trip (LM-TAD log-perplexity): mean −ln p of every token after SOT, EOT
   * included, in one padded pass. Trips longer than blockSize−2 cells are scored on their first
   * blockSize−1 predictions (EOT then falls outside the window).
   */
  async anomalyScore(cells: number[][]): Promise<number[]> {
    const seqs = cells.map((c) => this.scoredTokens(c));
    const { logp, rows } = this.targetLogProbs(seqs, false);
    // An awaited read: a synchronous one returns zeros in a WebGPU worker.
    let values: Float32Array;
    try {
      values = (await logp.data()) as Float32Array;
    } finally {
      logp.dispose();
    }
    const sum = new Float64Array(cells.length);
    const count = new Float64Array(cells.length);
    const seen = new Int32Array(cells.length);
    for (let i = 0; i < values.length; i++) {
      // A destination teacher's first prediction is the destination itself: not part of the trip.
      if (seen[rows[i]]++ < this.headTargets) continue;
      sum[rows[i]] -= values[i];
      count[rows[i]] += 1;
    }
    return Array.from(sum, (s, r) => (count[r] > 0 ? s / count[r] : NaN));
  }

  /** [SOT, c1 … cn, EOT], with the destination cell (cn) after SOT for a destination teacher. */
  scoredTokens(cells: readonly number[]): number[] {
    const head = this.cfg.destination && cells.length > 0 ? [this.special.sot, cells[cells.length - 1]] : [this.special.sot];
    return [...head, ...cells, this.special.eot];
  }

  /** Leading predictions of scoredTokens that are not trip cells (the destination's). */
  get headTargets(): number {
    return this.cfg.destination ? 1 : 0;
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
    this.cellKm?.dispose();
    this.variables.length = 0;
  }

  /** Right-pads token rows with PAD, cropped to blockSize + 1 tokens (inputs ≤ blockSize). */
  private padBatch(tokens: number[][]): { batch: number[][]; T: number } {
    if (tokens.length === 0) throw new Error('empty batch');
    const T = Math.min(this.cfg.blockSize + 1, Math.max(...tokens.map((t) => t.length)));
    const batch = tokens.map((t) => {
      const row = t.slice(0, T);
      while (row.length < T) row.push(this.special.pad);
      return row;
    });
    return { batch, T };
  }

  /** Where the dropout masks' seed sequence stands: a resumed run continues it (TeacherTrainer). */
  get dropoutState(): number {
    return this.dropoutSeed;
  }

  set dropoutState(s: number) {
    this.dropoutSeed = s >>> 0;
  }

  private nextSeed(): number {
    this.dropoutSeed = (this.dropoutSeed + 0x9e3779b9) >>> 0;
    return this.dropoutSeed;
  }
}

/** Row r's entries at the columns cells[r] of a [N, V] tensor, flat in row order (Σ cells[r].length). */
export function rowCells(dist: tf.Tensor2D, cells: ArrayLike<number>[]): tf.Tensor1D {
  const V = dist.shape[1];
  const flat: number[] = [];
  cells.forEach((cs, r) => {
    for (let k = 0; k < cs.length; k++) flat.push(r * V + cs[k]);
  });
  return tf.tidy(() => tf.gather(tf.reshape(dist, [-1]), tf.tensor1d(flat, 'int32')) as tf.Tensor1D);
}

/**
 * Row-wise log-sum-exp of a [M, V] tensor with the direct gradient softmax(x)·dy: on wasm the SIMD
 * kernels of softmaxKernel.ts, elsewhere composed of tfjs ops.
 */
export function logSumExpRows(x: tf.Tensor): tf.Tensor {
  return x.rank === 2 && x.dtype === 'float32' && fastLogSumExpActive() ? fastLogSumExpRows(x) : composedLogSumExpRows(x);
}

/**
 * tfjs ops with the direct gradient: tf.logSumExp also back-propagates through its max shift (an
 * [M, V] Equal mask that cancels out), which took most of a training step on wasm.
 */
const composedLogSumExpRows: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...args) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const value = tf.logSumExp(x, 1);
  save([x, value]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(tf.exp(tf.sub(saved[0], tf.expandDims(saved[1], 1))), tf.expandDims(dy, 1)),
  };
});

/** x [.., Din] @ W [Din, Dout]. */
function dense(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  const shape = x.shape;
  const flat = tf.reshape(x, [-1, w.shape[0] as number]);
  return tf.reshape(matMulFast(flat, w), [...shape.slice(0, -1), w.shape[1] as number]);
}

/** LayerNorm without bias, eps 1e-5. */
function layerNorm(x: tf.Tensor, g: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPS))), g);
}

/**
 * Centre of every token's cell in km from the grid's corner ([V, 2]; special tokens at NaN, which
 * destFeatures turns into zero features). East–west km use the grid's middle latitude.
 */
function cellCentresKm(g: GridSpec, nCells: number, vocab: number): tf.Tensor2D {
  const { ns: kmLat, ew: kmLon } = cellSizeKm(g);
  const xy = new Float32Array(2 * vocab).fill(NaN);
  for (let c = 0; c < nCells; c++) {
    xy[2 * c] = ((c % g.nCols) + 0.5) * kmLon;
    xy[2 * c + 1] = (Math.floor(c / g.nCols) + 0.5) * kmLat;
  }
  return tf.tensor2d(xy, [vocab, 2]);
}

/** [B, T, 3]: (destination − position) in DEST_REL_KM units and its length; 0 where either is special. */
function destFeatures(ids: tf.Tensor, cellKm: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const [B] = ids.shape;
    const at = tf.gather(cellKm, ids) as unknown as tf.Tensor3D; // [B,T,2]
    const dest = tf.slice(at, [0, 1, 0], [B, 1, 2]); // the destination token follows SOT
    const d = tf.div(tf.sub(dest, at), DEST_REL_KM);
    const len = tf.sqrt(tf.sum(tf.square(d), 2, true));
    const f = tf.concat([d, len], 2); // [B,T,3]
    return tf.where(tf.isNaN(f), tf.zerosLike(f), f) as tf.Tensor3D;
  });
}
