;; Part of f32Kernels.wat: the per-edge passes of the road graph's GATv2 layer and its gradient
;; (driver: models/fusedGat.ts, in tfjs's memory). It puts in hsum.wat, which navScores uses too.

;; ---- GATv2 over the edges e: src[e] → dst[e] (int32), node rows of F f32 (F a multiple of 4),
;; edge attributes ea [E, A], lin_edge's weight we [A, F], att [F]. p_e = xl[src] + xr[dst] + ea_e·we.

;; The edge's pre-activation p for columns f…f+3.
(func $gatPre (param $xls i32) (param $xrd i32) (param $eae i32) (param $we i32) (param $F i32) (param $A i32) (param $f4 i32) (result v128)
  (local $p v128) (local $a i32)
  (local.set $p (f32x4.add (v128.load (i32.add (local.get $xls) (local.get $f4))) (v128.load (i32.add (local.get $xrd) (local.get $f4)))))
  (block $adone
    (loop $anext
      (br_if $adone (i32.ge_u (local.get $a) (local.get $A)))
      (local.set $p
        (f32x4.add (local.get $p)
          (f32x4.mul
            (v128.load32_splat (i32.add (local.get $eae) (i32.shl (local.get $a) (i32.const 2))))
            (v128.load (i32.add (i32.add (local.get $we) (i32.shl (i32.mul (local.get $a) (local.get $F)) (i32.const 2))) (local.get $f4))))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $anext)))
  (local.get $p))

;; @include hsum.wat

;; score[e] = att · LeakyReLU(p_e) (slope below 0).
(func (export "gatScores")
  (param $xl i32) (param $xr i32) (param $ea i32) (param $we i32) (param $att i32) (param $src i32) (param $dst i32)
  (param $F i32) (param $A i32) (param $E i32) (param $slope f32) (param $score i32)
  (local $e i32) (local $f4 i32) (local $Fb i32) (local $xls i32) (local $xrd i32) (local $eae i32)
  (local $p v128) (local $acc v128) (local $sl v128)
  (local.set $Fb (i32.shl (local.get $F) (i32.const 2)))
  (local.set $sl (f32x4.splat (local.get $slope)))
  (block $edone
    (loop $enext
      (br_if $edone (i32.ge_u (local.get $e) (local.get $E)))
      (local.set $xls (i32.add (local.get $xl) (i32.mul (i32.load (i32.add (local.get $src) (i32.shl (local.get $e) (i32.const 2)))) (local.get $Fb))))
      (local.set $xrd (i32.add (local.get $xr) (i32.mul (i32.load (i32.add (local.get $dst) (i32.shl (local.get $e) (i32.const 2)))) (local.get $Fb))))
      (local.set $eae (i32.add (local.get $ea) (i32.shl (i32.mul (local.get $e) (local.get $A)) (i32.const 2))))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $f4 (i32.const 0))
      (block $fdone
        (loop $fnext
          (br_if $fdone (i32.ge_u (local.get $f4) (local.get $Fb)))
          (local.set $p (call $gatPre (local.get $xls) (local.get $xrd) (local.get $eae) (local.get $we) (local.get $F) (local.get $A) (local.get $f4)))
          (local.set $p
            (v128.bitselect (local.get $p) (f32x4.mul (local.get $p) (local.get $sl))
              (f32x4.gt (local.get $p) (v128.const f32x4 0 0 0 0))))
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (i32.add (local.get $att) (local.get $f4))) (local.get $p))))
          (local.set $f4 (i32.add (local.get $f4) (i32.const 16)))
          (br $fnext)))
      (f32.store (i32.add (local.get $score) (i32.shl (local.get $e) (i32.const 2))) (call $hsum (local.get $acc)))
      (local.set $e (i32.add (local.get $e) (i32.const 1)))
      (br $enext))))

