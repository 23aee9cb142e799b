;; Part of f32Kernels.wat (put in by its `;; @include`): the matrix products. `mm`, batched, for
;; attention's per-head products in training (driver: models/batchMatMulKernel.ts); `dense`, a layer
;; with its bias and residual, for the route decoder on the host (driver: generate/hostDense.ts).
;; Both end each 4 × 8 block in $finish.
;;
;; C[i, j] = Σ_k A[i, k] · B[k, j], k ascending, in f32 (no fused multiply-add in wasm SIMD).
;; A element (i, k) is at a + i·sai + k·sak bytes, so A may be stored either way round (row-major:
;; sai = 4K, sak = 4; transposed: sai = 4, sak = 4M). B is row-major [K, N] with row stride ldb
;; bytes; C is row-major [M, ldc/4]. Columns are computed eight at a time: past N they read the
;; next row of B (or 32 bytes of slack after it) and land in C's padding, which is never read.
;; `dense` adds a bias row (then a residual row), in that order, to each finished sum: tfjs's order
;; for x + (a·W + b).

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
