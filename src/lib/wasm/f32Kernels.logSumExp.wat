;; Part of f32Kernels.wat: log-sum-exp over rows and its gradient, for the teacher's softmax over its
;; whole vocabulary (driver: models/softmaxKernel.ts, in tfjs's memory). Calls $exp4 (exp4.wat, put
;; in by the module).

;; Per row r of x [M, N] (row-major, f32): out[2r] = max_j x[r, j], out[2r + 1] = Σ_j e^(x[r, j] − max).
;; The caller takes log-sum-exp = max + log(sum).
(func (export "rowMaxSumExp") (param $x i32) (param $M i32) (param $N i32) (param $out i32)
  (local $r i32) (local $p i32) (local $j i32) (local $n4 i32)
  (local $vm v128) (local $vs v128) (local $m f32) (local $s f32) (local $v f32)
  (local $xe v128) (local $ne v128) (local $re v128) (local $ye v128)
  (local.set $n4 (i32.and (local.get $N) (i32.const -4)))
  (block $rdone
    (loop $rnext
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $M)))
      (local.set $p (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $N)) (i32.const 2))))
      ;; max
      (local.set $vm (f32x4.splat (f32.const -inf)))
      (local.set $j (i32.const 0))
      (block $d1 (loop $n1
        (br_if $d1 (i32.ge_u (local.get $j) (local.get $n4)))
        (local.set $vm (f32x4.max (local.get $vm) (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $n1)))
      (local.set $m
        (f32.max (f32.max (f32x4.extract_lane 0 (local.get $vm)) (f32x4.extract_lane 1 (local.get $vm)))
          (f32.max (f32x4.extract_lane 2 (local.get $vm)) (f32x4.extract_lane 3 (local.get $vm)))))
      (block $d2 (loop $n2
        (br_if $d2 (i32.ge_u (local.get $j) (local.get $N)))
        (local.set $m (f32.max (local.get $m) (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $n2)))
      ;; Σ e^(x − max)
      (local.set $vs (f32x4.splat (f32.const 0)))
      (local.set $vm (f32x4.splat (local.get $m)))
      (local.set $j (i32.const 0))
      (block $d3 (loop $n3
        (br_if $d3 (i32.ge_u (local.get $j) (local.get $n4)))
        ;; exp4 in line (a call per four values cost as much as its arithmetic)
        (local.set $xe (f32x4.sub (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $vm)))
        ;; @include exp4.body.wat e
        (local.set $vs (f32x4.add (local.get $vs) (local.get $ye)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $n3)))
      (local.set $s
        (f32.add (f32.add (f32x4.extract_lane 0 (local.get $vs)) (f32x4.extract_lane 1 (local.get $vs)))
          (f32.add (f32x4.extract_lane 2 (local.get $vs)) (f32x4.extract_lane 3 (local.get $vs)))))
      (block $d4 (loop $n4l
        (br_if $d4 (i32.ge_u (local.get $j) (local.get $N)))
        (local.set $v (f32.sub (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $m)))
        (local.set $s (f32.add (local.get $s) (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (local.get $v))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $n4l)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3))) (local.get $m))
      (f32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3))) (local.get $s))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rnext))))

;; out[r, j] = e^(x[r, j] − lse[r]) · dy[r]: the gradient of log-sum-exp over rows.
(func (export "softmaxRowsGrad") (param $x i32) (param $lse i32) (param $dy i32) (param $out i32) (param $M i32) (param $N i32)
  (local $r i32) (local $p i32) (local $q i32) (local $j i32) (local $n4 i32)
  (local $vl v128) (local $vd v128) (local $o i32)
  (local $xa v128) (local $na v128) (local $ra v128) (local $ya v128)
  (local $xb v128) (local $nb v128) (local $rb v128) (local $yb v128)
  (local.set $n4 (i32.and (local.get $N) (i32.const -4)))
  (block $rdone
    (loop $rnext
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $M)))
      (local.set $o (i32.shl (i32.mul (local.get $r) (local.get $N)) (i32.const 2)))
      (local.set $p (i32.add (local.get $x) (local.get $o)))
      (local.set $q (i32.add (local.get $out) (local.get $o)))
      (local.set $vl (v128.load32_splat (i32.add (local.get $lse) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $vd (v128.load32_splat (i32.add (local.get $dy) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $j (i32.const 0))
      ;; eight values a pass, two exp4 bodies in line; then four at a time
      (block $d0 (loop $n0
        (br_if $d0 (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $n4)))
        (local.set $xa (f32x4.sub (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $vl)))
        (local.set $xb (f32x4.sub (v128.load offset=16 (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $vl)))
        ;; @include exp4.body.wat a
        ;; @include exp4.body.wat b
        (v128.store (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2))) (f32x4.mul (local.get $ya) (local.get $vd)))
        (v128.store offset=16 (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2))) (f32x4.mul (local.get $yb) (local.get $vd)))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $n0)))
      (block $d1 (loop $n1
        (br_if $d1 (i32.ge_u (local.get $j) (local.get $n4)))
        (v128.store (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2)))
          (f32x4.mul
            (call $exp4 (f32x4.sub (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $vl)))
            (local.get $vd)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $n1)))
      (block $d2 (loop $n2
        (br_if $d2 (i32.ge_u (local.get $j) (local.get $N)))
        (f32.store (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2)))
          (f32x4.extract_lane 0
            (f32x4.mul
              (call $exp4 (f32x4.sub (v128.load32_splat (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $vl)))
              (local.get $vd))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $n2)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rnext))))
