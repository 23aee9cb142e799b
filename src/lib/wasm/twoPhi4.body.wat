;; @vars $v $z $t $e $y
;; 2Φ(x) = 1 + erf(x/√2) in four lanes. erf by Abramowitz & Stegun 7.1.28 (absolute error
;; ≤ 3e-7, no exp needed): for z = |x|/√2, erf(z) = 1 − (1 + a1 z + … + a6 z⁶)^−16, odd in x.
;; $y = 2Φ($v); $z, $t, $e its scratch. A fragment: scripts/build-wasm.ts puts it where a kernel
;; says `;; @include twoPhi4.body.wat <suffix>`, the names suffixed (see exp4.body.wat).
(local.set $z (f32x4.mul (f32x4.abs (local.get $v)) (f32x4.splat (f32.const 0.70710678118654752))))
;; Horner: ((((((a6 z + a5) z + a4) z + a3) z + a2) z + a1) z + 1)
(local.set $t (f32x4.splat (f32.const 0.0000430638)))
(local.set $t (f32x4.add (f32x4.mul (local.get $t) (local.get $z)) (f32x4.splat (f32.const 0.0002765672))))
(local.set $t (f32x4.add (f32x4.mul (local.get $t) (local.get $z)) (f32x4.splat (f32.const 0.0001520143))))
(local.set $t (f32x4.add (f32x4.mul (local.get $t) (local.get $z)) (f32x4.splat (f32.const 0.0092705272))))
(local.set $t (f32x4.add (f32x4.mul (local.get $t) (local.get $z)) (f32x4.splat (f32.const 0.0422820123))))
(local.set $t (f32x4.add (f32x4.mul (local.get $t) (local.get $z)) (f32x4.splat (f32.const 0.0705230784))))
(local.set $t (f32x4.add (f32x4.mul (local.get $t) (local.get $z)) (f32x4.splat (f32.const 1))))
;; t^16 by four squarings; erf(z) = 1 − 1/t^16
(local.set $t (f32x4.mul (local.get $t) (local.get $t)))
(local.set $t (f32x4.mul (local.get $t) (local.get $t)))
(local.set $t (f32x4.mul (local.get $t) (local.get $t)))
(local.set $t (f32x4.mul (local.get $t) (local.get $t)))
(local.set $e (f32x4.sub (f32x4.splat (f32.const 1)) (f32x4.div (f32x4.splat (f32.const 1)) (local.get $t))))
;; sign of x: erf(x/√2) = sign(x) · erf(|x|/√2)
(local.set $e (v128.or (local.get $e) (v128.and (local.get $v) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
(local.set $y (f32x4.add (local.get $e) (f32x4.splat (f32.const 1))))