;; out[dst] += alpha[e] · xl[src] over the edges (out zeroed by the caller).
(func (export "gatMessages")
  (param $xl i32) (param $alpha i32) (param $src i32) (param $dst i32) (param $F i32) (param $E i32) (param $out i32)
  (local $e i32) (local $f4 i32) (local $Fb i32) (local $xls i32) (local $od i32) (local $a v128)
  (local.set $Fb (i32.shl (local.get $F) (i32.const 2)))
  (block $edone
    (loop $enext
      (br_if $edone (i32.ge_u (local.get $e) (local.get $E)))
      (local.set $xls (i32.add (local.get $xl) (i32.mul (i32.load (i32.add (local.get $src) (i32.shl (local.get $e) (i32.const 2)))) (local.get $Fb))))
      (local.set $od (i32.add (local.get $out) (i32.mul (i32.load (i32.add (local.get $dst) (i32.shl (local.get $e) (i32.const 2)))) (local.get $Fb))))
      (local.set $a (v128.load32_splat (i32.add (local.get $alpha) (i32.shl (local.get $e) (i32.const 2)))))
      (local.set $f4 (i32.const 0))
      (block $fdone
        (loop $fnext
          (br_if $fdone (i32.ge_u (local.get $f4) (local.get $Fb)))
          (v128.store (i32.add (local.get $od) (local.get $f4))
            (f32x4.add (v128.load (i32.add (local.get $od) (local.get $f4)))
              (f32x4.mul (local.get $a) (v128.load (i32.add (local.get $xls) (local.get $f4))))))
          (local.set $f4 (i32.add (local.get $f4) (i32.const 16)))
          (br $fnext)))
      (local.set $e (i32.add (local.get $e) (i32.const 1)))
      (br $enext))))

;; The message path's gradient: dAlpha[e] = dy[dst] · xl[src]; dxl[src] += alpha[e] · dy[dst].
(func (export "gatBackMessages")
  (param $xl i32) (param $dy i32) (param $alpha i32) (param $src i32) (param $dst i32) (param $F i32) (param $E i32)
  (param $dxl i32) (param $dAlpha i32)
  (local $e i32) (local $f4 i32) (local $Fb i32) (local $so i32) (local $dd i32) (local $a v128) (local $y v128) (local $acc v128)
  (local.set $Fb (i32.shl (local.get $F) (i32.const 2)))
  (block $edone
    (loop $enext
      (br_if $edone (i32.ge_u (local.get $e) (local.get $E)))
      (local.set $so (i32.mul (i32.load (i32.add (local.get $src) (i32.shl (local.get $e) (i32.const 2)))) (local.get $Fb)))
      (local.set $dd (i32.add (local.get $dy) (i32.mul (i32.load (i32.add (local.get $dst) (i32.shl (local.get $e) (i32.const 2)))) (local.get $Fb))))
      (local.set $a (v128.load32_splat (i32.add (local.get $alpha) (i32.shl (local.get $e) (i32.const 2)))))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $f4 (i32.const 0))
      (block $fdone
        (loop $fnext
          (br_if $fdone (i32.ge_u (local.get $f4) (local.get $Fb)))
          (local.set $y (v128.load (i32.add (local.get $dd) (local.get $f4))))
          (local.set $acc
            (f32x4.add (local.get $acc) (f32x4.mul (local.get $y) (v128.load (i32.add (i32.add (local.get $xl) (local.get $so)) (local.get $f4))))))
          (v128.store (i32.add (i32.add (local.get $dxl) (local.get $so)) (local.get $f4))
            (f32x4.add (v128.load (i32.add (i32.add (local.get $dxl) (local.get $so)) (local.get $f4))) (f32x4.mul (local.get $a) (local.get $y))))
          (local.set $f4 (i32.add (local.get $f4) (i32.const 16)))
          (br $fnext)))
      (f32.store (i32.add (local.get $dAlpha) (i32.shl (local.get $e) (i32.const 2))) (call $hsum (local.get $acc)))
      (local.set $e (i32.add (local.get $e) (i32.const 1)))
      (br $enext))))

;; acc64[i…i+3] (f64) += v (f32x4), widened.
(func $addWide (param $acc64 i32) (param $v v128)
  (v128.store (local.get $acc64) (f64x2.add (v128.load (local.get $acc64)) (f64x2.promote_low_f32x4 (local.get $v))))
  (v128.store offset=16 (local.get $acc64)
    (f64x2.add (v128.load offset=16 (local.get $acc64))
      (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v))))))

