;; Part of f32Kernels.wat: GELU in place (the route decoder's MLP on the host, generate/hostDense.ts;
;; training's forward, models/geluKernel.ts) and its gradient (models/geluKernel.ts, in tfjs's memory).
;; geluGrad calls $exp4 (exp4.wat, put in by the module).

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
