// Where the route decoder's dense layers run (StudentDecoder): the interface the decoder drives, and
// its device implementation, tfjs ops on the active backend. The host implementation, f32 SIMD
// kernels, is hostDense.ts.
import * as tf from '@tensorflow/tfjs';
import { applyLayerNorm, gelu } from '../models/layers';
import type { Student } from '../models/student';
import { readAndDispose } from '../runtime/deviceMemory';

/**
 * 'host': the f32 SIMD kernels (generate/hostDense.ts; the default where WebAssembly SIMD runs);
 * 'device': tfjs ops on the active backend.
 */
export type DenseOn = 'host' | 'device';

/** The decoder's dense layers; rows X stay where they run from one layer to the next. */
export interface DenseRunner<X> {
  input(x0: Float32Array, R: number): X;
  /**
   * LayerNorm + qkv projection of block l → [R, 3D]; read it before the runner's next call (it may be
   * a view). `keysOnly`: only the keys and values (columns D…3D) are read; a runner may leave the
   * query columns unset.
   */
  qkv(x: X, l: number, keysOnly?: boolean): Float32Array | Promise<Float32Array>;
  /** Rest of block l after attention y: x[sel] + proj(y), then the MLP with its residual. */
  post(x: X, y: Float32Array, l: number, sel: Int32Array | null): X;
  /** Final states → per row: the state's part of the navigator query and of the time head [R, navDim + 1]. */
  head(x: X): Float32Array | Promise<Float32Array>;
  release(x: X): void;
}

/** The dense layers as tfjs ops on the active backend (the device). */
export class TfjsDense implements DenseRunner<tf.Tensor2D> {
  constructor(
    private readonly student: Student,
    private readonly D: number,
  ) {}

  input(x0: Float32Array, R: number): tf.Tensor2D {
    return tf.tensor2d(x0, [R, this.D]);
  }

  qkv(x: tf.Tensor2D, l: number): Promise<Float32Array> {
    const blk = this.student.p.blocks[l];
    return readAndDispose(
      tf.tidy(() => tf.fused.matMul({ a: applyLayerNorm(blk.ln1, x) as tf.Tensor2D, b: blk.qkv.w as tf.Tensor2D, bias: blk.qkv.b })),
    );
  }

  post(x: tf.Tensor2D, y: Float32Array, l: number, sel: Int32Array | null): tf.Tensor2D {
    const blk = this.student.p.blocks[l];
    return tf.tidy(() => {
      const xs = sel ? (tf.gather(x, tf.tensor1d(sel, 'int32')) as tf.Tensor2D) : x;
      const yt = tf.tensor2d(y, [xs.shape[0], this.D]);
      const x1 = tf.add(xs, tf.fused.matMul({ a: yt, b: blk.proj.w as tf.Tensor2D, bias: blk.proj.b }));
      const h = gelu(tf.fused.matMul({ a: applyLayerNorm(blk.ln2, x1) as tf.Tensor2D, b: blk.fc.w as tf.Tensor2D, bias: blk.fc.b }));
      return tf.add(x1, tf.fused.matMul({ a: h as tf.Tensor2D, b: blk.out.w as tf.Tensor2D, bias: blk.out.b })) as tf.Tensor2D;
    });
  }

  head(x: tf.Tensor2D): Promise<Float32Array> {
    const p = this.student.p;
    const c = this.student.config;
    return readAndDispose(
      tf.tidy(() => {
        const wq = (p.navQ.w as tf.Tensor2D).slice([0, 0], [this.D, c.navDim]);
        const wo = (p.timeOut.w as tf.Tensor2D).slice([0, 0], [c.timeHidden, 1]);
        const tt = gelu(tf.fused.matMul({ a: x, b: p.timeTraj.w as tf.Tensor2D, bias: p.timeTraj.b }));
        const a = tf.fused.matMul({ a: tt as tf.Tensor2D, b: wo, bias: p.timeOut.b });
        return tf.concat([tf.matMul(x, wq), a], 1);
      }),
    );
  }

  release(x: tf.Tensor2D): void {
    x.dispose();
  }
}
