;; WebAssembly SIMD twin of hostAttention.ts (the decoder's host attention), compiled by
;; `npm run build:wasm` (wabt) into hostAttentionWasm.ts. Pointers are byte offsets into the
;; exported memory; keys are f32 rows, a key's value row starts `vAdd` bytes after it.
;;
;; The f64 kernels (dots64, values64) give the scalar kernels' results bit for bit: every product
;; is an f64 product of the same operands and every sum runs in the scalar loop's order (over i for
;; a score, over t for an output element). The lanes hold different keys (dots) or different output
;; elements (values), never parts of one sum. wasm has no fused multiply-add, so nothing contracts.
;; The f32 kernels (dots32, values32) sum in f32 lanes: faster, not bit-identical. attendRows runs
;; the decoder's whole attention of a block for a step's rows (scores, relative terms, softmax with
;; fdlibm's exp, weighted values) in one call.
(module
  (memory (export "memory") 1)

  ;; out[h·n + t] = Σ_i q[h·dh + i] · key_t[h·dh + i], in f64, i ascending; q is f32 at $q,
  ;; promoted to f64 at $q64 (heads·dh values). Key t's row at bases[t] (i32). Four keys per pass:
  ;; lanes (t, t+1) and (t+2, t+3); past n the last key is repeated and its lanes not stored.
  (func $dots64 (export "dots64") (param $q i32) (param $q64 i32) (param $bases i32) (param $n i32) (param $heads i32) (param $dh i32) (param $out i32)
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
  (func $values64 (export "values64") (param $w i32) (param $sums i32) (param $bases i32) (param $n i32) (param $heads i32) (param $dh i32) (param $vAdd i32) (param $out i32)
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
  ;; pairwise, (l0 + l1) + (l2 + l3). Scores go out in f32, head h's at $out + 4·h·n4 (n4 = n
  ;; rounded up to four; lanes past n hold the last key's score again). Four keys a pass: two at a
  ;; time share each load of the query, and one transpose adds the four keys' lanes in the order of
  ;; a single key's sum. dh must be a multiple of 16; bases must have room for n4 pointers.
  (func $dots32 (export "dots32") (param $q i32) (param $bases i32) (param $n i32) (param $heads i32) (param $dh i32) (param $out i32)
    (local $h i32) (local $t i32) (local $kh i32) (local $bp i32) (local $n4 i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    ;; pad the key pointers to a multiple of four with the last key
    (local.set $t (local.get $n))
    (block $pdone
      (loop $pnext
        (br_if $pdone (i32.eqz (i32.and (local.get $t) (i32.const 3))))
        (i32.store (i32.add (local.get $bases) (i32.shl (local.get $t) (i32.const 2)))
          (i32.load (i32.add (local.get $bases) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 2)))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $pnext)))
    (local.set $n4 (i32.shl (i32.and (i32.add (local.get $n) (i32.const 3)) (i32.const -4)) (i32.const 2)))
    (local.set $t (i32.const 0))
    (block $tdone
      (loop $tnext
        (br_if $tdone (i32.ge_u (local.get $t) (local.get $n)))
        (local.set $bp (i32.add (local.get $bases) (i32.shl (local.get $t) (i32.const 2))))
        ;; every head of these four keys, so that each key row is read once, in order
        (local.set $h (i32.const 0))
        (block $hdone
          (loop $hnext
            (br_if $hdone (i32.ge_u (local.get $h) (local.get $heads)))
            (local.set $kh (i32.shl (i32.mul (local.get $h) (local.get $dh)) (i32.const 2)))
            (call $dot2 (i32.add (local.get $q) (local.get $kh)) (local.get $dh)
              (i32.add (i32.load (local.get $bp)) (local.get $kh))
              (i32.add (i32.load offset=4 (local.get $bp)) (local.get $kh)))
            (local.set $b)
            (local.set $a)
            (call $dot2 (i32.add (local.get $q) (local.get $kh)) (local.get $dh)
              (i32.add (i32.load offset=8 (local.get $bp)) (local.get $kh))
              (i32.add (i32.load offset=12 (local.get $bp)) (local.get $kh)))
            (local.set $d)
            (local.set $c)
            ;; [a0+a1, a2+a3, b0+b1, b2+b3], likewise c, d; then [A, B, C, D]
            (local.set $a
              (f32x4.add
                (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a) (local.get $b))
                (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a) (local.get $b))))
            (local.set $c
              (f32x4.add
                (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $c) (local.get $d))
                (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $c) (local.get $d))))
            (v128.store (i32.add (i32.add (local.get $out) (i32.mul (local.get $h) (local.get $n4))) (i32.shl (local.get $t) (i32.const 2)))
              (f32x4.add
                (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a) (local.get $c))
                (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a) (local.get $c))))
            (local.set $h (i32.add (local.get $h) (i32.const 1)))
            (br $hnext)))
        (local.set $t (i32.add (local.get $t) (i32.const 4)))
        (br $tnext))))

  ;; Two keys (rows at $ka, $kb) against one query head (dh f32 at $q): each key's four partial sums
  ;; (i mod 16 in blocks of four), added as (acc0 + acc1) + (acc2 + acc3).
  (func $dot2 (param $q i32) (param $dh i32) (param $ka i32) (param $kb i32) (result v128 v128)
    (local $i i32) (local $x v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (block $idone
      (loop $inext
        (br_if $idone (i32.ge_u (local.get $i) (local.get $dh)))
        (local.set $x (v128.load (local.get $q)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x) (v128.load (local.get $ka)))))
        (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $x) (v128.load (local.get $kb)))))
        (local.set $x (v128.load offset=16 (local.get $q)))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $ka)))))
        (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $kb)))))
        (local.set $x (v128.load offset=32 (local.get $q)))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x) (v128.load offset=32 (local.get $ka)))))
        (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $x) (v128.load offset=32 (local.get $kb)))))
        (local.set $x (v128.load offset=48 (local.get $q)))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x) (v128.load offset=48 (local.get $ka)))))
        (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $x) (v128.load offset=48 (local.get $kb)))))
        (local.set $q (i32.add (local.get $q) (i32.const 64)))
        (local.set $ka (i32.add (local.get $ka) (i32.const 64)))
        (local.set $kb (i32.add (local.get $kb) (i32.const 64)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $inext)))
    (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))
    (f32x4.add (f32x4.add (local.get $b0) (local.get $b1)) (f32x4.add (local.get $b2) (local.get $b3))))

  ;; values64 in f32 lanes: weights rounded to f32, sums in f32, widened on the way out.
  (func $values32 (export "values32") (param $w i32) (param $sums i32) (param $bases i32) (param $n i32) (param $heads i32) (param $dh i32) (param $vAdd i32) (param $out i32)
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
        (br $hnext))))

  ;; exp(x) in f64, fdlibm's e_exp.c: the same bits as V8's Math.exp in Node (ieee754::exp), so the
  ;; softmax below gives what the decoder's JS softmax gives there. (Chrome's newer V8 rounds some
  ;; exps differently; this kernel gives the same bits in both.)
  (func $exp (param $x f64) (result f64)
    (local $hx i32) (local $xsb i32) (local $k i32) (local $hi f64) (local $lo f64) (local $t f64) (local $c f64) (local $y f64)
    ;; V8 returns Math.E for exp(1) (fdlibm's polynomial gives one ulp more)
    (if (f64.eq (local.get $x) (f64.const 1)) (then (return (f64.const 2.718281828459045))))
    (local.set $hx (i32.wrap_i64 (i64.shr_u (i64.reinterpret_f64 (local.get $x)) (i64.const 32))))
    (local.set $xsb (i32.shr_u (local.get $hx) (i32.const 31)))
    (local.set $hx (i32.and (local.get $hx) (i32.const 0x7fffffff)))
    ;; |x| ≥ 709.78: NaN, ±inf, overflow, underflow
    (if (i32.ge_u (local.get $hx) (i32.const 0x40862E42))
      (then
        (if (i32.ge_u (local.get $hx) (i32.const 0x7ff00000))
          (then
            (if (f64.ne (local.get $x) (local.get $x)) (then (return (f64.add (local.get $x) (local.get $x)))))
            (if (local.get $xsb) (then (return (f64.const 0))))
            (return (local.get $x))))
        (if (f64.gt (local.get $x) (f64.const 7.09782712893383973096e+02)) (then (return (f64.const inf))))
        (if (f64.lt (local.get $x) (f64.const -7.45133219101941108420e+02)) (then (return (f64.const 0))))))
    ;; argument reduction: x = k·ln2 + r, |r| ≤ ln2 / 2, r as hi − lo
    (if (i32.gt_u (local.get $hx) (i32.const 0x3fd62e42))
      (then
        (if (i32.lt_u (local.get $hx) (i32.const 0x3FF0A2B2))
          (then
            (if (local.get $xsb)
              (then
                (local.set $hi (f64.add (local.get $x) (f64.const 6.93147180369123816490e-01)))
                (local.set $lo (f64.const -1.90821492927058770002e-10))
                (local.set $k (i32.const -1)))
              (else
                (local.set $hi (f64.sub (local.get $x) (f64.const 6.93147180369123816490e-01)))
                (local.set $lo (f64.const 1.90821492927058770002e-10))
                (local.set $k (i32.const 1)))))
          (else
            (local.set $k
              (i32.trunc_f64_s
                (f64.add (f64.mul (f64.const 1.44269504088896338700e+00) (local.get $x))
                  (select (f64.const -0.5) (f64.const 0.5) (local.get $xsb)))))
            (local.set $t (f64.convert_i32_s (local.get $k)))
            (local.set $hi (f64.sub (local.get $x) (f64.mul (local.get $t) (f64.const 6.93147180369123816490e-01))))
            (local.set $lo (f64.mul (local.get $t) (f64.const 1.90821492927058770002e-10)))))
        (local.set $x (f64.sub (local.get $hi) (local.get $lo))))
      (else
        (if (i32.lt_u (local.get $hx) (i32.const 0x3e300000))
          (then (return (f64.add (f64.const 1) (local.get $x)))))))
    (local.set $t (f64.mul (local.get $x) (local.get $x)))
    (local.set $c
      (f64.sub (local.get $x)
        (f64.mul (local.get $t)
          (f64.add (f64.const 1.66666666666666019037e-01)
            (f64.mul (local.get $t)
              (f64.add (f64.const -2.77777777770155933842e-03)
                (f64.mul (local.get $t)
                  (f64.add (f64.const 6.61375632143793436117e-05)
                    (f64.mul (local.get $t)
                      (f64.add (f64.const -1.65339022054652515390e-06)
                        (f64.mul (local.get $t) (f64.const 4.13813679705723846039e-08))))))))))))
    (if (i32.eqz (local.get $k))
      (then
        (return
          (f64.sub (f64.const 1)
            (f64.sub (f64.div (f64.mul (local.get $x) (local.get $c)) (f64.sub (local.get $c) (f64.const 2))) (local.get $x))))))
    (local.set $y
      (f64.sub (f64.const 1)
        (f64.sub
          (f64.sub (local.get $lo) (f64.div (f64.mul (local.get $x) (local.get $c)) (f64.sub (f64.const 2) (local.get $c))))
          (local.get $hi))))
    (if (i32.ge_s (local.get $k) (i32.const -1021))
      (then
        (if (i32.eq (local.get $k) (i32.const 1024))
          (then (return (f64.mul (f64.mul (local.get $y) (f64.const 2)) (f64.const 8.98846567431158e+307)))))
        (return
          (f64.mul (local.get $y)
            (f64.reinterpret_i64
              (i64.shl (i64.extend_i32_u (i32.add (i32.const 0x3ff00000) (i32.shl (local.get $k) (i32.const 20)))) (i64.const 32)))))))
    (f64.mul
      (f64.mul (local.get $y)
        (f64.reinterpret_i64
          (i64.shl (i64.extend_i32_u (i32.add (i32.const 0x3ff00000) (i32.shl (i32.add (local.get $k) (i32.const 1000)) (i32.const 20)))) (i64.const 32))))
      (f64.const 9.33263618503218878990e-302)))

  (func (export "exp") (param $x f64) (result f64) (call $exp (local.get $x)))

  ;; The query's head h against the relative-key weights, in f64, i ascending: q·kw0, q·kw1, q·kb.
  (func $relQuery (param $q i32) (param $rel i32) (param $h i32) (param $dh i32) (result f64 f64 f64)
    (local $i i32) (local $o i32) (local $qi f64) (local $qd f64) (local $qg f64) (local $qb f64)
    (local.set $qd (f64.const 0))
    (local.set $qg (f64.const 0))
    (local.set $qb (f64.const 0))
    (local.set $i (i32.const 0))
    (block $idone
      (loop $inext
        (br_if $idone (i32.ge_u (local.get $i) (local.get $dh)))
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (local.set $qi
          (f64.promote_f32 (f32.load (i32.add (local.get $q) (i32.shl (i32.add (i32.mul (local.get $h) (local.get $dh)) (local.get $i)) (i32.const 2))))))
        (local.set $qd (f64.add (local.get $qd) (f64.mul (local.get $qi) (f64.promote_f32 (f32.load (i32.add (local.get $rel) (local.get $o)))))))
        (local.set $o (i32.add (local.get $o) (i32.shl (local.get $dh) (i32.const 2))))
        (local.set $qg (f64.add (local.get $qg) (f64.mul (local.get $qi) (f64.promote_f32 (f32.load (i32.add (local.get $rel) (local.get $o)))))))
        (local.set $o (i32.add (local.get $o) (i32.shl (local.get $dh) (i32.const 2))))
        (local.set $qb (f64.add (local.get $qb) (f64.mul (local.get $qi) (f64.promote_f32 (f32.load (i32.add (local.get $rel) (local.get $o)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $inext)))
    (local.get $qd) (local.get $qg) (local.get $qb))

  ;; attendRows' relative terms and softmax in f64 lanes, for one row's H heads: the arithmetic of the
  ;; decoder's attend() in its order, so the same bits. Scores at $scores become unnormalised weights
  ;; in place, their sums go to $sums, the relative value weights to $adg.
  (func $softmax64
    (param $q i32) (param $rel i32) (param $n i32) (param $H i32) (param $dh i32) (param $scores i32)
    (param $sums i32) (param $adg i32) (param $dist i32) (param $gap i32) (param $scale f64)
    (local $h i32) (local $t i32) (local $so i32) (local $o i32)
    (local $qd f64) (local $qg f64) (local $qb f64) (local $s f64) (local $max f64) (local $sum f64)
    (local $a f64) (local $ad f64) (local $ag f64) (local $dt f64) (local $gt f64)
    (block $hdone
      (loop $hnext
        (br_if $hdone (i32.ge_u (local.get $h) (local.get $H)))
        ;; the query against the relative-key weights
        (call $relQuery (local.get $q) (local.get $rel) (local.get $h) (local.get $dh))
        (local.set $qb)
        (local.set $qg)
        (local.set $qd)
        ;; scores with the relative term, their max
        (local.set $so (i32.add (local.get $scores) (i32.shl (i32.mul (local.get $h) (local.get $n)) (i32.const 3))))
        (local.set $max (f64.const -inf))
        (local.set $t (i32.const 0))
        (block $tdone
          (loop $tnext
            (br_if $tdone (i32.ge_u (local.get $t) (local.get $n)))
            (local.set $o (i32.add (local.get $so) (i32.shl (local.get $t) (i32.const 3))))
            (local.set $dt (f64.promote_f32 (f32.load (i32.add (local.get $dist) (i32.shl (local.get $t) (i32.const 2))))))
            (local.set $gt (f64.promote_f32 (f32.load (i32.add (local.get $gap) (i32.shl (local.get $t) (i32.const 2))))))
            (local.set $s
              (f64.mul
                (f64.add (f64.load (local.get $o))
                  (f64.add (f64.add (f64.mul (local.get $qd) (local.get $dt)) (f64.mul (local.get $qg) (local.get $gt))) (local.get $qb)))
                (local.get $scale)))
            (f64.store (local.get $o) (local.get $s))
            (if (f64.gt (local.get $s) (local.get $max)) (then (local.set $max (local.get $s))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $tnext)))
        ;; softmax weights in place (unnormalised) and their sum
        (local.set $sum (f64.const 0))
        (local.set $t (i32.const 0))
        (block $edone
          (loop $enext
            (br_if $edone (i32.ge_u (local.get $t) (local.get $n)))
            (local.set $o (i32.add (local.get $so) (i32.shl (local.get $t) (i32.const 3))))
            (local.set $s (call $exp (f64.sub (f64.load (local.get $o)) (local.get $max))))
            (f64.store (local.get $o) (local.get $s))
            (local.set $sum (f64.add (local.get $sum) (local.get $s)))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $enext)))
        ;; the relative value term's weights
        (local.set $ad (f64.const 0))
        (local.set $ag (f64.const 0))
        (local.set $t (i32.const 0))
        (block $wdone
          (loop $wnext
            (br_if $wdone (i32.ge_u (local.get $t) (local.get $n)))
            (local.set $a (f64.div (f64.load (i32.add (local.get $so) (i32.shl (local.get $t) (i32.const 3)))) (local.get $sum)))
            (local.set $ad
              (f64.add (local.get $ad) (f64.mul (local.get $a) (f64.promote_f32 (f32.load (i32.add (local.get $dist) (i32.shl (local.get $t) (i32.const 2))))))))
            (local.set $ag
              (f64.add (local.get $ag) (f64.mul (local.get $a) (f64.promote_f32 (f32.load (i32.add (local.get $gap) (i32.shl (local.get $t) (i32.const 2))))))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $wnext)))
        (f64.store (i32.add (local.get $sums) (i32.shl (local.get $h) (i32.const 3))) (local.get $sum))
        (f64.store (i32.add (local.get $adg) (i32.shl (local.get $h) (i32.const 4))) (local.get $ad))
        (f64.store offset=8 (i32.add (local.get $adg) (i32.shl (local.get $h) (i32.const 4))) (local.get $ag))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br $hnext))))

  ;; attendRows' relative terms and softmax in f32 lanes (lanes32), four keys at a time, for one
  ;; row's H heads: the f32 scores dots32 left at $tmp get the relative term and the scale, the
  ;; weights are e^(s − max) by exp4 (exp4.body.wat, in line) over their sum, kept at $tmp for
  ;; $values32n (head h's n weights at $tmp + 4·h·n4, n4 = n rounded up to four, zero past n); the
  ;; relative value weights (Σ e·dist / Σ e, likewise gap) go to $adg. Lanes past n are masked out.
  (func $softmax32
    (param $q i32) (param $rel i32) (param $n i32) (param $H i32) (param $dh i32)
    (param $sums i32) (param $adg i32) (param $dist i32) (param $gap i32) (param $scale f32) (param $tmp i32)
    (local $h i32) (local $t i32) (local $o i32) (local $th i32)
    (local $qd f64) (local $qg f64) (local $qb f64) (local $sum f32)
    (local $vqd v128) (local $vqg v128) (local $vqb v128) (local $s v128) (local $vmax v128) (local $e v128)
    (local $vsum v128) (local $vad v128) (local $vag v128) (local $d4 v128) (local $g4 v128) (local $valid v128)
    (local $xe v128) (local $ne v128) (local $re v128) (local $ye v128)
    (block $hdone
      (loop $hnext
        (br_if $hdone (i32.ge_u (local.get $h) (local.get $H)))
        ;; the query against the relative-key weights (f64, as the f64 path, then rounded)
        (call $relQuery (local.get $q) (local.get $rel) (local.get $h) (local.get $dh))
        (local.set $qb)
        (local.set $qg)
        (local.set $qd)
        (local.set $vqd (f32x4.splat (f32.demote_f64 (local.get $qd))))
        (local.set $vqg (f32x4.splat (f32.demote_f64 (local.get $qg))))
        (local.set $vqb (f32x4.splat (f32.demote_f64 (local.get $qb))))
        (local.set $th
          (i32.add (local.get $tmp) (i32.shl (i32.mul (local.get $h) (i32.and (i32.add (local.get $n) (i32.const 3)) (i32.const -4))) (i32.const 2))))
        ;; s = (score + qd·dist + qg·gap + qb) · scale, masked past n; its max
        (local.set $vmax (f32x4.splat (f32.const -inf)))
        (local.set $t (i32.const 0))
        (block $tdone
          (loop $tnext
            (br_if $tdone (i32.ge_u (local.get $t) (local.get $n)))
            (local.set $s (v128.load (i32.add (local.get $th) (i32.shl (local.get $t) (i32.const 2)))))
            (local.set $d4 (v128.load (i32.add (local.get $dist) (i32.shl (local.get $t) (i32.const 2)))))
            (local.set $g4 (v128.load (i32.add (local.get $gap) (i32.shl (local.get $t) (i32.const 2)))))
            (local.set $s
              (f32x4.mul
                (f32x4.add (local.get $s)
                  (f32x4.add (f32x4.add (f32x4.mul (local.get $vqd) (local.get $d4)) (f32x4.mul (local.get $vqg) (local.get $g4))) (local.get $vqb)))
                (f32x4.splat (local.get $scale))))
            (local.set $valid
              (i32x4.lt_s (i32x4.add (i32x4.splat (local.get $t)) (v128.const i32x4 0 1 2 3)) (i32x4.splat (local.get $n))))
            (local.set $s (v128.bitselect (local.get $s) (f32x4.splat (f32.const -inf)) (local.get $valid)))
            (v128.store (i32.add (local.get $th) (i32.shl (local.get $t) (i32.const 2))) (local.get $s))
            (local.set $vmax (f32x4.pmax (local.get $vmax) (local.get $s)))
            (local.set $t (i32.add (local.get $t) (i32.const 4)))
            (br $tnext)))
        (local.set $vmax
          (f32x4.splat
            (f32.max
              (f32.max (f32x4.extract_lane 0 (local.get $vmax)) (f32x4.extract_lane 1 (local.get $vmax)))
              (f32.max (f32x4.extract_lane 2 (local.get $vmax)) (f32x4.extract_lane 3 (local.get $vmax))))))
        ;; weights e^(s − max), their sum and the relative value weights
        (local.set $vsum (v128.const i32x4 0 0 0 0))
        (local.set $vad (v128.const i32x4 0 0 0 0))
        (local.set $vag (v128.const i32x4 0 0 0 0))
        (local.set $t (i32.const 0))
        (block $edone
          (loop $enext
            (br_if $edone (i32.ge_u (local.get $t) (local.get $n)))
            (local.set $valid
              (i32x4.lt_s (i32x4.add (i32x4.splat (local.get $t)) (v128.const i32x4 0 1 2 3)) (i32x4.splat (local.get $n))))
            ;; e^(s − max), exp4 inline (a call per four keys cost more than its arithmetic)
            (local.set $xe (f32x4.sub (v128.load (i32.add (local.get $th) (i32.shl (local.get $t) (i32.const 2)))) (local.get $vmax)))
            ;; @include exp4.body.wat e
            (local.set $e (v128.and (local.get $ye) (local.get $valid)))
            (v128.store (i32.add (local.get $th) (i32.shl (local.get $t) (i32.const 2))) (local.get $e))
            (local.set $vsum (f32x4.add (local.get $vsum) (local.get $e)))
            (local.set $vad (f32x4.add (local.get $vad) (f32x4.mul (local.get $e) (v128.load (i32.add (local.get $dist) (i32.shl (local.get $t) (i32.const 2)))))))
            (local.set $vag (f32x4.add (local.get $vag) (f32x4.mul (local.get $e) (v128.load (i32.add (local.get $gap) (i32.shl (local.get $t) (i32.const 2)))))))
            (local.set $t (i32.add (local.get $t) (i32.const 4)))
            (br $enext)))
        (local.set $sum (call $hsum (local.get $vsum)))
        (f64.store (i32.add (local.get $sums) (i32.shl (local.get $h) (i32.const 3))) (f64.promote_f32 (local.get $sum)))
        (f64.store (i32.add (local.get $adg) (i32.shl (local.get $h) (i32.const 4)))
          (f64.promote_f32 (f32.div (call $hsum (local.get $vad)) (local.get $sum))))
        (f64.store offset=8 (i32.add (local.get $adg) (i32.shl (local.get $h) (i32.const 4)))
          (f64.promote_f32 (f32.div (call $hsum (local.get $vag)) (local.get $sum))))
        ;; the weights over their sum, in place
        (local.set $e (f32x4.splat (local.get $sum)))
        (local.set $t (i32.const 0))
        (block $wdone
          (loop $wnext
            (br_if $wdone (i32.ge_u (local.get $t) (local.get $n)))
            (local.set $o (i32.add (local.get $th) (i32.shl (local.get $t) (i32.const 2))))
            (v128.store (local.get $o) (f32x4.div (v128.load (local.get $o)) (local.get $e)))
            (local.set $t (i32.add (local.get $t) (i32.const 4)))
            (br $wnext)))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br $hnext))))

  ;; @include hsum.wat

  ;; out[h·dh + i] = Σ_t w_h[t] · value_t[h·dh + i] in f32 lanes, t ascending, from the normalised
  ;; f32 weights $softmax32 leaves at $w (head h at $w + 4·h·n4); widened to f64 on the way out.
  ;; Thirty-two elements a pass (eight accumulators), sixteen for the last pass where dh mod 32 is
  ;; 16: each key's weight and pointer are read once for every 32 outputs. dh must be a multiple of 16.
  (func $values32n (param $w i32) (param $bases i32) (param $n i32) (param $heads i32) (param $dh i32) (param $vAdd i32) (param $out i32)
    (local $h i32) (local $t i32) (local $i i32) (local $p i32) (local $wp i32) (local $vp i32) (local $op i32)
    (local $a v128) (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $acc4 v128) (local $acc5 v128) (local $acc6 v128) (local $acc7 v128)
    (block $hdone
      (loop $hnext
        (br_if $hdone (i32.ge_u (local.get $h) (local.get $heads)))
        (local.set $wp
          (i32.add (local.get $w) (i32.shl (i32.mul (local.get $h) (i32.and (i32.add (local.get $n) (i32.const 3)) (i32.const -4))) (i32.const 2))))
        (local.set $i (i32.const 0))
        (block $idone
          (loop $inext
            (br_if $idone (i32.ge_u (local.get $i) (local.get $dh)))
            (local.set $p (i32.add (local.get $vAdd) (i32.shl (i32.add (i32.mul (local.get $h) (local.get $dh)) (local.get $i)) (i32.const 2))))
            (local.set $op (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $h) (local.get $dh)) (local.get $i)) (i32.const 3))))
            (local.set $acc0 (v128.const i64x2 0 0))
            (local.set $acc1 (v128.const i64x2 0 0))
            (local.set $acc2 (v128.const i64x2 0 0))
            (local.set $acc3 (v128.const i64x2 0 0))
            (local.set $t (i32.const 0))
            (if (i32.ge_u (i32.sub (local.get $dh) (local.get $i)) (i32.const 32))
              (then
                (local.set $acc4 (v128.const i64x2 0 0))
                (local.set $acc5 (v128.const i64x2 0 0))
                (local.set $acc6 (v128.const i64x2 0 0))
                (local.set $acc7 (v128.const i64x2 0 0))
                (block $tdone
                  (loop $tnext
                    (br_if $tdone (i32.ge_u (local.get $t) (local.get $n)))
                    (local.set $a (v128.load32_splat (i32.add (local.get $wp) (i32.shl (local.get $t) (i32.const 2)))))
                    (local.set $vp (i32.add (i32.load (i32.add (local.get $bases) (i32.shl (local.get $t) (i32.const 2)))) (local.get $p)))
                    (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $a) (v128.load (local.get $vp)))))
                    (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $a) (v128.load offset=16 (local.get $vp)))))
                    (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (local.get $a) (v128.load offset=32 (local.get $vp)))))
                    (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (local.get $a) (v128.load offset=48 (local.get $vp)))))
                    (local.set $acc4 (f32x4.add (local.get $acc4) (f32x4.mul (local.get $a) (v128.load offset=64 (local.get $vp)))))
                    (local.set $acc5 (f32x4.add (local.get $acc5) (f32x4.mul (local.get $a) (v128.load offset=80 (local.get $vp)))))
                    (local.set $acc6 (f32x4.add (local.get $acc6) (f32x4.mul (local.get $a) (v128.load offset=96 (local.get $vp)))))
                    (local.set $acc7 (f32x4.add (local.get $acc7) (f32x4.mul (local.get $a) (v128.load offset=112 (local.get $vp)))))
                    (local.set $t (i32.add (local.get $t) (i32.const 1)))
                    (br $tnext)))
                (call $widen16 (i32.add (local.get $op) (i32.const 128)) (local.get $acc4) (local.get $acc5) (local.get $acc6) (local.get $acc7))
                (local.set $i (i32.add (local.get $i) (i32.const 16))))
              (else
                (block $t16done
                  (loop $t16next
                    (br_if $t16done (i32.ge_u (local.get $t) (local.get $n)))
                    (local.set $a (v128.load32_splat (i32.add (local.get $wp) (i32.shl (local.get $t) (i32.const 2)))))
                    (local.set $vp (i32.add (i32.load (i32.add (local.get $bases) (i32.shl (local.get $t) (i32.const 2)))) (local.get $p)))
                    (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $a) (v128.load (local.get $vp)))))
                    (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $a) (v128.load offset=16 (local.get $vp)))))
                    (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (local.get $a) (v128.load offset=32 (local.get $vp)))))
                    (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (local.get $a) (v128.load offset=48 (local.get $vp)))))
                    (local.set $t (i32.add (local.get $t) (i32.const 1)))
                    (br $t16next)))))
            (call $widen16 (local.get $op) (local.get $acc0) (local.get $acc1) (local.get $acc2) (local.get $acc3))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $inext)))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br $hnext))))

  ;; Sixteen f32 (four vectors) widened to f64 at $p.
  (func $widen16 (param $p i32) (param $x0 v128) (param $x1 v128) (param $x2 v128) (param $x3 v128)
    (v128.store (local.get $p) (f64x2.promote_low_f32x4 (local.get $x0)))
    (v128.store offset=16 (local.get $p) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x0) (local.get $x0))))
    (v128.store offset=32 (local.get $p) (f64x2.promote_low_f32x4 (local.get $x1)))
    (v128.store offset=48 (local.get $p) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x1) (local.get $x1))))
    (v128.store offset=64 (local.get $p) (f64x2.promote_low_f32x4 (local.get $x2)))
    (v128.store offset=80 (local.get $p) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x2) (local.get $x2))))
    (v128.store offset=96 (local.get $p) (f64x2.promote_low_f32x4 (local.get $x3)))
    (v128.store offset=112 (local.get $p) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x3) (local.get $x3)))))

  ;; The whole attention of one block for R query rows, the decoder's attend() in one call, with the
  ;; same bits. Row r: its query, key and value are row r of the qkv rows at $qkv ([R, 3D] f32); its
  ;; earlier keys are in its ancestors' slots (keys/values [layer][k, v][D] f32 from +16), whose
  ;; addresses the parent's slot lists at +$chainOff (origin first).
  ;; $rows: per row four i32: n (keys), parent slot, and the addresses of its n pair features
  ;; (distance, gap; f32). $rel: this layer's relative terms, six f32 rows of dh (kw0, kw1, kb, vw0,
  ;; vw1, vb). Scratch at $bases (n + 4 i32), $q64 (D f64), $scores (H·n f64), $sums (H f64),
  ;; $adg (2H f64), $acc (D f64). Output: row r's D values at $y + 4·r·D (f32). $lanes32: the scores,
  ;; softmax and weighted values in f32 lanes (dots32, $softmax32 with its weights at $tmp, $values32n; not
  ;; the same bits) instead of f64.
  (func (export "attendRows")
    (param $R i32) (param $layer i32) (param $D i32) (param $H i32) (param $qkv i32) (param $rows i32) (param $rel i32)
    (param $bases i32) (param $q64 i32) (param $scores i32) (param $sums i32) (param $adg i32) (param $acc i32)
    (param $y i32) (param $scale f64) (param $lanes32 i32) (param $tmp i32) (param $chainOff i32)
    (local $r i32) (local $n i32) (local $p i32) (local $t i32) (local $h i32) (local $i i32) (local $dh i32)
    (local $row i32) (local $dist i32) (local $gap i32) (local $q i32) (local $kOff i32) (local $o i32)
    (local $ad f64) (local $ag f64)
    (local.set $dh (i32.div_u (local.get $D) (local.get $H)))
    (local.set $kOff (i32.add (i32.const 16) (i32.shl (i32.mul (local.get $layer) (local.get $D)) (i32.const 3))))
    (block $rdone
      (loop $rnext
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $R)))
        (local.set $row (i32.add (local.get $rows) (i32.shl (local.get $r) (i32.const 4))))
        (local.set $n (i32.load (local.get $row)))
        (local.set $dist (i32.load offset=8 (local.get $row)))
        (local.set $gap (i32.load offset=12 (local.get $row)))
        (local.set $q (i32.add (local.get $qkv) (i32.mul (i32.mul (local.get $r) (i32.const 12)) (local.get $D))))
        ;; key pointers: the parent's chain (its n − 1 positions' slots, in order), then this row's own key
        (local.set $p (i32.add (i32.load offset=4 (local.get $row)) (local.get $chainOff)))
        (local.set $t (i32.const 0))
        (block $cdone
          (loop $cnext
            (br_if $cdone (i32.ge_s (local.get $t) (i32.sub (local.get $n) (i32.const 1))))
            (i32.store (i32.add (local.get $bases) (i32.shl (local.get $t) (i32.const 2)))
              (i32.add (i32.load (i32.add (local.get $p) (i32.shl (local.get $t) (i32.const 2)))) (local.get $kOff)))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $cnext)))
        (i32.store
          (i32.add (local.get $bases) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 2)))
          (i32.add (local.get $q) (i32.shl (local.get $D) (i32.const 2))))
        (if (local.get $lanes32)
          (then (call $dots32 (local.get $q) (local.get $bases) (local.get $n) (local.get $H) (local.get $dh) (local.get $tmp)))
          (else (call $dots64 (local.get $q) (local.get $q64) (local.get $bases) (local.get $n) (local.get $H) (local.get $dh) (local.get $scores))))
        (if (local.get $lanes32)
          (then
            (call $softmax32 (local.get $q) (local.get $rel) (local.get $n) (local.get $H) (local.get $dh)
              (local.get $sums) (local.get $adg) (local.get $dist) (local.get $gap) (f32.demote_f64 (local.get $scale)) (local.get $tmp)))
          (else
            (call $softmax64 (local.get $q) (local.get $rel) (local.get $n) (local.get $H) (local.get $dh) (local.get $scores)
              (local.get $sums) (local.get $adg) (local.get $dist) (local.get $gap) (local.get $scale))))
        (if (local.get $lanes32)
          (then
            (call $values32n
              (local.get $tmp) (local.get $bases) (local.get $n) (local.get $H) (local.get $dh)
              (i32.shl (local.get $D) (i32.const 2)) (local.get $acc)))
          (else
            (call $values64
              (local.get $scores) (local.get $sums) (local.get $bases) (local.get $n) (local.get $H) (local.get $dh)
              (i32.shl (local.get $D) (i32.const 2)) (local.get $acc))))
        ;; out = acc + ad · vw0 + ag · vw1 + vb, left to right, rounded to f32
        (local.set $h (i32.const 0))
        (block $odone
          (loop $onext
            (br_if $odone (i32.ge_u (local.get $h) (local.get $H)))
            (local.set $ad (f64.load (i32.add (local.get $adg) (i32.shl (local.get $h) (i32.const 4)))))
            (local.set $ag (f64.load offset=8 (i32.add (local.get $adg) (i32.shl (local.get $h) (i32.const 4)))))
            (local.set $i (i32.const 0))
            (block $idone2
              (loop $inext2
                (br_if $idone2 (i32.ge_u (local.get $i) (local.get $dh)))
                (local.set $o (i32.add (i32.mul (local.get $h) (local.get $dh)) (local.get $i)))
                (local.set $p (i32.add (local.get $rel) (i32.shl (i32.add (i32.mul (local.get $dh) (i32.const 3)) (local.get $i)) (i32.const 2))))
                (f32.store
                  (i32.add (local.get $y) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $D)) (local.get $o)) (i32.const 2)))
                  (f32.demote_f64
                    (f64.add
                      (f64.add
                        (f64.add (f64.load (i32.add (local.get $acc) (i32.shl (local.get $o) (i32.const 3))))
                          (f64.mul (local.get $ad) (f64.promote_f32 (f32.load (local.get $p)))))
                        (f64.mul (local.get $ag) (f64.promote_f32 (f32.load (i32.add (local.get $p) (i32.shl (local.get $dh) (i32.const 2)))))))
                      (f64.promote_f32 (f32.load (i32.add (local.get $p) (i32.shl (local.get $dh) (i32.const 3))))))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $inext2)))
            (local.set $h (i32.add (local.get $h) (i32.const 1)))
            (br $onext)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rnext)))))
