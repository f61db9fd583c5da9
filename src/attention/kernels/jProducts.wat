;; The two matrix-vector products behind the exact L2-CAF solvers (affine.ts), with 128-bit SIMD.
;; M is R x C float32, row-major; vectors are float32 in, float64 out. Multiplies are float32 (as
;; M is); sums are carried in float64 beyond short float32 partial sums (at most 4 terms in mtv,
;; 16 per lane in mv), so the result stays within a few float32 roundings of a float64 product.
;; Offsets are in bytes. Build: `node scripts/build-wasm.mjs` (writes jProductsWasm.ts).
;; Also the tap products of a factored convolution (src/models/tapProducts.ts), float32 throughout
;; as the convolution they replace is.
(module
  (memory (export "memory") 1)

  ;; The sum of a f32x4's four lanes, in float64.
  (func $hsum (param $a v128) (result f64)
    (local $p v128)
    (local.set $p
      (f64x2.add
        (f64x2.promote_low_f32x4 (local.get $a))
        (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a) (local.get $a)))))
    (f64.add (f64x2.extract_lane 0 (local.get $p)) (f64x2.extract_lane 1 (local.get $p))))

  ;; out[r] = sum_j M[r, j] v[j]: four rows at a time, so each load of v serves four products and
  ;; four independent sums hide the add latency.
  (func (export "mv") (param $m i32) (param $R i32) (param $C i32) (param $v i32) (param $out i32)
    (local $r i32) (local $j i32) (local $C4 i32) (local $stride i32) (local $next i32) (local $jb i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $x v128)
    (local $s0 f64) (local $s1 f64) (local $s2 f64) (local $s3 f64) (local $xs f64)
    (local.set $C4 (i32.and (local.get $C) (i32.const -4)))
    (local.set $stride (i32.shl (local.get $C) (i32.const 2)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $R)))
        (local.set $p0 (i32.add (local.get $m) (i32.mul (local.get $r) (local.get $stride))))
        (local.set $p1 (i32.add (local.get $p0) (local.get $stride)))
        (local.set $p2 (i32.add (local.get $p1) (local.get $stride)))
        (local.set $p3 (i32.add (local.get $p2) (local.get $stride)))
        (local.set $s0 (f64.const 0))
        (local.set $s1 (f64.const 0))
        (local.set $s2 (f64.const 0))
        (local.set $s3 (f64.const 0))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $C4)))
            ;; float32 partial sums over at most 64 columns, then into the float64 sums
            (local.set $next (i32.add (local.get $j) (i32.const 64)))
            (if (i32.gt_u (local.get $next) (local.get $C4)) (then (local.set $next (local.get $C4))))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (block $blk_done
              (loop $blk
                (br_if $blk_done (i32.ge_u (local.get $j) (local.get $next)))
                (local.set $jb (i32.shl (local.get $j) (i32.const 2)))
                (local.set $x (v128.load (i32.add (local.get $v) (local.get $jb))))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (i32.add (local.get $p0) (local.get $jb))) (local.get $x))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load (i32.add (local.get $p1) (local.get $jb))) (local.get $x))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load (i32.add (local.get $p2) (local.get $jb))) (local.get $x))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load (i32.add (local.get $p3) (local.get $jb))) (local.get $x))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $blk)))
            (local.set $s0 (f64.add (local.get $s0) (call $hsum (local.get $a0))))
            (local.set $s1 (f64.add (local.get $s1) (call $hsum (local.get $a1))))
            (local.set $s2 (f64.add (local.get $s2) (call $hsum (local.get $a2))))
            (local.set $s3 (f64.add (local.get $s3) (call $hsum (local.get $a3))))
            (br $cols)))
        ;; the last C mod 4 columns
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $C)))
            (local.set $jb (i32.shl (local.get $j) (i32.const 2)))
            (local.set $xs (f64.promote_f32 (f32.load (i32.add (local.get $v) (local.get $jb)))))
            (local.set $s0 (f64.add (local.get $s0) (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $p0) (local.get $jb)))) (local.get $xs))))
            (local.set $s1 (f64.add (local.get $s1) (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $p1) (local.get $jb)))) (local.get $xs))))
            (local.set $s2 (f64.add (local.get $s2) (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $p2) (local.get $jb)))) (local.get $xs))))
            (local.set $s3 (f64.add (local.get $s3) (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $p3) (local.get $jb)))) (local.get $xs))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tail)))
        (local.set $jb (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3))))
        (f64.store (local.get $jb) (local.get $s0))
        (f64.store offset=8 (local.get $jb) (local.get $s1))
        (f64.store offset=16 (local.get $jb) (local.get $s2))
        (f64.store offset=24 (local.get $jb) (local.get $s3))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $rows)))
    ;; the last R mod 4 rows, one at a time
    (block $one_done
      (loop $one
        (br_if $one_done (i32.ge_u (local.get $r) (local.get $R)))
        (local.set $p0 (i32.add (local.get $m) (i32.mul (local.get $r) (local.get $stride))))
        (local.set $s0 (f64.const 0))
        (local.set $j (i32.const 0))
        (block $c1_done
          (loop $c1
            (br_if $c1_done (i32.ge_u (local.get $j) (local.get $C)))
            (local.set $jb (i32.shl (local.get $j) (i32.const 2)))
            (local.set $s0
              (f64.add (local.get $s0)
                (f64.mul
                  (f64.promote_f32 (f32.load (i32.add (local.get $p0) (local.get $jb))))
                  (f64.promote_f32 (f32.load (i32.add (local.get $v) (local.get $jb)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $c1)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3))) (local.get $s0))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $one))))

  ;; out[j] = sum_r v[r] M[r, j]: four rows per pass over out, their four products summed in
  ;; float32 and added to out in float64 (out is loaded and stored once per four rows).
  (func (export "mtv") (param $m i32) (param $R i32) (param $C i32) (param $v i32) (param $out i32)
    (local $r i32) (local $j i32) (local $C4 i32) (local $stride i32) (local $jb i32) (local $o i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $acc v128)
    (local $w0 f64) (local $w1 f64) (local $w2 f64) (local $w3 f64)
    (local.set $C4 (i32.and (local.get $C) (i32.const -4)))
    (local.set $stride (i32.shl (local.get $C) (i32.const 2)))
    ;; out = 0
    (block $z_done
      (loop $z
        (br_if $z_done (i32.ge_u (local.get $j) (local.get $C)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))) (f64.const 0))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $z)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $R)))
        (local.set $p0 (i32.add (local.get $m) (i32.mul (local.get $r) (local.get $stride))))
        (local.set $p1 (i32.add (local.get $p0) (local.get $stride)))
        (local.set $p2 (i32.add (local.get $p1) (local.get $stride)))
        (local.set $p3 (i32.add (local.get $p2) (local.get $stride)))
        (local.set $jb (i32.add (local.get $v) (i32.shl (local.get $r) (i32.const 2))))
        (local.set $v0 (f32x4.splat (f32.load (local.get $jb))))
        (local.set $v1 (f32x4.splat (f32.load offset=4 (local.get $jb))))
        (local.set $v2 (f32x4.splat (f32.load offset=8 (local.get $jb))))
        (local.set $v3 (f32x4.splat (f32.load offset=12 (local.get $jb))))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $C4)))
            (local.set $jb (i32.shl (local.get $j) (i32.const 2)))
            (local.set $acc
              (f32x4.add
                (f32x4.add
                  (f32x4.mul (v128.load (i32.add (local.get $p0) (local.get $jb))) (local.get $v0))
                  (f32x4.mul (v128.load (i32.add (local.get $p1) (local.get $jb))) (local.get $v1)))
                (f32x4.add
                  (f32x4.mul (v128.load (i32.add (local.get $p2) (local.get $jb))) (local.get $v2))
                  (f32x4.mul (v128.load (i32.add (local.get $p3) (local.get $jb))) (local.get $v3)))))
            (local.set $o (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))))
            (v128.store (local.get $o)
              (f64x2.add (v128.load (local.get $o)) (f64x2.promote_low_f32x4 (local.get $acc))))
            (v128.store offset=16 (local.get $o)
              (f64x2.add (v128.load offset=16 (local.get $o))
                (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $cols)))
        ;; the last C mod 4 columns
        (local.set $w0 (f64.promote_f32 (f32x4.extract_lane 0 (local.get $v0))))
        (local.set $w1 (f64.promote_f32 (f32x4.extract_lane 0 (local.get $v1))))
        (local.set $w2 (f64.promote_f32 (f32x4.extract_lane 0 (local.get $v2))))
        (local.set $w3 (f64.promote_f32 (f32x4.extract_lane 0 (local.get $v3))))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $C)))
            (local.set $jb (i32.shl (local.get $j) (i32.const 2)))
            (local.set $o (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $o)
              (f64.add (f64.load (local.get $o))
                (f64.add
                  (f64.add
                    (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $p0) (local.get $jb)))) (local.get $w0))
                    (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $p1) (local.get $jb)))) (local.get $w1)))
                  (f64.add
                    (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $p2) (local.get $jb)))) (local.get $w2))
                    (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $p3) (local.get $jb)))) (local.get $w3))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tail)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $rows)))
    ;; the last R mod 4 rows, one at a time
    (block $one_done
      (loop $one
        (br_if $one_done (i32.ge_u (local.get $r) (local.get $R)))
        (local.set $p0 (i32.add (local.get $m) (i32.mul (local.get $r) (local.get $stride))))
        (local.set $w0 (f64.promote_f32 (f32.load (i32.add (local.get $v) (i32.shl (local.get $r) (i32.const 2))))))
        (local.set $j (i32.const 0))
        (block $c1_done
          (loop $c1
            (br_if $c1_done (i32.ge_u (local.get $j) (local.get $C)))
            (local.set $o (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $o)
              (f64.add (f64.load (local.get $o))
                (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $p0) (i32.shl (local.get $j) (i32.const 2))))) (local.get $w0))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $c1)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $one))))

  ;; out[p, o] = sum_t fs[p, t] B[p, t, o] for p < P, t < T, o < O (B is [P, T, O], fs [P, T],
  ;; out [P, O], all float32): the forward pass of a factored convolution, the filter's T shifted
  ;; copies at each output position contracted with that position's per-tap products.
  (func (export "tapsForward") (param $B i32) (param $P i32) (param $T i32) (param $O i32) (param $fs i32) (param $out i32)
    (local $p i32) (local $t i32) (local $j i32) (local $O4 i32) (local $row i32)
    (local $bp i32) (local $op i32) (local $jb i32) (local $w v128) (local $ws f32)
    (local.set $O4 (i32.and (local.get $O) (i32.const -4)))
    (local.set $row (i32.shl (local.get $O) (i32.const 2)))
    (block $p_done
      (loop $ps
        (br_if $p_done (i32.ge_u (local.get $p) (local.get $P)))
        (local.set $op (i32.add (local.get $out) (i32.mul (local.get $p) (local.get $row))))
        (local.set $j (i32.const 0))
        (block $z_done
          (loop $z
            (br_if $z_done (i32.ge_u (local.get $j) (local.get $O)))
            (f32.store (i32.add (local.get $op) (i32.shl (local.get $j) (i32.const 2))) (f32.const 0))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $z)))
        (local.set $t (i32.const 0))
        (block $t_done
          (loop $ts
            (br_if $t_done (i32.ge_u (local.get $t) (local.get $T)))
            (local.set $ws (f32.load (i32.add (local.get $fs) (i32.shl (i32.add (i32.mul (local.get $p) (local.get $T)) (local.get $t)) (i32.const 2)))))
            (local.set $w (f32x4.splat (local.get $ws)))
            (local.set $bp (i32.add (local.get $B) (i32.mul (i32.add (i32.mul (local.get $p) (local.get $T)) (local.get $t)) (local.get $row))))
            (local.set $j (i32.const 0))
            (block $v_done
              (loop $v
                (br_if $v_done (i32.ge_u (local.get $j) (local.get $O4)))
                (local.set $jb (i32.shl (local.get $j) (i32.const 2)))
                (v128.store (i32.add (local.get $op) (local.get $jb))
                  (f32x4.add (v128.load (i32.add (local.get $op) (local.get $jb)))
                    (f32x4.mul (v128.load (i32.add (local.get $bp) (local.get $jb))) (local.get $w))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $v)))
            (block $s_done
              (loop $s
                (br_if $s_done (i32.ge_u (local.get $j) (local.get $O)))
                (local.set $jb (i32.shl (local.get $j) (i32.const 2)))
                (f32.store (i32.add (local.get $op) (local.get $jb))
                  (f32.add (f32.load (i32.add (local.get $op) (local.get $jb)))
                    (f32.mul (f32.load (i32.add (local.get $bp) (local.get $jb))) (local.get $ws))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $s)))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $ts)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $ps))))

  ;; dfs[p, t] = sum_o dy[p, o] B[p, t, o] (dy [P, O], dfs [P, T], float32): the gradient of
  ;; tapsForward with respect to fs.
  (func (export "tapsBackward") (param $B i32) (param $P i32) (param $T i32) (param $O i32) (param $dy i32) (param $dfs i32)
    (local $p i32) (local $t i32) (local $j i32) (local $O4 i32) (local $row i32)
    (local $bp i32) (local $yp i32) (local $jb i32) (local $acc v128) (local $s f32)
    (local.set $O4 (i32.and (local.get $O) (i32.const -4)))
    (local.set $row (i32.shl (local.get $O) (i32.const 2)))
    (block $p_done
      (loop $ps
        (br_if $p_done (i32.ge_u (local.get $p) (local.get $P)))
        (local.set $yp (i32.add (local.get $dy) (i32.mul (local.get $p) (local.get $row))))
        (local.set $t (i32.const 0))
        (block $t_done
          (loop $ts
            (br_if $t_done (i32.ge_u (local.get $t) (local.get $T)))
            (local.set $bp (i32.add (local.get $B) (i32.mul (i32.add (i32.mul (local.get $p) (local.get $T)) (local.get $t)) (local.get $row))))
            (local.set $acc (v128.const f32x4 0 0 0 0))
            (local.set $j (i32.const 0))
            (block $v_done
              (loop $v
                (br_if $v_done (i32.ge_u (local.get $j) (local.get $O4)))
                (local.set $jb (i32.shl (local.get $j) (i32.const 2)))
                (local.set $acc
                  (f32x4.add (local.get $acc)
                    (f32x4.mul (v128.load (i32.add (local.get $bp) (local.get $jb))) (v128.load (i32.add (local.get $yp) (local.get $jb))))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $v)))
            (local.set $s
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
            (block $s_done
              (loop $sc
                (br_if $s_done (i32.ge_u (local.get $j) (local.get $O)))
                (local.set $jb (i32.shl (local.get $j) (i32.const 2)))
                (local.set $s
                  (f32.add (local.get $s)
                    (f32.mul (f32.load (i32.add (local.get $bp) (local.get $jb))) (f32.load (i32.add (local.get $yp) (local.get $jb))))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $sc)))
            (f32.store (i32.add (local.get $dfs) (i32.shl (i32.add (i32.mul (local.get $p) (local.get $T)) (local.get $t)) (i32.const 2))) (local.get $s))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $ts)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $ps)))))
