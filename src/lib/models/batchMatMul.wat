;; A batched f32 matrix product in WebAssembly SIMD, for the small per-head products of attention
;; (scores q·kᵀ and weights·v, forward and backward), which tfjs-wasm computes in a scalar loop at
;; about 2 GFLOP/s. Compiled by `npm run build:wasm` (wabt) into batchMatMulWasm.ts; driven by
;; batchMatMulKernel.ts, which copies the operands into this module's memory and the product out.
;;
;; C[i, j] = Σ_k A[i, k] · B[k, j], k ascending, in f32 (no fused multiply-add in wasm SIMD).
;; A element (i, k) is at a + i·sai + k·sak bytes, so A may be stored either way round (row-major:
;; sai = 4K, sak = 4; transposed: sai = 4, sak = 4M). B is row-major [K, N] with row stride ldb
;; bytes; C is row-major [M, ldc/4]. Columns are computed eight at a time: past N they read the
;; next row of B (or 32 bytes of slack after it) and land in C's padding, which is never read.
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

  ;; Blocks of 4 rows × 8 columns, eight f32x4 accumulators. A last block of fewer than 4 rows
  ;; repeats row M−1 in the missing rows and does not store them.
  (func $mm1
    (param $a i32) (param $b i32) (param $c i32)
    (param $M i32) (param $K i32) (param $N i32)
    (param $sai i32) (param $sak i32) (param $ldb i32) (param $ldc i32)
    (local $i i32) (local $j i32) (local $k i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $pb i32) (local $pc i32)
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
            ;; store the block's rows that exist
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
                (v128.store offset=16 (local.get $pc) (local.get $c31))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $jnext)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $inext))))
)
