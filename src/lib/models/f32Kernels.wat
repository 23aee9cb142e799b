;; f32 kernels in WebAssembly SIMD for small dense work that tfjs runs op by op:
;; - mm: a batched matrix product, for the per-head products of attention in training (scores q·kᵀ
;;   and weights·v, forward and backward), which tfjs-wasm computes in a scalar loop at about
;;   2 GFLOP/s (driver: batchMatMulKernel.ts, a tfjs kernel);
;; - dense, layerNorm, gelu: the route decoder's dense layers on the host (driver:
;;   generate/hostDense.ts), one call per layer instead of a dozen tfjs ops;
;; - rowMaxSumExp, softmaxRowsGrad: log-sum-exp over rows and its gradient, for the teacher's
;;   softmax over its whole vocabulary (driver: models/softmaxKernel.ts, in tfjs's own memory: the
;;   build also makes this module with the memory imported, so the kernels run on tensors in place);
;; - gatScores, gatMessages, gatBackMessages, gatBackScores: the per-edge passes of the road
;;   graph's GATv2 layer and its gradient (driver: models/fusedGat.ts, in tfjs's memory too);
;; - colSum: sums over the leading axes (bias gradients), which tfjs-wasm's Sum does by transposing
;;   first (driver: models/sumKernel.ts, in tfjs's memory);
;; - gelu (also above) and geluGrad: GELU and its gradient as one op each in training, instead of
;;   tfjs's erf chain and its gradient's exp chain (driver: models/geluKernel.ts, in tfjs's memory);
;; - adamW: one variable's AdamW update (driver: train/fusedAdamW.ts, in tfjs's memory);
;; - segmentSum: rows added into their segments' rows (the gathers' gradients; driver:
;;   models/layers.ts, in tfjs's memory);
;; - navScores: the route decoder's navigator, every candidate's additive-attention score, after the
;;   head (driver: generate/hostDense.ts).
;; Compiled by `npm run build:wasm` (wabt) into f32KernelsWasm.ts; loaded by f32Kernels.ts.
;;
;; C[i, j] = Σ_k A[i, k] · B[k, j], k ascending, in f32 (no fused multiply-add in wasm SIMD).
;; A element (i, k) is at a + i·sai + k·sak bytes, so A may be stored either way round (row-major:
;; sai = 4K, sak = 4; transposed: sai = 4, sak = 4M). B is row-major [K, N] with row stride ldb
;; bytes; C is row-major [M, ldc/4]. Columns are computed eight at a time: past N they read the
;; next row of B (or 32 bytes of slack after it) and land in C's padding, which is never read.
;; `dense` adds a bias row (then a residual row), in that order, to each finished sum: tfjs's order
;; for x + (a·W + b).
(module
  (memory (export "memory") 1)

  ;; One product per batch entry b: A at a + b·strideA, B at b0 + b·strideB, C at c + b·strideC.
  (func (export "mm")
    (param $a i32) (param $b0 i32) (param $c i32)
    (param $M i32) (param $K i32) (param $N i32)
    (param $sai i32) (param $sak i32) (param $ldb i32) (param $ldc i32)
    (param $batch i32) (param $strideA i32) (param $strideB i32) (param $strideC i32)
    (local $bi i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $bi) (local.get $batch)))
        (call $mm1
          (i32.add (local.get $a) (i32.mul (local.get $bi) (local.get $strideA)))
          (i32.add (local.get $b0) (i32.mul (local.get $bi) (local.get $strideB)))
          (i32.add (local.get $c) (i32.mul (local.get $bi) (local.get $strideC)))
          (local.get $M) (local.get $K) (local.get $N)
          (local.get $sai) (local.get $sak) (local.get $ldb) (local.get $ldc))
        (local.set $bi (i32.add (local.get $bi) (i32.const 1)))
        (br $next))))

