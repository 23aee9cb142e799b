;; The sum of an f32x4's four lanes, as (l0 + l1) + (l2 + l3). A fragment, not a module:
;; scripts/build-wasm.ts puts it where a module's text says `;; @include hsum.wat`.
(func $hsum (param $v v128) (result f32)
  (f32.add
    (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
    (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))
