;; Part of f32Kernels.wat: LayerNorm over rows, for the route decoder on the host (driver:
;; generate/hostDense.ts).

;; out = (x − mean) / sqrt(var + eps) · gamma + beta per row of x [R, D] (row stride ld bytes),
;; as tfjs's LayerNorm ops: mean, the mean of squared deviations, rsqrt, in f32. Where D is a
;; multiple of 4, four lanes at a time (each sum in four partial sums, added as hsum does): a
;; scalar sum is one chain of dependent adds, and the kernel ran at 2.3 ns a value. Else scalar.
(func (export "layerNorm")
  (param $x i32) (param $gamma i32) (param $beta i32) (param $out i32)
  (param $R i32) (param $D i32) (param $ld i32) (param $eps f32)
  (if (i32.eqz (i32.and (local.get $D) (i32.const 3)))
    (then
      (call $layerNorm4 (local.get $x) (local.get $gamma) (local.get $beta) (local.get $out)
        (local.get $R) (local.get $D) (local.get $ld) (local.get $eps))
      (return)))
  (call $layerNorm1 (local.get $x) (local.get $gamma) (local.get $beta) (local.get $out)
    (local.get $R) (local.get $D) (local.get $ld) (local.get $eps)))

;; layerNorm four lanes at a time (D a multiple of 4).
(func $layerNorm4
  (param $x i32) (param $gamma i32) (param $beta i32) (param $out i32)
  (param $R i32) (param $D i32) (param $ld i32) (param $eps f32)
  (local $r i32) (local $k i32) (local $px i32) (local $po i32) (local $end i32)
  (local $acc v128) (local $d v128) (local $vm v128) (local $vi v128)
  (local $mean f32) (local $inv f32) (local $fd f32)
  (local.set $fd (f32.convert_i32_u (local.get $D)))
  (local.set $end (i32.shl (local.get $D) (i32.const 2)))
  (block $rdone
    (loop $rnext
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $R)))
      (local.set $px (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $ld))))
      (local.set $po (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $ld))))
      (local.set $acc (v128.const i64x2 0 0))
      (local.set $k (i32.const 0))
      (block $d1 (loop $n1
        (br_if $d1 (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $px) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $n1)))
      (local.set $mean (f32.div (call $hsum (local.get $acc)) (local.get $fd)))
      (local.set $vm (f32x4.splat (local.get $mean)))
      (local.set $acc (v128.const i64x2 0 0))
      (local.set $k (i32.const 0))
      (block $d2 (loop $n2
        (br_if $d2 (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $d (f32x4.sub (v128.load (i32.add (local.get $px) (local.get $k))) (local.get $vm)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $n2)))
      (local.set $inv (f32.div (f32.const 1)
        (f32.sqrt (f32.add (f32.div (call $hsum (local.get $acc)) (local.get $fd)) (local.get $eps)))))
      (local.set $vi (f32x4.splat (local.get $inv)))
      (local.set $k (i32.const 0))
      (block $d3 (loop $n3
        (br_if $d3 (i32.ge_u (local.get $k) (local.get $end)))
        (v128.store (i32.add (local.get $po) (local.get $k))
          (f32x4.add
            (f32x4.mul
              (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $px) (local.get $k))) (local.get $vm)) (local.get $vi))
              (v128.load (i32.add (local.get $gamma) (local.get $k))))
            (v128.load (i32.add (local.get $beta) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $n3)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rnext))))

;; layerNorm one value at a time (any D).
(func $layerNorm1
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
