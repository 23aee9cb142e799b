;; Part of f32Kernels.wat: rows added into their segments' rows, the gathers' gradients (driver:
;; models/layers.ts, in tfjs's memory).

;; out[ids[e], :] += x[e, :] over rows e ascending (ids outside [0, segments) skipped), rows of
;; `inner` f32; out zeroed by the caller. Each output element sums in the order of the rows, as the
;; JS loop does (an f32 sum rounded once either way), so the results are the same bits.
(func (export "segmentSum") (param $x i32) (param $ids i32) (param $n i32) (param $inner i32) (param $segments i32) (param $out i32)
  (local $e i32) (local $s i32) (local $k i32) (local $xp i32) (local $op i32) (local $inner4 i32) (local $ib i32)
  (local.set $ib (i32.shl (local.get $inner) (i32.const 2)))
  (local.set $inner4 (i32.and (local.get $inner) (i32.const -4)))
  (block $edone
    (loop $enext
      (br_if $edone (i32.ge_u (local.get $e) (local.get $n)))
      (local.set $s (i32.load (i32.add (local.get $ids) (i32.shl (local.get $e) (i32.const 2)))))
      (if (i32.lt_u (local.get $s) (local.get $segments))
        (then
          (local.set $xp (i32.add (local.get $x) (i32.mul (local.get $e) (local.get $ib))))
          (local.set $op (i32.add (local.get $out) (i32.mul (local.get $s) (local.get $ib))))
          (local.set $k (i32.const 0))
          (block $vdone
            (loop $vnext
              (br_if $vdone (i32.ge_u (local.get $k) (local.get $inner4)))
              (v128.store (i32.add (local.get $op) (i32.shl (local.get $k) (i32.const 2)))
                (f32x4.add (v128.load (i32.add (local.get $op) (i32.shl (local.get $k) (i32.const 2))))
                  (v128.load (i32.add (local.get $xp) (i32.shl (local.get $k) (i32.const 2))))))
              (local.set $k (i32.add (local.get $k) (i32.const 4)))
              (br $vnext)))
          (block $tdone
            (loop $tnext
              (br_if $tdone (i32.ge_u (local.get $k) (local.get $inner)))
              (f32.store (i32.add (local.get $op) (i32.shl (local.get $k) (i32.const 2)))
                (f32.add (f32.load (i32.add (local.get $op) (i32.shl (local.get $k) (i32.const 2))))
                  (f32.load (i32.add (local.get $xp) (i32.shl (local.get $k) (i32.const 2))))))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br $tnext)))))
      (local.set $e (i32.add (local.get $e) (i32.const 1)))
      (br $enext))))
