;; Layer: tensor/backends/cpu (WebAssembly source). Blocked matrix multiply with SIMD micro-kernels, for
;; float32 (f32x4, 4x8 tiles) and float64 (f64x2, 4x4 tiles). Compiled by `npm run build:wasm`
;; (scripts/build-wasm.js, wabt) into src/backends/cpu/gemm-wasm.generated.ts; gemm-wasm.ts drives it.
;;
;; Structure (the BLIS loop nest, without the outermost n-blocking): for each block of KC rows of B, pack
;; that block into column panels; for each block of MC rows of A, pack it into row panels; then run the
;; register tile over every (B panel, A panel) pair. Packing zero-pads the edges, so the tile never
;; branches; C is written with padded rows/columns and the caller copies out the m x n corner.
;;
;; The tile is 4 rows x 2 vectors: 8 accumulators + 2 B vectors + 4 A broadcasts + 1 temporary = 15
;; registers, which is what V8's x64 register allocator leaves us. Larger tiles and unrolling the k loop
;; were measured slower here (V8 hoists the loads and spills accumulators). WebAssembly SIMD has no fused
;; multiply-add, so each step is mul then add (results are the plain IEEE sum of products, in the order
;; p = 0, 1, ... within a KC block).
;;
;; All addresses are byte offsets into the exported memory; strides are in elements.
(module
  (memory (export "memory") 1)

  ;; C[4x8 tile at $c, row stride $ldc bytes] (+)= packed A panel (4 x kc) . packed B panel (kc x 8).
  ;; Accumulators c<row><vector> stay in registers; $acc = 0 overwrites C, else adds to it.
  (func $tile_f32 (param $kc i32) (param $a i32) (param $b i32) (param $c i32) (param $ldc i32) (param $acc i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $x v128) (local $end i32)
    (local.set $end (i32.add (local.get $b) (i32.mul (local.get $kc) (i32.const 32))))
    (loop $k
      (local.set $b0 (v128.load offset=0 (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      (local.set $x (v128.load32_splat offset=0 (local.get $a)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=4 (local.get $a)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=8 (local.get $a)))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=12 (local.get $a)))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br_if $k (i32.lt_u (local.get $b) (local.get $end))))
    (if (local.get $acc) (then
      (local.set $c00 (f32x4.add (local.get $c00) (v128.load offset=0 (local.get $c))))
      (local.set $c01 (f32x4.add (local.get $c01) (v128.load offset=16 (local.get $c))))
      (local.set $c10 (f32x4.add (local.get $c10) (v128.load offset=0 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 1))))))
      (local.set $c11 (f32x4.add (local.get $c11) (v128.load offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 1))))))
      (local.set $c20 (f32x4.add (local.get $c20) (v128.load offset=0 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 2))))))
      (local.set $c21 (f32x4.add (local.get $c21) (v128.load offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 2))))))
      (local.set $c30 (f32x4.add (local.get $c30) (v128.load offset=0 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))))))
      (local.set $c31 (f32x4.add (local.get $c31) (v128.load offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))))))
    ))
    (v128.store offset=0 (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (v128.store offset=0 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 1))) (local.get $c10))
    (v128.store offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 1))) (local.get $c11))
    (v128.store offset=0 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 2))) (local.get $c20))
    (v128.store offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 2))) (local.get $c21))
    (v128.store offset=0 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c30))
    (v128.store offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c31))
  )

  ;; Pack rows [ic, ic+mc) x columns [pc, pc+kc) of A into $wa as 4-row panels: panel r at $wa + r*kc*4,
  ;; element (i, p) at +(p*4 + i)*4. Rows past m are zero. A(i, p) is at $a + (i*$rs + p*$cs)*4.
  (func $packA_f32 (param $a i32) (param $rs i32) (param $cs i32) (param $m i32) (param $ic i32) (param $mc i32) (param $pc i32) (param $kc i32) (param $wa i32)
    (local $ir i32) (local $i i32) (local $row i32) (local $s i32) (local $step i32) (local $d i32) (local $end i32)
    (local.set $step (i32.mul (local.get $cs) (i32.const 4)))
    (loop $panels
      (local.set $i (i32.const 0))
      (loop $rows
        (local.set $row (i32.add (local.get $ic) (i32.add (local.get $ir) (local.get $i))))
        (local.set $d (i32.add (local.get $wa) (i32.mul (i32.add (i32.mul (local.get $ir) (local.get $kc)) (local.get $i)) (i32.const 4))))
        (local.set $end (i32.add (local.get $d) (i32.mul (local.get $kc) (i32.const 16))))
        (if (i32.lt_u (local.get $row) (local.get $m))
          (then
            (local.set $s (i32.add (local.get $a)
              (i32.mul (i32.add (i32.mul (local.get $row) (local.get $rs)) (i32.mul (local.get $pc) (local.get $cs))) (i32.const 4))))
            (loop $p
              (i32.store (local.get $d) (i32.load (local.get $s)))
              (local.set $s (i32.add (local.get $s) (local.get $step)))
              (local.set $d (i32.add (local.get $d) (i32.const 16)))
              (br_if $p (i32.lt_u (local.get $d) (local.get $end)))))
          (else
            (loop $z
              (i32.store (local.get $d) (i32.const 0))
              (local.set $d (i32.add (local.get $d) (i32.const 16)))
              (br_if $z (i32.lt_u (local.get $d) (local.get $end))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $rows (i32.lt_u (local.get $i) (i32.const 4))))
      (local.set $ir (i32.add (local.get $ir) (i32.const 4)))
      (br_if $panels (i32.lt_u (local.get $ir) (local.get $mc)))))

  ;; Pack rows [pc, pc+kc) of B (all n columns) into $wb as 8-column panels: panel j at $wb + j*kc*4,
  ;; element (p, j) at +(p*8 + j)*4. Columns past n are zero. B(p, j) is at $b + (p*$rs + j*$cs)*4.
  (func $packB_f32 (param $b i32) (param $rs i32) (param $cs i32) (param $n i32) (param $np i32) (param $pc i32) (param $kc i32) (param $wb i32)
    (local $p i32) (local $jr i32) (local $j i32) (local $s i32) (local $d i32) (local $step i32)
    (local.set $step (i32.mul (local.get $cs) (i32.const 4)))
    (loop $rows
      (local.set $jr (i32.const 0))
      (loop $panels
        (local.set $s (i32.add (local.get $b)
          (i32.mul (i32.add (i32.mul (i32.add (local.get $pc) (local.get $p)) (local.get $rs)) (i32.mul (local.get $jr) (local.get $cs))) (i32.const 4))))
        (local.set $d (i32.add (local.get $wb) (i32.mul (i32.add (i32.mul (local.get $jr) (local.get $kc)) (i32.mul (local.get $p) (i32.const 8))) (i32.const 4))))
        (if (i32.and (i32.eq (local.get $cs) (i32.const 1)) (i32.le_u (i32.add (local.get $jr) (i32.const 8)) (local.get $n)))
          (then
            (v128.store offset=0 (local.get $d) (v128.load offset=0 (local.get $s)))
            (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $s))))
          (else
            (local.set $j (i32.const 0))
            (loop $e
              (i32.store (local.get $d)
                (if (result i32) (i32.lt_u (i32.add (local.get $jr) (local.get $j)) (local.get $n))
                  (then (i32.load (local.get $s))) (else (i32.const 0))))
              (local.set $s (i32.add (local.get $s) (local.get $step)))
              (local.set $d (i32.add (local.get $d) (i32.const 4)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br_if $e (i32.lt_u (local.get $j) (i32.const 8))))))
        (local.set $jr (i32.add (local.get $jr) (i32.const 8)))
        (br_if $panels (i32.lt_u (local.get $jr) (local.get $np))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $p) (local.get $kc)))))

  ;; C = A.B for an m x k A (element (i,p) at $a + (i*$ars + p*$acs)*4) and a k x n B (likewise with
  ;; $brs, $bcs). C is written row-major at $c with n rounded up to a multiple of 8 columns and m rounded
  ;; up to a multiple of 4 rows (the padding receives zeros-times-whatever; the caller ignores it).
  ;; $wa needs roundup($MC, 4) * $KC elements, $wb needs $KC * roundup(n, 8). m, n, k >= 1.
  (func (export "gemm_f32") (param $m i32) (param $n i32) (param $k i32)
      (param $a i32) (param $ars i32) (param $acs i32) (param $b i32) (param $brs i32) (param $bcs i32)
      (param $c i32) (param $wa i32) (param $wb i32) (param $KC i32) (param $MC i32)
    (local $np i32) (local $ldc i32) (local $pc i32) (local $kc i32) (local $ic i32) (local $mc i32) (local $jr i32) (local $ir i32)
    (local.set $np (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8)))
    (local.set $ldc (i32.mul (local.get $np) (i32.const 4)))
    (loop $kblocks
      (local.set $kc (i32.sub (local.get $k) (local.get $pc)))
      (if (i32.gt_u (local.get $kc) (local.get $KC)) (then (local.set $kc (local.get $KC))))
      (call $packB_f32 (local.get $b) (local.get $brs) (local.get $bcs) (local.get $n) (local.get $np) (local.get $pc) (local.get $kc) (local.get $wb))
      (local.set $ic (i32.const 0))
      (loop $mblocks
        (local.set $mc (i32.sub (local.get $m) (local.get $ic)))
        (if (i32.gt_u (local.get $mc) (local.get $MC)) (then (local.set $mc (local.get $MC))))
        (call $packA_f32 (local.get $a) (local.get $ars) (local.get $acs) (local.get $m) (local.get $ic) (local.get $mc) (local.get $pc) (local.get $kc) (local.get $wa))
        ;; B panel outer, A panel inner: the kc x 8 B panel stays in L1 while the A block streams from L2
        (local.set $jr (i32.const 0))
        (loop $cols
          (local.set $ir (i32.const 0))
          (loop $tiles
            (call $tile_f32 (local.get $kc)
              (i32.add (local.get $wa) (i32.mul (i32.mul (local.get $ir) (local.get $kc)) (i32.const 4)))
              (i32.add (local.get $wb) (i32.mul (i32.mul (local.get $jr) (local.get $kc)) (i32.const 4)))
              (i32.add (local.get $c) (i32.add (i32.mul (i32.add (local.get $ic) (local.get $ir)) (local.get $ldc)) (i32.mul (local.get $jr) (i32.const 4))))
              (local.get $ldc) (local.get $pc))
            (local.set $ir (i32.add (local.get $ir) (i32.const 4)))
            (br_if $tiles (i32.lt_u (local.get $ir) (local.get $mc))))
          (local.set $jr (i32.add (local.get $jr) (i32.const 8)))
          (br_if $cols (i32.lt_u (local.get $jr) (local.get $np))))
        (local.set $ic (i32.add (local.get $ic) (local.get $MC)))
        (br_if $mblocks (i32.lt_u (local.get $ic) (local.get $m))))
      (local.set $pc (i32.add (local.get $pc) (local.get $KC)))
      (br_if $kblocks (i32.lt_u (local.get $pc) (local.get $k)))))

  ;; C[4x4 tile at $c, row stride $ldc bytes] (+)= packed A panel (4 x kc) . packed B panel (kc x 4).
  ;; Accumulators c<row><vector> stay in registers; $acc = 0 overwrites C, else adds to it.
  (func $tile_f64 (param $kc i32) (param $a i32) (param $b i32) (param $c i32) (param $ldc i32) (param $acc i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $x v128) (local $end i32)
    (local.set $end (i32.add (local.get $b) (i32.mul (local.get $kc) (i32.const 32))))
    (loop $k
      (local.set $b0 (v128.load offset=0 (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      (local.set $x (v128.load64_splat offset=0 (local.get $a)))
      (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $x) (local.get $b0))))
      (local.set $c01 (f64x2.add (local.get $c01) (f64x2.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load64_splat offset=8 (local.get $a)))
      (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $x) (local.get $b0))))
      (local.set $c11 (f64x2.add (local.get $c11) (f64x2.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load64_splat offset=16 (local.get $a)))
      (local.set $c20 (f64x2.add (local.get $c20) (f64x2.mul (local.get $x) (local.get $b0))))
      (local.set $c21 (f64x2.add (local.get $c21) (f64x2.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load64_splat offset=24 (local.get $a)))
      (local.set $c30 (f64x2.add (local.get $c30) (f64x2.mul (local.get $x) (local.get $b0))))
      (local.set $c31 (f64x2.add (local.get $c31) (f64x2.mul (local.get $x) (local.get $b1))))
      (local.set $a (i32.add (local.get $a) (i32.const 32)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br_if $k (i32.lt_u (local.get $b) (local.get $end))))
    (if (local.get $acc) (then
      (local.set $c00 (f64x2.add (local.get $c00) (v128.load offset=0 (local.get $c))))
      (local.set $c01 (f64x2.add (local.get $c01) (v128.load offset=16 (local.get $c))))
      (local.set $c10 (f64x2.add (local.get $c10) (v128.load offset=0 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 1))))))
      (local.set $c11 (f64x2.add (local.get $c11) (v128.load offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 1))))))
      (local.set $c20 (f64x2.add (local.get $c20) (v128.load offset=0 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 2))))))
      (local.set $c21 (f64x2.add (local.get $c21) (v128.load offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 2))))))
      (local.set $c30 (f64x2.add (local.get $c30) (v128.load offset=0 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))))))
      (local.set $c31 (f64x2.add (local.get $c31) (v128.load offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))))))
    ))
    (v128.store offset=0 (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (v128.store offset=0 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 1))) (local.get $c10))
    (v128.store offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 1))) (local.get $c11))
    (v128.store offset=0 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 2))) (local.get $c20))
    (v128.store offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 2))) (local.get $c21))
    (v128.store offset=0 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c30))
    (v128.store offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c31))
  )

  ;; Pack rows [ic, ic+mc) x columns [pc, pc+kc) of A into $wa as 4-row panels: panel r at $wa + r*kc*8,
  ;; element (i, p) at +(p*4 + i)*8. Rows past m are zero. A(i, p) is at $a + (i*$rs + p*$cs)*8.
  (func $packA_f64 (param $a i32) (param $rs i32) (param $cs i32) (param $m i32) (param $ic i32) (param $mc i32) (param $pc i32) (param $kc i32) (param $wa i32)
    (local $ir i32) (local $i i32) (local $row i32) (local $s i32) (local $step i32) (local $d i32) (local $end i32)
    (local.set $step (i32.mul (local.get $cs) (i32.const 8)))
    (loop $panels
      (local.set $i (i32.const 0))
      (loop $rows
        (local.set $row (i32.add (local.get $ic) (i32.add (local.get $ir) (local.get $i))))
        (local.set $d (i32.add (local.get $wa) (i32.mul (i32.add (i32.mul (local.get $ir) (local.get $kc)) (local.get $i)) (i32.const 8))))
        (local.set $end (i32.add (local.get $d) (i32.mul (local.get $kc) (i32.const 32))))
        (if (i32.lt_u (local.get $row) (local.get $m))
          (then
            (local.set $s (i32.add (local.get $a)
              (i32.mul (i32.add (i32.mul (local.get $row) (local.get $rs)) (i32.mul (local.get $pc) (local.get $cs))) (i32.const 8))))
            (loop $p
              (i64.store (local.get $d) (i64.load (local.get $s)))
              (local.set $s (i32.add (local.get $s) (local.get $step)))
              (local.set $d (i32.add (local.get $d) (i32.const 32)))
              (br_if $p (i32.lt_u (local.get $d) (local.get $end)))))
          (else
            (loop $z
              (i64.store (local.get $d) (i64.const 0))
              (local.set $d (i32.add (local.get $d) (i32.const 32)))
              (br_if $z (i32.lt_u (local.get $d) (local.get $end))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $rows (i32.lt_u (local.get $i) (i32.const 4))))
      (local.set $ir (i32.add (local.get $ir) (i32.const 4)))
      (br_if $panels (i32.lt_u (local.get $ir) (local.get $mc)))))

  ;; Pack rows [pc, pc+kc) of B (all n columns) into $wb as 4-column panels: panel j at $wb + j*kc*8,
  ;; element (p, j) at +(p*4 + j)*8. Columns past n are zero. B(p, j) is at $b + (p*$rs + j*$cs)*8.
  (func $packB_f64 (param $b i32) (param $rs i32) (param $cs i32) (param $n i32) (param $np i32) (param $pc i32) (param $kc i32) (param $wb i32)
    (local $p i32) (local $jr i32) (local $j i32) (local $s i32) (local $d i32) (local $step i32)
    (local.set $step (i32.mul (local.get $cs) (i32.const 8)))
    (loop $rows
      (local.set $jr (i32.const 0))
      (loop $panels
        (local.set $s (i32.add (local.get $b)
          (i32.mul (i32.add (i32.mul (i32.add (local.get $pc) (local.get $p)) (local.get $rs)) (i32.mul (local.get $jr) (local.get $cs))) (i32.const 8))))
        (local.set $d (i32.add (local.get $wb) (i32.mul (i32.add (i32.mul (local.get $jr) (local.get $kc)) (i32.mul (local.get $p) (i32.const 4))) (i32.const 8))))
        (if (i32.and (i32.eq (local.get $cs) (i32.const 1)) (i32.le_u (i32.add (local.get $jr) (i32.const 4)) (local.get $n)))
          (then
            (v128.store offset=0 (local.get $d) (v128.load offset=0 (local.get $s)))
            (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $s))))
          (else
            (local.set $j (i32.const 0))
            (loop $e
              (i64.store (local.get $d)
                (if (result i64) (i32.lt_u (i32.add (local.get $jr) (local.get $j)) (local.get $n))
                  (then (i64.load (local.get $s))) (else (i64.const 0))))
              (local.set $s (i32.add (local.get $s) (local.get $step)))
              (local.set $d (i32.add (local.get $d) (i32.const 8)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br_if $e (i32.lt_u (local.get $j) (i32.const 4))))))
        (local.set $jr (i32.add (local.get $jr) (i32.const 4)))
        (br_if $panels (i32.lt_u (local.get $jr) (local.get $np))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $p) (local.get $kc)))))

  ;; C = A.B for an m x k A (element (i,p) at $a + (i*$ars + p*$acs)*8) and a k x n B (likewise with
  ;; $brs, $bcs). C is written row-major at $c with n rounded up to a multiple of 4 columns and m rounded
  ;; up to a multiple of 4 rows (the padding receives zeros-times-whatever; the caller ignores it).
  ;; $wa needs roundup($MC, 4) * $KC elements, $wb needs $KC * roundup(n, 4). m, n, k >= 1.
  (func (export "gemm_f64") (param $m i32) (param $n i32) (param $k i32)
      (param $a i32) (param $ars i32) (param $acs i32) (param $b i32) (param $brs i32) (param $bcs i32)
      (param $c i32) (param $wa i32) (param $wb i32) (param $KC i32) (param $MC i32)
    (local $np i32) (local $ldc i32) (local $pc i32) (local $kc i32) (local $ic i32) (local $mc i32) (local $jr i32) (local $ir i32)
    (local.set $np (i32.and (i32.add (local.get $n) (i32.const 3)) (i32.const -4)))
    (local.set $ldc (i32.mul (local.get $np) (i32.const 8)))
    (loop $kblocks
      (local.set $kc (i32.sub (local.get $k) (local.get $pc)))
      (if (i32.gt_u (local.get $kc) (local.get $KC)) (then (local.set $kc (local.get $KC))))
      (call $packB_f64 (local.get $b) (local.get $brs) (local.get $bcs) (local.get $n) (local.get $np) (local.get $pc) (local.get $kc) (local.get $wb))
      (local.set $ic (i32.const 0))
      (loop $mblocks
        (local.set $mc (i32.sub (local.get $m) (local.get $ic)))
        (if (i32.gt_u (local.get $mc) (local.get $MC)) (then (local.set $mc (local.get $MC))))
        (call $packA_f64 (local.get $a) (local.get $ars) (local.get $acs) (local.get $m) (local.get $ic) (local.get $mc) (local.get $pc) (local.get $kc) (local.get $wa))
        ;; B panel outer, A panel inner: the kc x 4 B panel stays in L1 while the A block streams from L2
        (local.set $jr (i32.const 0))
        (loop $cols
          (local.set $ir (i32.const 0))
          (loop $tiles
            (call $tile_f64 (local.get $kc)
              (i32.add (local.get $wa) (i32.mul (i32.mul (local.get $ir) (local.get $kc)) (i32.const 8)))
              (i32.add (local.get $wb) (i32.mul (i32.mul (local.get $jr) (local.get $kc)) (i32.const 8)))
              (i32.add (local.get $c) (i32.add (i32.mul (i32.add (local.get $ic) (local.get $ir)) (local.get $ldc)) (i32.mul (local.get $jr) (i32.const 8))))
              (local.get $ldc) (local.get $pc))
            (local.set $ir (i32.add (local.get $ir) (i32.const 4)))
            (br_if $tiles (i32.lt_u (local.get $ir) (local.get $mc))))
          (local.set $jr (i32.add (local.get $jr) (i32.const 4)))
          (br_if $cols (i32.lt_u (local.get $jr) (local.get $np))))
        (local.set $ic (i32.add (local.get $ic) (local.get $MC)))
        (br_if $mblocks (i32.lt_u (local.get $ic) (local.get $m))))
      (local.set $pc (i32.add (local.get $pc) (local.get $KC)))
      (br_if $kblocks (i32.lt_u (local.get $pc) (local.get $k)))))
)