;; C = A·W + bias (+ R): A row-major [M, K], W packed in panels of eight columns (panel p holds
  ;; columns 8p…8p+7 of every row k, row after row: K·8 floats, padding columns zero), bias [ldc/4]
  ;; (0: none), R row-major like C (0: none). The panels make the k loop read W in order, 32 bytes
  ;; after 32 bytes, instead of 32 bytes out of every row of a row-major W; A is packed first in
  ;; blocks of four rows at $ap (4·K·M rounded up to four rows, bytes), for the same reason.
  (func (export "dense")
    (param $a i32) (param $w i32) (param $bias i32) (param $res i32) (param $c i32)
    (param $M i32) (param $K i32) (param $N i32) (param $ldc i32) (param $ap i32)
    (call $packA4 (local.get $a) (local.get $M) (local.get $K) (local.get $ap))
    (call $mm4p (local.get $ap) (local.get $w) (local.get $c) (local.get $M) (local.get $K) (local.get $N)
      (local.get $ldc) (local.get $bias) (local.get $res)))

  ;; mm's product: blocks of 4 rows × 8 columns, eight f32x4 accumulators. A last block of fewer
  ;; than 4 rows repeats row M−1 in the missing rows and does not store them. B is row-major: its
  ;; eight columns j…j+7 start at b + 4j and step $ldb bytes per k.
  (func $mm1
    (param $a i32) (param $b i32) (param $c i32)
    (param $M i32) (param $K i32) (param $N i32)
    (param $sai i32) (param $sak i32) (param $ldb i32) (param $ldc i32)
    (local $i i32) (local $j i32) (local $k i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $pb i32)
    (local $x v128) (local $y v128) (local $s v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (block $idone
      (loop $inext
        (br_if $idone (i32.ge_u (local.get $i) (local.get $M)))
        (local.set $j (i32.const 0))
        (block $jdone
          (loop $jnext
            (br_if $jdone (i32.ge_u (local.get $j) (local.get $N)))
            ;; row pointers at k = 0 (rows past M−1 repeat it)
            (local.set $p0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sai))))
            (local.set $p1 (local.get $p0))
            (local.set $p2 (local.get $p0))
            (local.set $p3 (local.get $p0))
            (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $M))
              (then (local.set $p1 (i32.add (local.get $p0) (local.get $sai)))))
            (if (i32.lt_u (i32.add (local.get $i) (i32.const 2)) (local.get $M))
              (then (local.set $p2 (i32.add (local.get $p1) (local.get $sai)))))
            (if (i32.lt_u (i32.add (local.get $i) (i32.const 3)) (local.get $M))
              (then (local.set $p3 (i32.add (local.get $p2) (local.get $sai)))))
            (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $c00 (v128.const i64x2 0 0))
            (local.set $c01 (v128.const i64x2 0 0))
            (local.set $c10 (v128.const i64x2 0 0))
            (local.set $c11 (v128.const i64x2 0 0))
            (local.set $c20 (v128.const i64x2 0 0))
            (local.set $c21 (v128.const i64x2 0 0))
            (local.set $c30 (v128.const i64x2 0 0))
            (local.set $c31 (v128.const i64x2 0 0))
            (local.set $k (i32.const 0))
            (block $kdone
              (loop $knext
                (br_if $kdone (i32.ge_u (local.get $k) (local.get $K)))
                (local.set $x (v128.load (local.get $pb)))
                (local.set $y (v128.load offset=16 (local.get $pb)))
                (local.set $s (v128.load32_splat (local.get $p0)))
                (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $s) (local.get $x))))
                (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $s) (local.get $y))))
                (local.set $s (v128.load32_splat (local.get $p1)))
                (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $s) (local.get $x))))
                (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $s) (local.get $y))))
                (local.set $s (v128.load32_splat (local.get $p2)))
                (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $s) (local.get $x))))
                (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $s) (local.get $y))))
                (local.set $s (v128.load32_splat (local.get $p3)))
                (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $s) (local.get $x))))
                (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $s) (local.get $y))))
                (local.set $p0 (i32.add (local.get $p0) (local.get $sak)))
                (local.set $p1 (i32.add (local.get $p1) (local.get $sak)))
                (local.set $p2 (i32.add (local.get $p2) (local.get $sak)))
                (local.set $p3 (i32.add (local.get $p3) (local.get $sak)))
                (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $knext)))
            (call $finish (local.get $c) (local.get $i) (local.get $j) (local.get $M) (local.get $ldc) (i32.const 0) (i32.const 0)
              (local.get $c00) (local.get $c01) (local.get $c10) (local.get $c11)
              (local.get $c20) (local.get $c21) (local.get $c30) (local.get $c31))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $jnext)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $inext))))

  ;; The end of a 4 × 8 block (rows i…i+3, columns j…j+7): bias, then residual (0: none), then the
  ;; rows that exist (i + r < M) stored in C.
  (func $finish
    (param $c i32) (param $i i32) (param $j i32) (param $M i32) (param $ldc i32) (param $bias i32) (param $res i32)
    (param $c00 v128) (param $c01 v128) (param $c10 v128) (param $c11 v128)
    (param $c20 v128) (param $c21 v128) (param $c30 v128) (param $c31 v128)
    (local $pr i32) (local $pc i32) (local $b0 v128) (local $b1 v128)
    ;; bias, then residual, then store the block's rows that exist
    (if (local.get $bias)
      (then
        (local.set $b0 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $b1 (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $c00 (f32x4.add (local.get $c00) (local.get $b0)))
        (local.set $c01 (f32x4.add (local.get $c01) (local.get $b1)))
        (local.set $c10 (f32x4.add (local.get $c10) (local.get $b0)))
        (local.set $c11 (f32x4.add (local.get $c11) (local.get $b1)))
        (local.set $c20 (f32x4.add (local.get $c20) (local.get $b0)))
        (local.set $c21 (f32x4.add (local.get $c21) (local.get $b1)))
        (local.set $c30 (f32x4.add (local.get $c30) (local.get $b0)))
        (local.set $c31 (f32x4.add (local.get $c31) (local.get $b1)))))
    (if (local.get $res)
      (then
        ;; rows past M−1 read row i's residual (never stored)
        (local.set $pr
          (i32.add (local.get $res)
            (i32.add (i32.mul (local.get $i) (local.get $ldc)) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $c00 (f32x4.add (v128.load (local.get $pr)) (local.get $c00)))
        (local.set $c01 (f32x4.add (v128.load offset=16 (local.get $pr)) (local.get $c01)))
        (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $M))
          (then (local.set $pr (i32.add (local.get $pr) (local.get $ldc)))))
        (local.set $c10 (f32x4.add (v128.load (local.get $pr)) (local.get $c10)))
        (local.set $c11 (f32x4.add (v128.load offset=16 (local.get $pr)) (local.get $c11)))
        (if (i32.lt_u (i32.add (local.get $i) (i32.const 2)) (local.get $M))
          (then (local.set $pr (i32.add (local.get $pr) (local.get $ldc)))))
        (local.set $c20 (f32x4.add (v128.load (local.get $pr)) (local.get $c20)))
        (local.set $c21 (f32x4.add (v128.load offset=16 (local.get $pr)) (local.get $c21)))
        (if (i32.lt_u (i32.add (local.get $i) (i32.const 3)) (local.get $M))
          (then (local.set $pr (i32.add (local.get $pr) (local.get $ldc)))))
        (local.set $c30 (f32x4.add (v128.load (local.get $pr)) (local.get $c30)))
        (local.set $c31 (f32x4.add (v128.load offset=16 (local.get $pr)) (local.get $c31)))))
    (local.set $pc
      (i32.add (local.get $c)
        (i32.add (i32.mul (local.get $i) (local.get $ldc)) (i32.shl (local.get $j) (i32.const 2)))))
    (v128.store (local.get $pc) (local.get $c00))
    (v128.store offset=16 (local.get $pc) (local.get $c01))
    (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $M))
      (then
        (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
        (v128.store (local.get $pc) (local.get $c10))
        (v128.store offset=16 (local.get $pc) (local.get $c11))))
    (if (i32.lt_u (i32.add (local.get $i) (i32.const 2)) (local.get $M))
      (then
        (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
        (v128.store (local.get $pc) (local.get $c20))
        (v128.store offset=16 (local.get $pc) (local.get $c21))))
    (if (i32.lt_u (i32.add (local.get $i) (i32.const 3)) (local.get $M))
      (then
        (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
        (v128.store (local.get $pc) (local.get $c30))
        (v128.store offset=16 (local.get $pc) (local.get $c31)))))

  ;; dense's product with A packed by packA4: one pointer walks the four rows' k values in order
  ;; (sixteen bytes a step), where mm1 steps four row pointers. The same sums, in the same order.
  (func $mm4p
    (param $ap i32) (param $b i32) (param $c i32) (param $M i32) (param $K i32) (param $N i32)
    (param $ldc i32) (param $bias i32) (param $res i32)
    (local $i i32) (local $j i32) (local $pa i32) (local $pb i32) (local $end i32)
    (local $x v128) (local $y v128) (local $s v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (block $idone
      (loop $inext
        (br_if $idone (i32.ge_u (local.get $i) (local.get $M)))
        (local.set $j (i32.const 0))
        (block $jdone
          (loop $jnext
            (br_if $jdone (i32.ge_u (local.get $j) (local.get $N)))
            (local.set $pa (i32.add (local.get $ap) (i32.shl (i32.mul (local.get $i) (local.get $K)) (i32.const 2))))
            (local.set $end (i32.add (local.get $pa) (i32.shl (local.get $K) (i32.const 4))))
            (local.set $pb (i32.add (local.get $b) (i32.mul (i32.shr_u (local.get $j) (i32.const 3)) (i32.shl (local.get $K) (i32.const 5)))))
            (local.set $c00 (v128.const i64x2 0 0))
            (local.set $c01 (v128.const i64x2 0 0))
            (local.set $c10 (v128.const i64x2 0 0))
            (local.set $c11 (v128.const i64x2 0 0))
            (local.set $c20 (v128.const i64x2 0 0))
            (local.set $c21 (v128.const i64x2 0 0))
            (local.set $c30 (v128.const i64x2 0 0))
            (local.set $c31 (v128.const i64x2 0 0))
            (if (local.get $K)
              (then
                (loop $knext
                  (local.set $x (v128.load (local.get $pb)))
                  (local.set $y (v128.load offset=16 (local.get $pb)))
                  (local.set $s (v128.load32_splat (local.get $pa)))
                  (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $s) (local.get $x))))
                  (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $s) (local.get $y))))
                  (local.set $s (v128.load32_splat offset=4 (local.get $pa)))
                  (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $s) (local.get $x))))
                  (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $s) (local.get $y))))
                  (local.set $s (v128.load32_splat offset=8 (local.get $pa)))
                  (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $s) (local.get $x))))
                  (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $s) (local.get $y))))
                  (local.set $s (v128.load32_splat offset=12 (local.get $pa)))
                  (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $s) (local.get $x))))
                  (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $s) (local.get $y))))
                  (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
                  (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
                  (br_if $knext (i32.lt_u (local.get $pa) (local.get $end))))))
            (call $finish (local.get $c) (local.get $i) (local.get $j) (local.get $M) (local.get $ldc) (local.get $bias) (local.get $res)
              (local.get $c00) (local.get $c01) (local.get $c10) (local.get $c11)
              (local.get $c20) (local.get $c21) (local.get $c30) (local.get $c31))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $jnext)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $inext))))

  ;; A row-major [M, K] (rows 4K bytes apart) into blocks of four rows, [ceil(M/4)][K][4]: row
  ;; i's k-th value at out + 4·(K·(i − i mod 4) + 4k + i mod 4). Rows past M repeat row M−1.
  (func $packA4 (param $a i32) (param $M i32) (param $K i32) (param $out i32)
    (local $i i32) (local $r i32) (local $src i32) (local $o i32) (local $end i32) (local $row i32)
    (block $idone
      (loop $inext
        (br_if $idone (i32.ge_u (local.get $i) (local.get $M)))
        (local.set $r (i32.const 0))
        (block $rdone
          (loop $rnext
            (br_if $rdone (i32.ge_u (local.get $r) (i32.const 4)))
            (local.set $row (i32.add (local.get $i) (local.get $r)))
            (if (i32.ge_u (local.get $row) (local.get $M)) (then (local.set $row (i32.sub (local.get $M) (i32.const 1)))))
            (local.set $src (i32.add (local.get $a) (i32.shl (i32.mul (local.get $row) (local.get $K)) (i32.const 2))))
            (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $K)) (local.get $r)) (i32.const 2))))
            (local.set $end (i32.add (local.get $src) (i32.shl (local.get $K) (i32.const 2))))
            (block $kdone
              (loop $knext
                (br_if $kdone (i32.ge_u (local.get $src) (local.get $end)))
                (f32.store (local.get $o) (f32.load (local.get $src)))
                (local.set $src (i32.add (local.get $src) (i32.const 4)))
                (local.set $o (i32.add (local.get $o) (i32.const 16)))
                (br $knext)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rnext)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $inext))))

  ;; out = (x − mean) / sqrt(var + eps) · gamma + beta per row of x [R, D] (row stride ld bytes),
  ;; as tfjs's LayerNorm ops: mean, the mean of squared deviations, rsqrt, in f32, scalar.
  (func (export "layerNorm")
    (param $x i32) (param $gamma i32) (param $beta i32) (param $out i32)
    (param $R i32) (param $D i32) (param $ld i32) (param $eps f32)
    (local $r i32) (local $k i32) (local $px i32) (local $po i32)
    (local $mean f32) (local $var f32) (local $d f32) (local $inv f32) (local $fd f32)
    (local.set $fd (f32.convert_i32_u (local.get $D)))
    (block $rdone
      (loop $rnext
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $R)))
        (local.set $px (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $ld))))
        (local.set $po (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $ld))))
        (local.set $mean (f32.const 0))
        (local.set $k (i32.const 0))
        (block $d1 (loop $n1
          (br_if $d1 (i32.ge_u (local.get $k) (local.get $D)))
          (local.set $mean (f32.add (local.get $mean) (f32.load (i32.add (local.get $px) (i32.shl (local.get $k) (i32.const 2))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $n1)))
        (local.set $mean (f32.div (local.get $mean) (local.get $fd)))
        (local.set $var (f32.const 0))
        (local.set $k (i32.const 0))
        (block $d2 (loop $n2
          (br_if $d2 (i32.ge_u (local.get $k) (local.get $D)))
          (local.set $d (f32.sub (f32.load (i32.add (local.get $px) (i32.shl (local.get $k) (i32.const 2)))) (local.get $mean)))
          (local.set $var (f32.add (local.get $var) (f32.mul (local.get $d) (local.get $d))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $n2)))
        (local.set $inv (f32.div (f32.const 1) (f32.sqrt (f32.add (f32.div (local.get $var) (local.get $fd)) (local.get $eps)))))
        (local.set $k (i32.const 0))
        (block $d3 (loop $n3
          (br_if $d3 (i32.ge_u (local.get $k) (local.get $D)))
          (f32.store (i32.add (local.get $po) (i32.shl (local.get $k) (i32.const 2)))
            (f32.add
              (f32.mul
                (f32.mul (f32.sub (f32.load (i32.add (local.get $px) (i32.shl (local.get $k) (i32.const 2)))) (local.get $mean)) (local.get $inv))
                (f32.load (i32.add (local.get $gamma) (i32.shl (local.get $k) (i32.const 2)))))
              (f32.load (i32.add (local.get $beta) (i32.shl (local.get $k) (i32.const 2))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $n3)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rnext))))

  ;; x ← x · ½(1 + erf(x/√2)) in place over n values (n a multiple of 4), eight at a time. erf by
  ;; Abramowitz & Stegun 7.1.28 (absolute error ≤ 3e-7, no exp needed): for z = |x|/√2,
  ;; erf(z) = 1 − (1 + a1 z + … + a6 z⁶)^−16, odd in x.
  (func (export "gelu") (param $x i32) (param $n i32)
    (local $p i32) (local $end i32)
    (local $va v128) (local $za v128) (local $ta v128) (local $ea v128) (local $ya v128)
    (local $vb v128) (local $zb v128) (local $tb v128) (local $eb v128) (local $yb v128)
    (local.set $p (local.get $x))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    ;; eight values a pass, two bodies inline (the calls were half the time); a last four alone
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 32)) (local.get $end)))
        (local.set $va (v128.load (local.get $p)))
        (local.set $vb (v128.load offset=16 (local.get $p)))
        ;; @include twoPhi4.body.wat a
        ;; @include twoPhi4.body.wat b
        (v128.store (local.get $p) (f32x4.mul (f32x4.mul (local.get $va) (f32x4.splat (f32.const 0.5))) (local.get $ya)))
        (v128.store offset=16 (local.get $p) (f32x4.mul (f32x4.mul (local.get $vb) (f32x4.splat (f32.const 0.5))) (local.get $yb)))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $next)))
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then
        (local.set $va (v128.load (local.get $p)))
        (v128.store (local.get $p) (f32x4.mul (f32x4.mul (local.get $va) (f32x4.splat (f32.const 0.5))) (call $twoPhi4 (local.get $va)))))))

  ;; 2Φ(x) = 1 + erf(x/√2) in four lanes (src/lib/wasm/twoPhi4.body.wat).
  (func $twoPhi4 (param $v v128) (result v128)
    (local $z v128) (local $t v128) (local $e v128) (local $y v128)
    ;; @include twoPhi4.body.wat
    (local.get $y))

  ;; out = dy · (Φ(x) + x·φ(x)), φ(x) = e^(−x²/2)/√(2π): GELU's gradient, over n values (n a multiple of 4).
  (func (export "geluGrad") (param $x i32) (param $dy i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end i32) (local $v v128)
    (local $va v128) (local $za v128) (local $ta v128) (local $ea v128) (local $ya v128)
    (local $vb v128) (local $zb v128) (local $tb v128) (local $eb v128) (local $yb v128)
    (local $xc v128) (local $nc v128) (local $rc v128) (local $yc v128)
    (local $xd v128) (local $nd v128) (local $rd v128) (local $yd v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    ;; eight values a pass, 2Φ and exp4 in line for each half; then four at a time
    (block $done8
      (loop $next8
        (br_if $done8 (i32.gt_u (i32.add (local.get $i) (i32.const 32)) (local.get $end)))
        (local.set $va (v128.load (i32.add (local.get $x) (local.get $i))))
        (local.set $vb (v128.load offset=16 (i32.add (local.get $x) (local.get $i))))
        ;; @include twoPhi4.body.wat a
        ;; @include twoPhi4.body.wat b
        (local.set $xc (f32x4.mul (f32x4.mul (local.get $va) (local.get $va)) (f32x4.splat (f32.const -0.5))))
        (local.set $xd (f32x4.mul (f32x4.mul (local.get $vb) (local.get $vb)) (f32x4.splat (f32.const -0.5))))
        ;; @include exp4.body.wat c
        ;; @include exp4.body.wat d
        (v128.store (i32.add (local.get $out) (local.get $i))
          (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $i)))
            (f32x4.add (f32x4.mul (f32x4.splat (f32.const 0.5)) (local.get $ya))
              (f32x4.mul (local.get $va) (f32x4.mul (f32x4.splat (f32.const 0.3989422804014327)) (local.get $yc))))))
        (v128.store offset=16 (i32.add (local.get $out) (local.get $i))
          (f32x4.mul (v128.load offset=16 (i32.add (local.get $dy) (local.get $i)))
            (f32x4.add (f32x4.mul (f32x4.splat (f32.const 0.5)) (local.get $yb))
              (f32x4.mul (local.get $vb) (f32x4.mul (f32x4.splat (f32.const 0.3989422804014327)) (local.get $yd))))))
        (local.set $i (i32.add (local.get $i) (i32.const 32)))
        (br $next8)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
        (v128.store (i32.add (local.get $out) (local.get $i))
          (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $i)))
            (f32x4.add (f32x4.mul (f32x4.splat (f32.const 0.5)) (call $twoPhi4 (local.get $v)))
              (f32x4.mul (local.get $v)
                (f32x4.mul (f32x4.splat (f32.const 0.3989422804014327))
                  (call $exp4 (f32x4.mul (f32x4.mul (local.get $v) (local.get $v)) (f32x4.splat (f32.const -0.5)))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))

  ;; @include exp4.wat

  ;; Per row r of x [M, N] (row-major, f32): out[2r] = max_j x[r, j], out[2r + 1] = Σ_j e^(x[r, j] − max).
  ;; The caller takes log-sum-exp = max + log(sum).
  (func (export "rowMaxSumExp") (param $x i32) (param $M i32) (param $N i32) (param $out i32)
    (local $r i32) (local $p i32) (local $j i32) (local $n4 i32)
    (local $vm v128) (local $vs v128) (local $m f32) (local $s f32) (local $v f32)
    (local $xe v128) (local $ne v128) (local $re v128) (local $ye v128)
    (local.set $n4 (i32.and (local.get $N) (i32.const -4)))
    (block $rdone
      (loop $rnext
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $M)))
        (local.set $p (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $N)) (i32.const 2))))
        ;; max
        (local.set $vm (f32x4.splat (f32.const -inf)))
        (local.set $j (i32.const 0))
        (block $d1 (loop $n1
          (br_if $d1 (i32.ge_u (local.get $j) (local.get $n4)))
          (local.set $vm (f32x4.max (local.get $vm) (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $n1)))
        (local.set $m
          (f32.max (f32.max (f32x4.extract_lane 0 (local.get $vm)) (f32x4.extract_lane 1 (local.get $vm)))
            (f32.max (f32x4.extract_lane 2 (local.get $vm)) (f32x4.extract_lane 3 (local.get $vm)))))
        (block $d2 (loop $n2
          (br_if $d2 (i32.ge_u (local.get $j) (local.get $N)))
          (local.set $m (f32.max (local.get $m) (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $n2)))
        ;; Σ e^(x − max)
        (local.set $vs (f32x4.splat (f32.const 0)))
        (local.set $vm (f32x4.splat (local.get $m)))
        (local.set $j (i32.const 0))
        (block $d3 (loop $n3
          (br_if $d3 (i32.ge_u (local.get $j) (local.get $n4)))
          ;; exp4 in line (a call per four values cost as much as its arithmetic)
          (local.set $xe (f32x4.sub (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $vm)))
          ;; @include exp4.body.wat e
          (local.set $vs (f32x4.add (local.get $vs) (local.get $ye)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $n3)))
        (local.set $s
          (f32.add (f32.add (f32x4.extract_lane 0 (local.get $vs)) (f32x4.extract_lane 1 (local.get $vs)))
            (f32.add (f32x4.extract_lane 2 (local.get $vs)) (f32x4.extract_lane 3 (local.get $vs)))))
        (block $d4 (loop $n4l
          (br_if $d4 (i32.ge_u (local.get $j) (local.get $N)))
          (local.set $v (f32.sub (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $m)))
          (local.set $s (f32.add (local.get $s) (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (local.get $v))))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $n4l)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3))) (local.get $m))
        (f32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3))) (local.get $s))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rnext))))

  ;; out[r, j] = e^(x[r, j] − lse[r]) · dy[r]: the gradient of log-sum-exp over rows.
  (func (export "softmaxRowsGrad") (param $x i32) (param $lse i32) (param $dy i32) (param $out i32) (param $M i32) (param $N i32)
    (local $r i32) (local $p i32) (local $q i32) (local $j i32) (local $n4 i32)
    (local $vl v128) (local $vd v128) (local $o i32)
    (local $xa v128) (local $na v128) (local $ra v128) (local $ya v128)
    (local $xb v128) (local $nb v128) (local $rb v128) (local $yb v128)
    (local.set $n4 (i32.and (local.get $N) (i32.const -4)))
    (block $rdone
      (loop $rnext
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $M)))
        (local.set $o (i32.shl (i32.mul (local.get $r) (local.get $N)) (i32.const 2)))
        (local.set $p (i32.add (local.get $x) (local.get $o)))
        (local.set $q (i32.add (local.get $out) (local.get $o)))
        (local.set $vl (v128.load32_splat (i32.add (local.get $lse) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $vd (v128.load32_splat (i32.add (local.get $dy) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $j (i32.const 0))
        ;; eight values a pass, two exp4 bodies in line; then four at a time
        (block $d0 (loop $n0
          (br_if $d0 (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $n4)))
          (local.set $xa (f32x4.sub (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $vl)))
          (local.set $xb (f32x4.sub (v128.load offset=16 (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $vl)))
          ;; @include exp4.body.wat a
          ;; @include exp4.body.wat b
          (v128.store (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2))) (f32x4.mul (local.get $ya) (local.get $vd)))
          (v128.store offset=16 (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2))) (f32x4.mul (local.get $yb) (local.get $vd)))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br $n0)))
        (block $d1 (loop $n1
          (br_if $d1 (i32.ge_u (local.get $j) (local.get $n4)))
          (v128.store (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2)))
            (f32x4.mul
              (call $exp4 (f32x4.sub (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $vl)))
              (local.get $vd)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $n1)))
        (block $d2 (loop $n2
          (br_if $d2 (i32.ge_u (local.get $j) (local.get $N)))
          (f32.store (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2)))
            (f32x4.extract_lane 0
              (f32x4.mul
                (call $exp4 (f32x4.sub (v128.load32_splat (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $vl)))
                (local.get $vd))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $n2)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rnext))))

  ;; ---- GATv2 over the edges e: src[e] → dst[e] (int32), node rows of F f32 (F a multiple of 4),
  ;; edge attributes ea [E, A], lin_edge's weight we [A, F], att [F]. p_e = xl[src] + xr[dst] + ea_e·we.

  ;; The edge's pre-activation p for columns f…f+3.
  (func $gatPre (param $xls i32) (param $xrd i32) (param $eae i32) (param $we i32) (param $F i32) (param $A i32) (param $f4 i32) (result v128)
    (local $p v128) (local $a i32)
    (local.set $p (f32x4.add (v128.load (i32.add (local.get $xls) (local.get $f4))) (v128.load (i32.add (local.get $xrd) (local.get $f4)))))
    (block $adone
      (loop $anext
        (br_if $adone (i32.ge_u (local.get $a) (local.get $A)))
        (local.set $p
          (f32x4.add (local.get $p)
            (f32x4.mul
              (v128.load32_splat (i32.add (local.get $eae) (i32.shl (local.get $a) (i32.const 2))))
              (v128.load (i32.add (i32.add (local.get $we) (i32.shl (i32.mul (local.get $a) (local.get $F)) (i32.const 2))) (local.get $f4))))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $anext)))
    (local.get $p))

  ;; @include hsum.wat

  ;; score[e] = att · LeakyReLU(p_e) (slope below 0).
  (func (export "gatScores")
    (param $xl i32) (param $xr i32) (param $ea i32) (param $we i32) (param $att i32) (param $src i32) (param $dst i32)
    (param $F i32) (param $A i32) (param $E i32) (param $slope f32) (param $score i32)
    (local $e i32) (local $f4 i32) (local $Fb i32) (local $xls i32) (local $xrd i32) (local $eae i32)
    (local $p v128) (local $acc v128) (local $sl v128)
    (local.set $Fb (i32.shl (local.get $F) (i32.const 2)))
    (local.set $sl (f32x4.splat (local.get $slope)))
    (block $edone
      (loop $enext
        (br_if $edone (i32.ge_u (local.get $e) (local.get $E)))
        (local.set $xls (i32.add (local.get $xl) (i32.mul (i32.load (i32.add (local.get $src) (i32.shl (local.get $e) (i32.const 2)))) (local.get $Fb))))
        (local.set $xrd (i32.add (local.get $xr) (i32.mul (i32.load (i32.add (local.get $dst) (i32.shl (local.get $e) (i32.const 2)))) (local.get $Fb))))
        (local.set $eae (i32.add (local.get $ea) (i32.shl (i32.mul (local.get $e) (local.get $A)) (i32.const 2))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $f4 (i32.const 0))
        (block $fdone
          (loop $fnext
            (br_if $fdone (i32.ge_u (local.get $f4) (local.get $Fb)))
            (local.set $p (call $gatPre (local.get $xls) (local.get $xrd) (local.get $eae) (local.get $we) (local.get $F) (local.get $A) (local.get $f4)))
            (local.set $p
              (v128.bitselect (local.get $p) (f32x4.mul (local.get $p) (local.get $sl))
                (f32x4.gt (local.get $p) (v128.const f32x4 0 0 0 0))))
            (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (i32.add (local.get $att) (local.get $f4))) (local.get $p))))
            (local.set $f4 (i32.add (local.get $f4) (i32.const 16)))
            (br $fnext)))
        (f32.store (i32.add (local.get $score) (i32.shl (local.get $e) (i32.const 2))) (call $hsum (local.get $acc)))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $enext))))

  ;; out[dst] += alpha[e] · xl[src] over the edges (out zeroed by the caller).
  (func (export "gatMessages")
    (param $xl i32) (param $alpha i32) (param $src i32) (param $dst i32) (param $F i32) (param $E i32) (param $out i32)
    (local $e i32) (local $f4 i32) (local $Fb i32) (local $xls i32) (local $od i32) (local $a v128)
    (local.set $Fb (i32.shl (local.get $F) (i32.const 2)))
    (block $edone
      (loop $enext
        (br_if $edone (i32.ge_u (local.get $e) (local.get $E)))
        (local.set $xls (i32.add (local.get $xl) (i32.mul (i32.load (i32.add (local.get $src) (i32.shl (local.get $e) (i32.const 2)))) (local.get $Fb))))
        (local.set $od (i32.add (local.get $out) (i32.mul (i32.load (i32.add (local.get $dst) (i32.shl (local.get $e) (i32.const 2)))) (local.get $Fb))))
        (local.set $a (v128.load32_splat (i32.add (local.get $alpha) (i32.shl (local.get $e) (i32.const 2)))))
        (local.set $f4 (i32.const 0))
        (block $fdone
          (loop $fnext
            (br_if $fdone (i32.ge_u (local.get $f4) (local.get $Fb)))
            (v128.store (i32.add (local.get $od) (local.get $f4))
              (f32x4.add (v128.load (i32.add (local.get $od) (local.get $f4)))
                (f32x4.mul (local.get $a) (v128.load (i32.add (local.get $xls) (local.get $f4))))))
            (local.set $f4 (i32.add (local.get $f4) (i32.const 16)))
            (br $fnext)))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $enext))))

  ;; The message path's gradient: dAlpha[e] = dy[dst] · xl[src]; dxl[src] += alpha[e] · dy[dst].
  (func (export "gatBackMessages")
    (param $xl i32) (param $dy i32) (param $alpha i32) (param $src i32) (param $dst i32) (param $F i32) (param $E i32)
    (param $dxl i32) (param $dAlpha i32)
    (local $e i32) (local $f4 i32) (local $Fb i32) (local $so i32) (local $dd i32) (local $a v128) (local $y v128) (local $acc v128)
    (local.set $Fb (i32.shl (local.get $F) (i32.const 2)))
    (block $edone
      (loop $enext
        (br_if $edone (i32.ge_u (local.get $e) (local.get $E)))
        (local.set $so (i32.mul (i32.load (i32.add (local.get $src) (i32.shl (local.get $e) (i32.const 2)))) (local.get $Fb)))
        (local.set $dd (i32.add (local.get $dy) (i32.mul (i32.load (i32.add (local.get $dst) (i32.shl (local.get $e) (i32.const 2)))) (local.get $Fb))))
        (local.set $a (v128.load32_splat (i32.add (local.get $alpha) (i32.shl (local.get $e) (i32.const 2)))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $f4 (i32.const 0))
        (block $fdone
          (loop $fnext
            (br_if $fdone (i32.ge_u (local.get $f4) (local.get $Fb)))
            (local.set $y (v128.load (i32.add (local.get $dd) (local.get $f4))))
            (local.set $acc
              (f32x4.add (local.get $acc) (f32x4.mul (local.get $y) (v128.load (i32.add (i32.add (local.get $xl) (local.get $so)) (local.get $f4))))))
            (v128.store (i32.add (i32.add (local.get $dxl) (local.get $so)) (local.get $f4))
              (f32x4.add (v128.load (i32.add (i32.add (local.get $dxl) (local.get $so)) (local.get $f4))) (f32x4.mul (local.get $a) (local.get $y))))
            (local.set $f4 (i32.add (local.get $f4) (i32.const 16)))
            (br $fnext)))
        (f32.store (i32.add (local.get $dAlpha) (i32.shl (local.get $e) (i32.const 2))) (call $hsum (local.get $acc)))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $enext))))

  ;; acc64[i…i+3] (f64) += v (f32x4), widened.
  (func $addWide (param $acc64 i32) (param $v v128)
    (v128.store (local.get $acc64) (f64x2.add (v128.load (local.get $acc64)) (f64x2.promote_low_f32x4 (local.get $v))))
    (v128.store offset=16 (local.get $acc64)
      (f64x2.add (v128.load offset=16 (local.get $acc64))
        (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v))))))

  ;; The score path's gradient, given ds[e] = ∂loss/∂score_e (the softmax's backward, by the caller):
  ;; datt += ds·LeakyReLU(p); dp = ds·att·LeakyReLU'(p); dxl[src] += dp; dxr[dst] += dp;
  ;; dwe[a] += ea[e, a]·dp. datt64 [F] and dwe64 [A, F] are f64 sums (zeroed by the caller).
  (func (export "gatBackScores")
    (param $xl i32) (param $xr i32) (param $ea i32) (param $we i32) (param $att i32) (param $src i32) (param $dst i32)
    (param $ds i32) (param $F i32) (param $A i32) (param $E i32) (param $slope f32)
    (param $dxl i32) (param $dxr i32) (param $dwe64 i32) (param $datt64 i32)
    (local $e i32) (local $f4 i32) (local $a i32) (local $Fb i32) (local $so i32) (local $do i32) (local $eae i32) (local $dse f32)
    (local $p v128) (local $pos v128) (local $dsv v128) (local $dp v128) (local $sl v128) (local $q i32)
    (local.set $Fb (i32.shl (local.get $F) (i32.const 2)))
    (local.set $sl (f32x4.splat (local.get $slope)))
    (block $edone
      (loop $enext
        (br_if $edone (i32.ge_u (local.get $e) (local.get $E)))
        (local.set $dse (f32.load (i32.add (local.get $ds) (i32.shl (local.get $e) (i32.const 2)))))
        (if (f32.ne (local.get $dse) (f32.const 0))
          (then
            (local.set $dsv (f32x4.splat (local.get $dse)))
            (local.set $so (i32.mul (i32.load (i32.add (local.get $src) (i32.shl (local.get $e) (i32.const 2)))) (local.get $Fb)))
            (local.set $do (i32.mul (i32.load (i32.add (local.get $dst) (i32.shl (local.get $e) (i32.const 2)))) (local.get $Fb)))
            (local.set $eae (i32.add (local.get $ea) (i32.shl (i32.mul (local.get $e) (local.get $A)) (i32.const 2))))
            (local.set $f4 (i32.const 0))
            (block $fdone
              (loop $fnext
                (br_if $fdone (i32.ge_u (local.get $f4) (local.get $Fb)))
                (local.set $p
                  (call $gatPre (i32.add (local.get $xl) (local.get $so)) (i32.add (local.get $xr) (local.get $do)) (local.get $eae) (local.get $we)
                    (local.get $F) (local.get $A) (local.get $f4)))
                (local.set $pos (f32x4.gt (local.get $p) (v128.const f32x4 0 0 0 0)))
                (call $addWide (i32.add (local.get $datt64) (i32.shl (local.get $f4) (i32.const 1)))
                  (f32x4.mul (local.get $dsv) (v128.bitselect (local.get $p) (f32x4.mul (local.get $p) (local.get $sl)) (local.get $pos))))
                (local.set $dp
                  (f32x4.mul (f32x4.mul (local.get $dsv) (v128.load (i32.add (local.get $att) (local.get $f4))))
                    (v128.bitselect (v128.const f32x4 1 1 1 1) (local.get $sl) (local.get $pos))))
                (local.set $q (i32.add (i32.add (local.get $dxl) (local.get $so)) (local.get $f4)))
                (v128.store (local.get $q) (f32x4.add (v128.load (local.get $q)) (local.get $dp)))
                (local.set $q (i32.add (i32.add (local.get $dxr) (local.get $do)) (local.get $f4)))
                (v128.store (local.get $q) (f32x4.add (v128.load (local.get $q)) (local.get $dp)))
                (local.set $a (i32.const 0))
                (block $adone
                  (loop $anext
                    (br_if $adone (i32.ge_u (local.get $a) (local.get $A)))
                    (call $addWide
                      (i32.add (local.get $dwe64) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $Fb)) (local.get $f4)) (i32.const 1)))
                      (f32x4.mul (v128.load32_splat (i32.add (local.get $eae) (i32.shl (local.get $a) (i32.const 2)))) (local.get $dp)))
                    (local.set $a (i32.add (local.get $a) (i32.const 1)))
                    (br $anext)))
                (local.set $f4 (i32.add (local.get $f4) (i32.const 16)))
                (br $fnext)))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $enext))))

  ;; out[j] = Σ_i x[i, j] for x [R, C], i ascending in f32: the same sums, in the same order, as a
  ;; sum over the rows of xᵀ. Sixteen columns per pass, then four, then one.
  (func (export "colSum") (param $x i32) (param $R i32) (param $C i32) (param $out i32)
    (local $j i32) (local $i i32) (local $p i32) (local $Cb i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f32)
    (local.set $Cb (i32.shl (local.get $C) (i32.const 2)))
    (block $d16
      (loop $n16
        (br_if $d16 (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $C)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $p (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $i (i32.const 0))
        (block $rd
          (loop $rn
            (br_if $rd (i32.ge_u (local.get $i) (local.get $R)))
            (local.set $a0 (f32x4.add (local.get $a0) (v128.load (local.get $p))))
            (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $p))))
            (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $p))))
            (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $p))))
            (local.set $p (i32.add (local.get $p) (local.get $Cb)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rn)))
        (local.set $p (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))))
        (v128.store (local.get $p) (local.get $a0))
        (v128.store offset=16 (local.get $p) (local.get $a1))
        (v128.store offset=32 (local.get $p) (local.get $a2))
        (v128.store offset=48 (local.get $p) (local.get $a3))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $n16)))
    (block $d4
      (loop $n4
        (br_if $d4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $C)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $p (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $i (i32.const 0))
        (block $rd4
          (loop $rn4
            (br_if $rd4 (i32.ge_u (local.get $i) (local.get $R)))
            (local.set $a0 (f32x4.add (local.get $a0) (v128.load (local.get $p))))
            (local.set $p (i32.add (local.get $p) (local.get $Cb)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rn4)))
        (v128.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))) (local.get $a0))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $n4)))
    (block $d1
      (loop $n1
        (br_if $d1 (i32.ge_u (local.get $j) (local.get $C)))
        (local.set $s (f32.const 0))
        (local.set $p (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $i (i32.const 0))
        (block $rd1
          (loop $rn1
            (br_if $rd1 (i32.ge_u (local.get $i) (local.get $R)))
            (local.set $s (f32.add (local.get $s) (f32.load (local.get $p))))
            (local.set $p (i32.add (local.get $p) (local.get $Cb)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rn1)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))) (local.get $s))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $n1))))

  ;; AdamW on n values (n a multiple of 4), f32: g' = g·clip; m' = β1·m + (1 − β1)·g';
  ;; v' = β2·v + (1 − β2)·g'²; w' = decay·w − step · m' / (√(v'/bc2) + eps), into w2, m2, v2.
  ;; 1 − β1 and 1 − β2 come in as such (in f32, 1 − f32(0.999) is 1.3e-5 off). Returns how many
  ;; w' are not finite.
  (func (export "adamW")
    (param $w i32) (param $m i32) (param $v i32) (param $g i32) (param $n i32)
    (param $clip f32) (param $beta1 f32) (param $omb1 f32) (param $beta2 f32) (param $omb2 f32) (param $bc2 f32) (param $eps f32)
    (param $step f32) (param $decay f32)
    (param $w2 i32) (param $m2 i32) (param $v2 i32) (result i32)
    (local $i i32) (local $end i32) (local $gi v128) (local $mi v128) (local $vi v128) (local $wi v128) (local $bad v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $bad (v128.const i32x4 0 0 0 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gi (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $i))) (f32x4.splat (local.get $clip))))
        (local.set $mi
          (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (f32x4.splat (local.get $beta1)))
            (f32x4.mul (local.get $gi) (f32x4.splat (local.get $omb1)))))
        (local.set $vi
          (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (f32x4.splat (local.get $beta2)))
            (f32x4.mul (f32x4.mul (local.get $gi) (local.get $gi)) (f32x4.splat (local.get $omb2)))))
        (local.set $wi
          (f32x4.sub (f32x4.mul (v128.load (i32.add (local.get $w) (local.get $i))) (f32x4.splat (local.get $decay)))
            (f32x4.mul
              (f32x4.div (local.get $mi)
                (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vi) (f32x4.splat (local.get $bc2)))) (f32x4.splat (local.get $eps))))
              (f32x4.splat (local.get $step)))))
        (v128.store (i32.add (local.get $m2) (local.get $i)) (local.get $mi))
        (v128.store (i32.add (local.get $v2) (local.get $i)) (local.get $vi))
        (v128.store (i32.add (local.get $w2) (local.get $i)) (local.get $wi))
        ;; w − w is 0 for a finite w, NaN otherwise; the mask is −1 where it is not 0
        (local.set $bad (i32x4.sub (local.get $bad) (f32x4.ne (f32x4.sub (local.get $wi) (local.get $wi)) (v128.const f32x4 0 0 0 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $bad)) (i32x4.extract_lane 1 (local.get $bad)))
      (i32.add (i32x4.extract_lane 2 (local.get $bad)) (i32x4.extract_lane 3 (local.get $bad)))))

  ;; out[ids[e], :] += x[e, :] over rows e ascending (ids outside [0, segments) skipped), rows of
  ;; `inner` f32; out zeroed by the caller. Each output element sums in the order of the rows, as the
  ;; JS loop does (an f32 sum rounded once either way), so the results are the same bits.
  (func (export "segmentSum") (param $x i32) (param $ids i32) (param $n i32) (param $inner i32) (param $segments i32) (param $out i32)
    (local $e i32) (local $s i32) (local $k i32) (local $xp i32) (local $op i32) (local $inner4 i32) (local $ib i32)
    (local.set $ib (i32.shl (local.get $inner) (i32.const 2)))
    (local.set $inner4 (i32.and (local.get $inner) (i32.const -4)))
    (block $edone
      (loop $enext
        (br_if $edone (i32.ge_u (local.get $e) (local.get $n)))
        (local.set $s (i32.load (i32.add (local.get $ids) (i32.shl (local.get $e) (i32.const 2)))))
        (if (i32.lt_u (local.get $s) (local.get $segments))
          (then
            (local.set $xp (i32.add (local.get $x) (i32.mul (local.get $e) (local.get $ib))))
            (local.set $op (i32.add (local.get $out) (i32.mul (local.get $s) (local.get $ib))))
            (local.set $k (i32.const 0))
            (block $vdone
              (loop $vnext
                (br_if $vdone (i32.ge_u (local.get $k) (local.get $inner4)))
                (v128.store (i32.add (local.get $op) (i32.shl (local.get $k) (i32.const 2)))
                  (f32x4.add (v128.load (i32.add (local.get $op) (i32.shl (local.get $k) (i32.const 2))))
                    (v128.load (i32.add (local.get $xp) (i32.shl (local.get $k) (i32.const 2))))))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (br $vnext)))
            (block $tdone
              (loop $tnext
                (br_if $tdone (i32.ge_u (local.get $k) (local.get $inner)))
                (f32.store (i32.add (local.get $op) (i32.shl (local.get $k) (i32.const 2)))
                  (f32.add (f32.load (i32.add (local.get $op) (i32.shl (local.get $k) (i32.const 2))))
                    (f32.load (i32.add (local.get $xp) (i32.shl (local.get $k) (i32.const 2))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $tnext)))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $enext))))

  ;; The navigator's score of each candidate c < nC (StudentDecoder.navigate):
  ;;   out[c] = Σ_j navV[j] · tanh(navKey[road_c, j] + dis_c · uDis[j] + ang_c · uAng[j] + q[row_c, j] + zoneQ[zone of row_c, j])
  ;; in f32 lanes, j in blocks of four (nd a multiple of 4). Per candidate at $cands: road, row (i32),
  ;; dis, ang (f32), 16 bytes. Query rows at $q with row stride $ldq bytes; $zones: each row's zone (i32).
  (func (export "navScores")
    (param $q i32) (param $ldq i32) (param $zones i32) (param $zoneQ i32) (param $navKey i32) (param $uDis i32)
    (param $uAng i32) (param $navV i32) (param $nd i32) (param $cands i32) (param $nC i32) (param $out i32)
    (local $c i32) (local $j i32) (local $p i32) (local $row i32) (local $kp i32) (local $qp i32) (local $zp i32)
    (local $dis v128) (local $ang v128) (local $acc v128) (local $x v128)
    (local $xe v128) (local $ne v128) (local $re v128) (local $ye v128)
    (block $cdone
      (loop $cnext
        (br_if $cdone (i32.ge_u (local.get $c) (local.get $nC)))
        (local.set $p (i32.add (local.get $cands) (i32.shl (local.get $c) (i32.const 4))))
        (local.set $row (i32.load offset=4 (local.get $p)))
        (local.set $kp (i32.add (local.get $navKey) (i32.shl (i32.mul (i32.load (local.get $p)) (local.get $nd)) (i32.const 2))))
        (local.set $qp (i32.add (local.get $q) (i32.mul (local.get $row) (local.get $ldq))))
        (local.set $zp
          (i32.add (local.get $zoneQ)
            (i32.shl (i32.mul (i32.load (i32.add (local.get $zones) (i32.shl (local.get $row) (i32.const 2)))) (local.get $nd)) (i32.const 2))))
        (local.set $dis (v128.load32_splat offset=8 (local.get $p)))
        (local.set $ang (v128.load32_splat offset=12 (local.get $p)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $jdone
          (loop $jnext
            (br_if $jdone (i32.ge_u (local.get $j) (local.get $nd)))
            (local.set $x
              (f32x4.add
                (f32x4.add
                  (f32x4.add (v128.load (local.get $kp)) (f32x4.mul (local.get $dis) (v128.load (i32.add (local.get $uDis) (i32.shl (local.get $j) (i32.const 2))))))
                  (f32x4.mul (local.get $ang) (v128.load (i32.add (local.get $uAng) (i32.shl (local.get $j) (i32.const 2))))))
                (f32x4.add (v128.load (local.get $qp)) (v128.load (local.get $zp)))))
            ;; tanh in f32 lanes: sign(x) · (1 − e^(−2|x|)) / (1 + e^(−2|x|)), e by exp4 inline
            ;; (absolute error ≈ 1e-7; the calls had cost more than their arithmetic)
            (local.set $xe (f32x4.mul (f32x4.abs (local.get $x)) (f32x4.splat (f32.const -2))))
            ;; @include exp4.body.wat e
            (local.set $x
              (v128.or
                (f32x4.div (f32x4.sub (f32x4.splat (f32.const 1)) (local.get $ye)) (f32x4.add (f32x4.splat (f32.const 1)) (local.get $ye)))
                (v128.and (local.get $x) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
            (local.set $acc
              (f32x4.add (local.get $acc) (f32x4.mul (v128.load (i32.add (local.get $navV) (i32.shl (local.get $j) (i32.const 2)))) (local.get $x))))
            (local.set $kp (i32.add (local.get $kp) (i32.const 16)))
            (local.set $qp (i32.add (local.get $qp) (i32.const 16)))
            (local.set $zp (i32.add (local.get $zp) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $jnext)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))) (call $hsum (local.get $acc)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $cnext))))
)
