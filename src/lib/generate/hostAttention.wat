;; WebAssembly SIMD twin of hostAttention.ts (the decoder's host attention), compiled by
;; `npm run build:wasm` (wabt) into hostAttentionWasm.ts. Pointers are byte offsets into the
;; exported memory; keys are f32 rows, a key's value row starts `vAdd` bytes after it.
;;
;; The f64 kernels (dots64, values64) give the scalar kernels' results bit for bit: every product
;; is an f64 product of the same operands and every sum runs in the scalar loop's order (over i for
;; a score, over t for an output element). The lanes hold different keys (dots) or different output
;; elements (values), never parts of one sum. wasm has no fused multiply-add, so nothing contracts.
;; The f32 kernels (dots32, values32) sum in f32 lanes: faster, not bit-identical.
(module
  (memory (export "memory") 1)

  ;; out[h·n + t] = Σ_i q[h·dh + i] · key_t[h·dh + i], in f64, i ascending; q is f32 at $q,
  ;; promoted to f64 at $q64 (heads·dh values). Key t's row at bases[t] (i32). Four keys per pass:
  ;; lanes (t, t+1) and (t+2, t+3); past n the last key is repeated and its lanes not stored.
  (func (export "dots64") (param $q i32) (param $q64 i32) (param $bases i32) (param $n i32) (param $heads i32) (param $dh i32) (param $out i32)
    (local $i i32) (local $h i32) (local $t i32) (local $hk i32) (local $qp i32) (local $o i32)
    (local $k0 i32) (local $k1 i32) (local $k2 i32) (local $k3 i32)
    (local $a v128) (local $b v128) (local $lo v128) (local $hi v128)
    (local $q0 v128) (local $q1 v128) (local $q2 v128) (local $q3 v128)
    (local $acc01 v128) (local $acc23 v128)
    ;; q → f64
    (local.set $o (i32.mul (local.get $heads) (local.get $dh)))
    (block $pdone
      (loop $pnext
        (br_if $pdone (i32.ge_u (local.get $i) (local.get $o)))
        (f64.store
          (i32.add (local.get $q64) (i32.shl (local.get $i) (i32.const 3)))
          (f64.promote_f32 (f32.load (i32.add (local.get $q) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $pnext)))
    (block $hdone
      (loop $hnext
        (br_if $hdone (i32.ge_u (local.get $h) (local.get $heads)))
        (local.set $hk (i32.shl (i32.mul (local.get $h) (local.get $dh)) (i32.const 2)))
        (local.set $t (i32.const 0))
        (block $tdone
          (loop $tnext
            (br_if $tdone (i32.ge_u (local.get $t) (local.get $n)))
            (local.set $k0 (i32.add (i32.load (i32.add (local.get $bases) (i32.shl (local.get $t) (i32.const 2)))) (local.get $hk)))
            (local.set $k1 (local.get $k0))
            (local.set $k2 (local.get $k0))
            (local.set $k3 (local.get $k0))
            (if (i32.lt_u (i32.add (local.get $t) (i32.const 1)) (local.get $n))
              (then (local.set $k1 (i32.add (i32.load offset=4 (i32.add (local.get $bases) (i32.shl (local.get $t) (i32.const 2)))) (local.get $hk)))))
            (if (i32.lt_u (i32.add (local.get $t) (i32.const 2)) (local.get $n))
              (then (local.set $k2 (i32.add (i32.load offset=8 (i32.add (local.get $bases) (i32.shl (local.get $t) (i32.const 2)))) (local.get $hk)))))
            (if (i32.lt_u (i32.add (local.get $t) (i32.const 3)) (local.get $n))
              (then (local.set $k3 (i32.add (i32.load offset=12 (i32.add (local.get $bases) (i32.shl (local.get $t) (i32.const 2)))) (local.get $hk)))))
            (local.set $acc01 (v128.const i64x2 0 0))
            (local.set $acc23 (v128.const i64x2 0 0))
            (local.set $qp (i32.add (local.get $q64) (i32.shl (local.get $hk) (i32.const 1))))
            (local.set $i (i32.const 0))
            (block $idone
              (loop $inext
                (br_if $idone (i32.ge_u (local.get $i) (local.get $dh)))
                (local.set $q0 (v128.load64_splat (local.get $qp)))
                (local.set $q1 (v128.load64_splat offset=8 (local.get $qp)))
                (local.set $q2 (v128.load64_splat offset=16 (local.get $qp)))
                (local.set $q3 (v128.load64_splat offset=24 (local.get $qp)))
                ;; keys t, t+1: [a0 b0 a1 b1], [a2 b2 a3 b3]
                (local.set $a (v128.load (local.get $k0)))
                (local.set $b (v128.load (local.get $k1)))
                (local.set $lo (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
                (local.set $hi (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
                (local.set $acc01 (f64x2.add (local.get $acc01) (f64x2.mul (local.get $q0) (f64x2.promote_low_f32x4 (local.get $lo)))))
                (local.set $acc01
                  (f64x2.add (local.get $acc01)
                    (f64x2.mul (local.get $q1)
                      (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $lo) (local.get $lo))))))
                (local.set $acc01 (f64x2.add (local.get $acc01) (f64x2.mul (local.get $q2) (f64x2.promote_low_f32x4 (local.get $hi)))))
                (local.set $acc01
                  (f64x2.add (local.get $acc01)
                    (f64x2.mul (local.get $q3)
                      (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $hi) (local.get $hi))))))
                ;; keys t+2, t+3
                (local.set $a (v128.load (local.get $k2)))
                (local.set $b (v128.load (local.get $k3)))
                (local.set $lo (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
                (local.set $hi (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
                (local.set $acc23 (f64x2.add (local.get $acc23) (f64x2.mul (local.get $q0) (f64x2.promote_low_f32x4 (local.get $lo)))))
                (local.set $acc23
                  (f64x2.add (local.get $acc23)
                    (f64x2.mul (local.get $q1)
                      (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $lo) (local.get $lo))))))
                (local.set $acc23 (f64x2.add (local.get $acc23) (f64x2.mul (local.get $q2) (f64x2.promote_low_f32x4 (local.get $hi)))))
                (local.set $acc23
                  (f64x2.add (local.get $acc23)
                    (f64x2.mul (local.get $q3)
                      (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $hi) (local.get $hi))))))
                (local.set $qp (i32.add (local.get $qp) (i32.const 32)))
                (local.set $k0 (i32.add (local.get $k0) (i32.const 16)))
                (local.set $k1 (i32.add (local.get $k1) (i32.const 16)))
                (local.set $k2 (i32.add (local.get $k2) (i32.const 16)))
                (local.set $k3 (i32.add (local.get $k3) (i32.const 16)))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (br $inext)))
            (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $h) (local.get $n)) (local.get $t)) (i32.const 3))))
            (f64.store (local.get $o) (f64x2.extract_lane 0 (local.get $acc01)))
            (if (i32.lt_u (i32.add (local.get $t) (i32.const 1)) (local.get $n))
              (then (f64.store offset=8 (local.get $o) (f64x2.extract_lane 1 (local.get $acc01)))))
            (if (i32.lt_u (i32.add (local.get $t) (i32.const 2)) (local.get $n))
              (then (f64.store offset=16 (local.get $o) (f64x2.extract_lane 0 (local.get $acc23)))))
            (if (i32.lt_u (i32.add (local.get $t) (i32.const 3)) (local.get $n))
              (then (f64.store offset=24 (local.get $o) (f64x2.extract_lane 1 (local.get $acc23)))))
            (local.set $t (i32.add (local.get $t) (i32.const 4)))
            (br $tnext)))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br $hnext))))

  ;; out[h·dh + i] = Σ_t (w[h·n + t] / sums[h]) · value_t[h·dh + i], in f64, t ascending; value t's
  ;; row at bases[t] + vAdd. w is divided in place first (the scalar kernel's weights[t] / sum).
  ;; Eight output elements per pass (four f64x2 accumulators); dh must be a multiple of 8.
  (func (export "values64") (param $w i32) (param $sums i32) (param $bases i32) (param $n i32) (param $heads i32) (param $dh i32) (param $vAdd i32) (param $out i32)
    (local $h i32) (local $t i32) (local $i i32) (local $p i32) (local $s f64) (local $wp i32) (local $vp i32)
    (local $a v128) (local $v0 v128) (local $v1 v128)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (block $hdone
      (loop $hnext
        (br_if $hdone (i32.ge_u (local.get $h) (local.get $heads)))
        (local.set $s (f64.load (i32.add (local.get $sums) (i32.shl (local.get $h) (i32.const 3)))))
        (local.set $wp (i32.add (local.get $w) (i32.shl (i32.mul (local.get $h) (local.get $n)) (i32.const 3))))
        (local.set $t (i32.const 0))
        (block $ndone
          (loop $nnext
            (br_if $ndone (i32.ge_u (local.get $t) (local.get $n)))
            (local.set $p (i32.add (local.get $wp) (i32.shl (local.get $t) (i32.const 3))))
            (f64.store (local.get $p) (f64.div (f64.load (local.get $p)) (local.get $s)))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $nnext)))
        (local.set $i (i32.const 0))
        (block $idone
          (loop $inext
            (br_if $idone (i32.ge_u (local.get $i) (local.get $dh)))
            (local.set $acc0 (v128.const i64x2 0 0))
            (local.set $acc1 (v128.const i64x2 0 0))
            (local.set $acc2 (v128.const i64x2 0 0))
            (local.set $acc3 (v128.const i64x2 0 0))
            (local.set $p (i32.add (local.get $vAdd) (i32.shl (i32.add (i32.mul (local.get $h) (local.get $dh)) (local.get $i)) (i32.const 2))))
            (local.set $t (i32.const 0))
            (block $tdone
              (loop $tnext
                (br_if $tdone (i32.ge_u (local.get $t) (local.get $n)))
                (local.set $a (v128.load64_splat (i32.add (local.get $wp) (i32.shl (local.get $t) (i32.const 3)))))
                (local.set $vp (i32.add (i32.load (i32.add (local.get $bases) (i32.shl (local.get $t) (i32.const 2)))) (local.get $p)))
                (local.set $v0 (v128.load (local.get $vp)))
                (local.set $v1 (v128.load offset=16 (local.get $vp)))
                (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul (local.get $a) (f64x2.promote_low_f32x4 (local.get $v0)))))
                (local.set $acc1
                  (f64x2.add (local.get $acc1)
                    (f64x2.mul (local.get $a)
                      (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v0) (local.get $v0))))))
                (local.set $acc2 (f64x2.add (local.get $acc2) (f64x2.mul (local.get $a) (f64x2.promote_low_f32x4 (local.get $v1)))))
                (local.set $acc3
                  (f64x2.add (local.get $acc3)
                    (f64x2.mul (local.get $a)
                      (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v1) (local.get $v1))))))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $tnext)))
            (local.set $vp (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $h) (local.get $dh)) (local.get $i)) (i32.const 3))))
            (v128.store (local.get $vp) (local.get $acc0))
            (v128.store offset=16 (local.get $vp) (local.get $acc1))
            (v128.store offset=32 (local.get $vp) (local.get $acc2))
            (v128.store offset=48 (local.get $vp) (local.get $acc3))
            (local.set $i (i32.add (local.get $i) (i32.const 8)))
            (br $inext)))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br $hnext))))

  ;; dots64 in f32 lanes: each score is four f32 partial sums (i mod 16 in blocks of four) added
  ;; pairwise, then widened. dh must be a multiple of 16.
  (func (export "dots32") (param $q i32) (param $bases i32) (param $n i32) (param $heads i32) (param $dh i32) (param $out i32)
    (local $h i32) (local $t i32) (local $i i32) (local $hk i32) (local $kp i32) (local $qp i32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (block $hdone
      (loop $hnext
        (br_if $hdone (i32.ge_u (local.get $h) (local.get $heads)))
        (local.set $hk (i32.shl (i32.mul (local.get $h) (local.get $dh)) (i32.const 2)))
        (local.set $t (i32.const 0))
        (block $tdone
          (loop $tnext
            (br_if $tdone (i32.ge_u (local.get $t) (local.get $n)))
            (local.set $kp (i32.add (i32.load (i32.add (local.get $bases) (i32.shl (local.get $t) (i32.const 2)))) (local.get $hk)))
            (local.set $qp (i32.add (local.get $q) (local.get $hk)))
            (local.set $acc0 (v128.const i64x2 0 0))
            (local.set $acc1 (v128.const i64x2 0 0))
            (local.set $acc2 (v128.const i64x2 0 0))
            (local.set $acc3 (v128.const i64x2 0 0))
            (local.set $i (i32.const 0))
            (block $idone
              (loop $inext
                (br_if $idone (i32.ge_u (local.get $i) (local.get $dh)))
                (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (v128.load (local.get $qp)) (v128.load (local.get $kp)))))
                (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (v128.load offset=16 (local.get $qp)) (v128.load offset=16 (local.get $kp)))))
                (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (v128.load offset=32 (local.get $qp)) (v128.load offset=32 (local.get $kp)))))
                (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (v128.load offset=48 (local.get $qp)) (v128.load offset=48 (local.get $kp)))))
                (local.set $qp (i32.add (local.get $qp) (i32.const 64)))
                (local.set $kp (i32.add (local.get $kp) (i32.const 64)))
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (br $inext)))
            (local.set $acc0 (f32x4.add (f32x4.add (local.get $acc0) (local.get $acc1)) (f32x4.add (local.get $acc2) (local.get $acc3))))
            (f64.store
              (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $h) (local.get $n)) (local.get $t)) (i32.const 3)))
              (f64.promote_f32
                (f32.add
                  (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
                  (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0))))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $tnext)))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br $hnext))))

  ;; values64 in f32 lanes: weights rounded to f32, sums in f32, widened on the way out.
  (func (export "values32") (param $w i32) (param $sums i32) (param $bases i32) (param $n i32) (param $heads i32) (param $dh i32) (param $vAdd i32) (param $out i32)
    (local $h i32) (local $t i32) (local $i i32) (local $p i32) (local $s f64) (local $wp i32) (local $vp i32)
    (local $a v128) (local $acc0 v128) (local $acc1 v128)
    (block $hdone
      (loop $hnext
        (br_if $hdone (i32.ge_u (local.get $h) (local.get $heads)))
        (local.set $s (f64.load (i32.add (local.get $sums) (i32.shl (local.get $h) (i32.const 3)))))
        (local.set $wp (i32.add (local.get $w) (i32.shl (i32.mul (local.get $h) (local.get $n)) (i32.const 3))))
        (local.set $i (i32.const 0))
        (block $idone
          (loop $inext
            (br_if $idone (i32.ge_u (local.get $i) (local.get $dh)))
            (local.set $acc0 (v128.const i64x2 0 0))
            (local.set $acc1 (v128.const i64x2 0 0))
            (local.set $p (i32.add (local.get $vAdd) (i32.shl (i32.add (i32.mul (local.get $h) (local.get $dh)) (local.get $i)) (i32.const 2))))
            (local.set $t (i32.const 0))
            (block $tdone
              (loop $tnext
                (br_if $tdone (i32.ge_u (local.get $t) (local.get $n)))
                (local.set $a
                  (f32x4.splat (f32.demote_f64 (f64.div (f64.load (i32.add (local.get $wp) (i32.shl (local.get $t) (i32.const 3)))) (local.get $s)))))
                (local.set $vp (i32.add (i32.load (i32.add (local.get $bases) (i32.shl (local.get $t) (i32.const 2)))) (local.get $p)))
                (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $a) (v128.load (local.get $vp)))))
                (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $a) (v128.load offset=16 (local.get $vp)))))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $tnext)))
            (local.set $vp (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $h) (local.get $dh)) (local.get $i)) (i32.const 3))))
            (v128.store (local.get $vp) (f64x2.promote_low_f32x4 (local.get $acc0)))
            (v128.store offset=16 (local.get $vp)
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $acc0) (local.get $acc0))))
            (v128.store offset=32 (local.get $vp) (f64x2.promote_low_f32x4 (local.get $acc1)))
            (v128.store offset=48 (local.get $vp)
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $acc1) (local.get $acc1))))
            (local.set $i (i32.add (local.get $i) (i32.const 8)))
            (br $inext)))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br $hnext)))))
