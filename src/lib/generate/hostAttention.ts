// Host kernels of the decoder's attention (studentDecoder.ts): one query head against n cached
// key/value rows that live in different arrays (each prefix node keeps its own rows).
// Keys are taken four at a time: the query element is loaded once for four dot products, and the
// value accumulator is read and written once for four value rows. Every sum keeps the order of the
// plain loop (over i for a score; over t for an output element, left to right), so the results are
// bit-identical to it: the search's routes do not move (tests/generate/portoRoutes.test.ts).

/** Where a head's keys come from: key t at kArr[t][kOff[t] + i], its value at kArr[t][vOff[t] + i]. */
export interface KeyRows {
  n: number;
  kArr: Float32Array[];
  kOff: Int32Array;
  vOff: Int32Array;
}

/** scores[t] = q · k_t for t < n (q = qh[0…dh), key t at kOff[t] + hOff). */
export function dotScores(qh: Float64Array, dh: number, rows: KeyRows, hOff: number, scores: Float64Array): void {
  const { n, kArr, kOff } = rows;
  let t = 0;
  for (; t + 3 < n; t += 4) {
    const k0 = kArr[t];
    const k1 = kArr[t + 1];
    const k2 = kArr[t + 2];
    const k3 = kArr[t + 3];
    const o0 = kOff[t] + hOff;
    const o1 = kOff[t + 1] + hOff;
    const o2 = kOff[t + 2] + hOff;
    const o3 = kOff[t + 3] + hOff;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < dh; i++) {
      const q = qh[i];
      s0 += q * k0[o0 + i];
      s1 += q * k1[o1 + i];
      s2 += q * k2[o2 + i];
      s3 += q * k3[o3 + i];
    }
    scores[t] = s0;
    scores[t + 1] = s1;
    scores[t + 2] = s2;
    scores[t + 3] = s3;
  }
  for (; t < n; t++) {
    const k = kArr[t];
    const o = kOff[t] + hOff;
    let s = 0;
    for (let i = 0; i < dh; i++) s += qh[i] * k[o + i];
    scores[t] = s;
  }
}

/**
 * acc[i] = Σ_t w[t] · v_t[i] over t < n in order (values at vOff[t] + hOff), where
 * w[t] = weights[t] / sum, the softmax weights given unnormalised with their sum.
 */
export function weightedValues(weights: Float64Array, sum: number, dh: number, rows: KeyRows, hOff: number, acc: Float64Array): void {
  const { n, kArr, vOff } = rows;
  acc.fill(0, 0, dh);
  let t = 0;
  for (; t + 3 < n; t += 4) {
    const a0 = weights[t] / sum;
    const a1 = weights[t + 1] / sum;
    const a2 = weights[t + 2] / sum;
    const a3 = weights[t + 3] / sum;
    const v0 = kArr[t];
    const v1 = kArr[t + 1];
    const v2 = kArr[t + 2];
    const v3 = kArr[t + 3];
    const o0 = vOff[t] + hOff;
    const o1 = vOff[t + 1] + hOff;
    const o2 = vOff[t + 2] + hOff;
    const o3 = vOff[t + 3] + hOff;
    for (let i = 0; i < dh; i++) acc[i] = acc[i] + a0 * v0[o0 + i] + a1 * v1[o1 + i] + a2 * v2[o2 + i] + a3 * v3[o3 + i];
  }
  for (; t < n; t++) {
    const a = weights[t] / sum;
    const v = kArr[t];
    const o = vOff[t] + hOff;
    for (let i = 0; i < dh; i++) acc[i] += a * v[o + i];
  }
}
