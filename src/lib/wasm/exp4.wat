;; e^x in four f32 lanes (Cephes expf: 2^n · e^r with r = x − n·ln2 in two parts and a degree-6
;; polynomial; relative error about 1e-7). x is clamped to [−87.3, 88]: below, e^x ≈ 1e-38.
;; A fragment, not a module: scripts/build-wasm.ts puts it where a module's text says
;; `;; @include exp4.wat` (the f32 kernels; the decoder's host attention runs exp4.body.wat in line).
(func $exp4 (param $x v128) (result v128)
  (local $n v128) (local $r v128) (local $y v128)
  ;; @include exp4.body.wat
  (local.get $y))
