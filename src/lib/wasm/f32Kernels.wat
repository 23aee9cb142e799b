;; f32 kernels in WebAssembly SIMD for small dense work that tfjs runs op by op. One module, its
;; parts by driver in src/lib/wasm/f32Kernels.*.wat, put in here by `;; @include` (scripts/build-wasm.ts):
;; - matmul: mm, a batched matrix product, for the per-head products of attention in training (scores
;;   q·kᵀ and weights·v, forward and backward), which tfjs-wasm computes in a scalar loop at about
;;   2 GFLOP/s (driver: models/batchMatMulKernel.ts, a tfjs kernel); dense, the route decoder's dense
;;   layers on the host (driver: generate/hostDense.ts), one call per layer instead of a dozen tfjs ops;
;; - layerNorm: the decoder's LayerNorm (generate/hostDense.ts);
;; - gelu: gelu (the decoder's and training's) and geluGrad, GELU and its gradient as one op each in
;;   training, instead of tfjs's erf chain and its gradient's exp chain (driver: models/geluKernel.ts,
;;   in tfjs's memory);
;; - logSumExp: rowMaxSumExp, softmaxRowsGrad, log-sum-exp over rows and its gradient, for the
;;   teacher's softmax over its whole vocabulary (driver: models/softmaxKernel.ts, in tfjs's own
;;   memory: the build also makes this module with the memory imported, so the kernels run on tensors
;;   in place);
;; - gatv2: gatScores, gatMessages, gatBackMessages, gatBackScores, the per-edge passes of the road
;;   graph's GATv2 layer and its gradient (driver: models/fusedGat.ts, in tfjs's memory too);
;; - colSum: sums over the leading axes (bias gradients), which tfjs-wasm's Sum does by transposing
;;   first (driver: models/sumKernel.ts, in tfjs's memory);
;; - adamW: one variable's AdamW update (driver: train/fusedAdamW.ts, in tfjs's memory);
;; - segmentSum: rows added into their segments' rows (the gathers' gradients; driver:
;;   models/layers.ts, in tfjs's memory);
;; - navScores: the route decoder's navigator, every candidate's additive-attention score, after the
;;   head (driver: generate/hostDense.ts).
;; Shared helpers: exp4.wat (geluGrad, logSumExp), hsum.wat (gatv2, navScores; put in by gatv2).
;; Compiled by `npm run build:wasm` (wabt) into models/f32KernelsWasm.ts; loaded by models/f32Kernels.ts.
(module
  (memory (export "memory") 1)

  ;; @include f32Kernels.matmul.wat

  ;; @include f32Kernels.layerNorm.wat

  ;; @include f32Kernels.gelu.wat

  ;; @include exp4.wat

  ;; @include f32Kernels.logSumExp.wat

  ;; @include f32Kernels.gatv2.wat

  ;; @include f32Kernels.colSum.wat

  ;; @include f32Kernels.adamW.wat

  ;; @include f32Kernels.segmentSum.wat

  ;; @include f32Kernels.navScores.wat
)
