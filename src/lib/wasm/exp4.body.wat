;; @vars $x $n $r $y
;; The body of exp4 (exp4.wat): $y = e^$x in four f32 lanes, $n and $r its scratch. A fragment that
;; scripts/build-wasm.ts puts where a kernel says `;; @include exp4.body.wat <suffix>`, its four
;; names suffixed (`$xa`, `$na`, …), so that a hot loop runs it inline: V8 in Node 20 does not
;; inline calls between wasm functions.
;; pmax/pmin are one instruction each (x86 maxps/minps); max/min's NaN and signed-zero rules take
;; several. With x first they give the same results here: a NaN x passes through both.
(local.set $x (f32x4.pmin (f32x4.pmax (local.get $x) (f32x4.splat (f32.const -87.33654))) (f32x4.splat (f32.const 88))))
(local.set $n (f32x4.floor (f32x4.add (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341))) (f32x4.splat (f32.const 0.5)))))
(local.set $r
  (f32x4.sub
    (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375))))
    (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
(local.set $y (f32x4.splat (f32.const 1.9875691500e-4)))
(local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
(local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
(local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
(local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
(local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
(local.set $y
  (f32x4.add
    (f32x4.add (f32x4.mul (local.get $y) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r))
    (f32x4.splat (f32.const 1))))
;; 2^n from the bits: n is a whole number in [−126, 127], so n + 1.5·2^23 holds n in its low
;; mantissa bits, exactly (trunc_sat's saturation fix-ups cost more than this one add).
(local.set $y
  (f32x4.mul (local.get $y)
    (i32x4.shl
      (i32x4.sub (f32x4.add (local.get $n) (f32x4.splat (f32.const 12582912))) (i32x4.splat (i32.const 0x4B3FFF81)))
      (i32.const 23))))
