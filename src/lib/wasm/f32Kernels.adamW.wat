;; Part of f32Kernels.wat: one variable's AdamW update (driver: train/fusedAdamW.ts, in tfjs's memory).

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
