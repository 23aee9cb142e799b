;; Part of f32Kernels.wat: the route decoder's navigator, every candidate's additive-attention score,
;; after the head (driver: generate/hostDense.ts). Calls $hsum (hsum.wat, put in by
;; f32Kernels.gatv2.wat).

;; The navigator's score of each candidate c < nC (StudentDecoder.navigate):
;;   out[c] = Σ_j navV[j] · tanh(navKey[road_c, j] + dis_c · uDis[j] + ang_c · uAng[j] + q[row_c, j] + zoneQ[zone of row_c, j])
;; in f32 lanes, j in blocks of four (nd a multiple of 4). Per candidate at $cands: road, row (i32),
;; dis, ang (f32), 16 bytes. Query rows at $q with row stride $ldq bytes; $zones: each row's zone (i32).
(func (export "navScores")
  (param $q i32) (param $ldq i32) (param $zones i32) (param $zoneQ i32) (param $navKey i32) (param $uDis i32)
  (param $uAng i32) (param $navV i32) (param $nd i32) (param $cands i32) (param $nC i32) (param $out i32)
  (local $c i32) (local $j i32) (local $p i32) (local $row i32) (local $kp i32) (local $qp i32) (local $zp i32)
  (local $dis v128) (local $ang v128) (local $acc v128) (local $x v128)
  (local $xe v128) (local $ne v128) (local $re v128) (local $ye v128)
  (block $cdone
    (loop $cnext
      (br_if $cdone (i32.ge_u (local.get $c) (local.get $nC)))
      (local.set $p (i32.add (local.get $cands) (i32.shl (local.get $c) (i32.const 4))))
      (local.set $row (i32.load offset=4 (local.get $p)))
      (local.set $kp (i32.add (local.get $navKey) (i32.shl (i32.mul (i32.load (local.get $p)) (local.get $nd)) (i32.const 2))))
      (local.set $qp (i32.add (local.get $q) (i32.mul (local.get $row) (local.get $ldq))))
      (local.set $zp
        (i32.add (local.get $zoneQ)
          (i32.shl (i32.mul (i32.load (i32.add (local.get $zones) (i32.shl (local.get $row) (i32.const 2)))) (local.get $nd)) (i32.const 2))))
      (local.set $dis (v128.load32_splat offset=8 (local.get $p)))
      (local.set $ang (v128.load32_splat offset=12 (local.get $p)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $jdone
        (loop $jnext
          (br_if $jdone (i32.ge_u (local.get $j) (local.get $nd)))
          (local.set $x
            (f32x4.add
              (f32x4.add
                (f32x4.add (v128.load (local.get $kp)) (f32x4.mul (local.get $dis) (v128.load (i32.add (local.get $uDis) (i32.shl (local.get $j) (i32.const 2))))))
                (f32x4.mul (local.get $ang) (v128.load (i32.add (local.get $uAng) (i32.shl (local.get $j) (i32.const 2))))))
              (f32x4.add (v128.load (local.get $qp)) (v128.load (local.get $zp)))))
          ;; tanh in f32 lanes: sign(x) · (1 − e^(−2|x|)) / (1 + e^(−2|x|)), e by exp4 inline
          ;; (absolute error ≈ 1e-7; the calls had cost more than their arithmetic)
          (local.set $xe (f32x4.mul (f32x4.abs (local.get $x)) (f32x4.splat (f32.const -2))))
          ;; @include exp4.body.wat e
          (local.set $x
            (v128.or
              (f32x4.div (f32x4.sub (f32x4.splat (f32.const 1)) (local.get $ye)) (f32x4.add (f32x4.splat (f32.const 1)) (local.get $ye)))
              (v128.and (local.get $x) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
          (local.set $acc
            (f32x4.add (local.get $acc) (f32x4.mul (v128.load (i32.add (local.get $navV) (i32.shl (local.get $j) (i32.const 2)))) (local.get $x))))
          (local.set $kp (i32.add (local.get $kp) (i32.const 16)))
          (local.set $qp (i32.add (local.get $qp) (i32.const 16)))
          (local.set $zp (i32.add (local.get $zp) (i32.const 16)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $jnext)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))) (call $hsum (local.get $acc)))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $cnext))))
