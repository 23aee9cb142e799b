;; Part of f32Kernels.wat: sums over the leading axes (bias gradients), which tfjs-wasm's Sum does by
;; transposing first (driver: models/sumKernel.ts, in tfjs's memory).

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