;; The score path's gradient, given ds[e] = ∂loss/∂score_e (the softmax's backward, by the caller):
;; datt += ds·LeakyReLU(p); dp = ds·att·LeakyReLU'(p); dxl[src] += dp; dxr[dst] += dp;
;; dwe[a] += ea[e, a]·dp. datt64 [F] and dwe64 [A, F] are f64 sums (zeroed by the caller).
(func (export "gatBackScores")
  (param $xl i32) (param $xr i32) (param $ea i32) (param $we i32) (param $att i32) (param $src i32) (param $dst i32)
  (param $ds i32) (param $F i32) (param $A i32) (param $E i32) (param $slope f32)
  (param $dxl i32) (param $dxr i32) (param $dwe64 i32) (param $datt64 i32)
  (local $e i32) (local $f4 i32) (local $a i32) (local $Fb i32) (local $so i32) (local $do i32) (local $eae i32) (local $dse f32)
  (local $p v128) (local $pos v128) (local $dsv v128) (local $dp v128) (local $sl v128) (local $q i32)
  (local.set $Fb (i32.shl (local.get $F) (i32.const 2)))
  (local.set $sl (f32x4.splat (local.get $slope)))
  (block $edone
    (loop $enext
      (br_if $edone (i32.ge_u (local.get $e) (local.get $E)))
      (local.set $dse (f32.load (i32.add (local.get $ds) (i32.shl (local.get $e) (i32.const 2)))))
      (if (f32.ne (local.get $dse) (f32.const 0))
        (then
          (local.set $dsv (f32x4.splat (local.get $dse)))
          (local.set $so (i32.mul (i32.load (i32.add (local.get $src) (i32.shl (local.get $e) (i32.const 2)))) (local.get $Fb)))
          (local.set $do (i32.mul (i32.load (i32.add (local.get $dst) (i32.shl (local.get $e) (i32.const 2)))) (local.get $Fb)))
          (local.set $eae (i32.add (local.get $ea) (i32.shl (i32.mul (local.get $e) (local.get $A)) (i32.const 2))))
          (local.set $f4 (i32.const 0))
          (block $fdone
            (loop $fnext
              (br_if $fdone (i32.ge_u (local.get $f4) (local.get $Fb)))
              (local.set $p
                (call $gatPre (i32.add (local.get $xl) (local.get $so)) (i32.add (local.get $xr) (local.get $do)) (local.get $eae) (local.get $we)
                  (local.get $F) (local.get $A) (local.get $f4)))
              (local.set $pos (f32x4.gt (local.get $p) (v128.const f32x4 0 0 0 0)))
              (call $addWide (i32.add (local.get $datt64) (i32.shl (local.get $f4) (i32.const 1)))
                (f32x4.mul (local.get $dsv) (v128.bitselect (local.get $p) (f32x4.mul (local.get $p) (local.get $sl)) (local.get $pos))))
              (local.set $dp
                (f32x4.mul (f32x4.mul (local.get $dsv) (v128.load (i32.add (local.get $att) (local.get $f4))))
                  (v128.bitselect (v128.const f32x4 1 1 1 1) (local.get $sl) (local.get $pos))))
              (local.set $q (i32.add (i32.add (local.get $dxl) (local.get $so)) (local.get $f4)))
              (v128.store (local.get $q) (f32x4.add (v128.load (local.get $q)) (local.get $dp)))
              (local.set $q (i32.add (i32.add (local.get $dxr) (local.get $do)) (local.get $f4)))
              (v128.store (local.get $q) (f32x4.add (v128.load (local.get $q)) (local.get $dp)))
              (local.set $a (i32.const 0))
              (block $adone
                (loop $anext
                  (br_if $adone (i32.ge_u (local.get $a) (local.get $A)))
                  (call $addWide
                    (i32.add (local.get $dwe64) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $Fb)) (local.get $f4)) (i32.const 1)))
                    (f32x4.mul (v128.load32_splat (i32.add (local.get $eae) (i32.shl (local.get $a) (i32.const 2)))) (local.get $dp)))
                  (local.set $a (i32.add (local.get $a) (i32.const 1)))
                  (br $anext)))
              (local.set $f4 (i32.add (local.get $f4) (i32.const 16)))
              (br $fnext)))))
      (local.set $e (i32.add (local.get $e) (i32.const 1)))
      (br $enext))))
