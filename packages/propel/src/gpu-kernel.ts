// Layer: propel. The PROPEL loss on device-resident 'gpu' tensors: gpu.js kernels generated as source
// and run through the tensor package's `runGpuKernel` (forward and backward; nothing is read back). Same
// stable log form as kernel.ts (docs PROPEL.md), in float32:
//   forward   one kernel of 2B threads: thread (0, b) gives log T1 of sample b, thread (1, b) log T2
//             (online log-sum-exp: each term enters relative to the running max, so nothing overflows or
//             underflows however far the prediction is); a second tiny kernel gives the loss
//             (log T2 - log T1) / ln 10. The [2, B] logs are what backward keeps (2 floats a sample).
//   backward  two kernels. The first recomputes the softmax weights from the inputs and the saved logs,
//             `[B, I, I + 1]`, one thread per weight (O(n) work each): the T1 weight w_i = exp(a_i - log T1)
//             and the T2 weights p_i, p_ij = exp(c - log T2). The second has one thread per output element
//             (b, i, c) and applies PROPEL.md's gradient formulas with those weights (O(I) work each) times
//             the upstream gradient, read on the device (a scalar, or one value a sample). A single kernel
//             recomputing every weight in every element's thread does O(I·n) transcendental work per
//             element: ~3.4x slower (measured at B = 65536, I = 8, n = 3 in the webasm and cpu modes).
//             The weights are a temporary of I + 1 floats per component (nothing of size B·I²·n), dropped
//             when backward returns.
// Differences from the CPU kernel, all because checking values at the call would need a readback: a NaN or
// infinite input makes log T1 (so the loss) non-finite, and a variance below 1e-30 (e.g. s = 0, or s = 1e-20
// with sigmaTransform 'identity', where float32 cannot hold s²) makes log T1 the sentinel -3e38 (so the loss
// about 1.3e38 a sample, above GPU_FLAGGED even after a mean). propel-op.ts then checks the inputs when the loss, or the
// gradient, is read back, and throws the CPU path's error (or, for a variance float32 cannot represent, an
// error saying so): a wrong number never reaches the reader. Inside the kernels such a variance is clamped to
// 1e-30 only so that nothing divides by zero on the way.
// Imports tensor's public API (its kernel-source helpers too) and inputs.ts's types.
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import type { PropelDims, PropelMode, SigmaTransform } from './inputs';

const { fn, splitIndex, address } = T.gpuSource;

/** Variances below this cannot be computed with on 'gpu' (float32): flagged, then clamped (see the file header). */
export const GPU_MIN_VARIANCE = 1e-30;
/** What log T1 becomes for a sample with a variance below GPU_MIN_VARIANCE (kernel source): far beyond any real log. */
const FLAG_LOG = '-3.0e38';
/**
 * A loss (or log) this large in magnitude is the kernel's flag, not a value: a flagged sample's loss is about
 * 1.3e38, still above this after a mean over up to 1e8 samples, and a real loss is many orders smaller.
 */
export const GPU_FLAGGED = 1e30;

/** The loss parameters the kernels need. */
export interface PropelGpuParams {
  readonly sigma: number;
  readonly mode: PropelMode;
  readonly sigmaTransform: SigmaTransform;
}

/** What the gpu backward needs: the inputs (device tensors, views allowed) and the `[2, B]` log T1, log T2. */
export interface PropelGpuSaved {
  readonly device: 'gpu';
  readonly dims: Readonly<PropelDims>;
  readonly params: PropelGpuParams;
  readonly output: Tensor;
  readonly target: Tensor;
  /** `[2, B]`: row 0 natural-log T1, row 1 natural-log T2, per sample. */
  readonly logT: Tensor;
}

const LN10 = Math.LN10;
const LOG_2PI = Math.log(2 * Math.PI);
const LOG_2SQRTPI = Math.log(2 * Math.sqrt(Math.PI));

/**
 * The per-sample constants, computed in float64 on the host and passed as kernel scalars:
 * vg = sigma², c0 = log H(P_gt) (n-dimensional in 'paper' mode, 1-D in 'torchpropel'),
 * k1 = log(2/I) - (n/2) log 2π (T1 terms), k2 = -2 log I - n log(2√π) (T2 self terms),
 * k3 = log(2/I²) - (n/2) log 2π (T2 pair terms).
 */
function constants(dims: PropelDims, p: PropelGpuParams): number[] {
  const { I, n } = dims;
  const vg = p.sigma * p.sigma;
  const c0 = p.mode === 'paper' ? -n * LOG_2SQRTPI - n * Math.log(p.sigma) : -LOG_2SQRTPI - Math.log(p.sigma);
  const k1 = Math.log(2 / I) - 0.5 * n * LOG_2PI;
  const k2 = -2 * Math.log(I) - n * LOG_2SQRTPI;
  const k3 = Math.log(2 / (I * I)) - 0.5 * n * LOG_2PI;
  return [vg, c0, k1, k2, k3];
}
/** The kernel parameters `constants` fills, in its order. */
const SCALARS = ['vg', 'c0', 'k1', 'k2', 'k3'];

// ---- source helpers (each returns statements as text) ------------------------------------------------

/**
 * `out` = raw standard-deviation channel value `s` turned into a variance (clamped), `dout` = dv/ds; `flag`,
 * when given, is a statement run when the variance was below GPU_MIN_VARIANCE.
 */
function varianceLines(tr: SigmaTransform, s: string, out: string, dout: string | null, flag = ''): string[] {
  const clamp = `if (${out} < ${GPU_MIN_VARIANCE}) { ${flag}${out} = ${GPU_MIN_VARIANCE}; }`;
  switch (tr) {
    case 'identity':                  // v = s², dv/ds = 2s
      return [`let ${out} = ${s} * ${s};`, clamp, ...(dout ? [`let ${dout} = 2 * ${s};`] : [])];
    case 'exp':                       // v = e^(2s), dv/ds = 2v
      return [`let ${out} = Math.exp(2 * ${s});`, ...(dout ? [`let ${dout} = 2 * ${out};`] : []), clamp];
    case 'softplus': {                // std = max(s, 0) + log1p(e^-|s|), dstd/ds = sigmoid(s)
      const z = `${out}z`, l = `${out}l`, q = `${out}q`, sd = `${out}sd`;
      return [
        `let ${z} = Math.exp(-Math.abs(${s}));`,
        // log1p(z) for z in (0, 1]: 2 atanh(z / (2 + z)) as an odd series (|q| <= 1/3: truncation < 1e-9)
        `let ${q} = ${z} / (2 + ${z});`,
        `let ${l} = ${q} * ${q};`,
        `${l} = 2 * ${q} * (1 + ${l} * (0.3333333333333333 + ${l} * (0.2 + ${l} * (0.14285714285714285 + ${l} * (0.1111111111111111 + ${l} * (0.09090909090909091 + ${l} * (0.07692307692307693 + ${l} * (0.06666666666666667 + ${l} * 0.058823529411764705))))))));`,
        `let ${sd} = ${l};`,
        `if (${s} > 0) { ${sd} = ${s} + ${l}; }`,
        `let ${out} = ${sd} * ${sd};`,
        ...(dout ? [`let ${dout} = 2 * ${sd} * ${z} / (1 + ${z});`, `if (${s} > 0) { ${dout} = 2 * ${sd} / (1 + ${z}); }`] : []),
        clamp,
      ];
    }
    default: {
      const never: never = tr;
      throw new Error(`internal: unhandled sigmaTransform ${String(never)}`);
    }
  }
}

/** Add the log-term `x` to the online log-sum-exp (running max `m`, sum `s` relative to it). */
function lseAdd(m: string, s: string, x: string): string[] {
  return [
    `if (${x} > ${m}) { ${s} = ${s} * Math.exp(${m} - ${x}) + 1; ${m} = ${x}; } else { ${s} = ${s} + Math.exp(${x} - ${m}); }`,
  ];
}

/** Addressing of the (possibly strided) inputs: output x0/o0 `[B, I, 2n]`, target x1/o1 `[B, n]`. */
interface Layout {
  readonly out: readonly number[];
  readonly tgt: readonly number[];
}
const layoutOf = (output: Tensor, target: Tensor): Layout => ({ out: output.strides, tgt: target.strides });

const mean = (L: Layout, b: string, i: string, d: string) => `x0[${address('o0', [b, i, d], L.out)}]`;
const rawStd = (L: Layout, n: number, b: string, i: string, d: string) => `x0[${address(`o0 + ${n * L.out[2]!}`, [b, i, d], L.out)}]`;
const tgt = (L: Layout, b: string, d: string) => `x1[${address('o1', [b, d], L.tgt)}]`;

function indent(lines: readonly string[], by = '  '): string[] {
  return lines.map((l) => by + l);
}

/**
 * The T2 pair term of components i and j (i != j) of sample b, without its constant k3: subtracts
 * 1/2 sum_d ((mu_id - mu_jd)² / S' + log S'), S' = v_id + v_jd, from `acc`. The forward kernel and the
 * weights kernel both compute it.
 */
function pairTermLines(tr: SigmaTransform, L: Layout, n: number, acc: string): string[] {
  return [
    `for (let d = 0; d < ${n}; d++) {`,
    ...indent(varianceLines(tr, rawStd(L, n, 'b', 'i', 'd'), 'vi', null)),
    ...indent(varianceLines(tr, rawStd(L, n, 'b', 'j', 'd'), 'vj', null)),
    `  let e = ${mean(L, 'b', 'i', 'd')} - ${mean(L, 'b', 'j', 'd')};`,
    '  let S = vi + vj;',
    `  ${acc} = ${acc} - 0.5 * (e * e / S + Math.log(S));`,
    '}',
  ];
}

// ---- forward -----------------------------------------------------------------------------------------

/** The forward kernel: 2B threads; thread x < B gives log T1 of sample x, thread B + b gives log T2 of b. */
function forwardSource(dims: PropelDims, tr: SigmaTransform, L: Layout): string {
  const { B, I, n } = dims;
  const t1 = [
    // a_i = -1/2 sum_d ((t_d - mu_id)² / S + log S), S = vg + v_id; log T1 = k1 + logsumexp_i a_i
    // a non-finite input makes log T1 that input (NaN or ±inf) rather than letting GL's comparisons and
    // clamps swallow it: the loss is then non-finite, and its read-back check names the input (propel-op.ts)
    'let m = 0;',
    'let s = 0;',
    'let bad = 0;',
    'let badv = 0;',
    'let tiny = 0;',
    `for (let i = 0; i < ${I}; i++) {`,
    '  let a = 0;',
    `  for (let d = 0; d < ${n}; d++) {`,
    `    let tv = ${tgt(L, 'b', 'd')};`,
    `    let mv = ${mean(L, 'b', 'i', 'd')};`,
    `    let sv = ${rawStd(L, n, 'b', 'i', 'd')};`,
    '    if (!(tv === tv) || Math.abs(tv) > 3.0e38) { bad = 1; badv = tv; }',
    '    if (!(mv === mv) || Math.abs(mv) > 3.0e38) { bad = 1; badv = mv; }',
    '    if (!(sv === sv) || Math.abs(sv) > 3.0e38) { bad = 1; badv = sv; }',
    ...indent(varianceLines(tr, 'sv', 'v', null, 'tiny = 1; '), '    '),
    '    let e = tv - mv;',
    '    let S = vg + v;',
    '    a = a - 0.5 * (e * e / S + Math.log(S));',
    '  }',
    '  if (i === 0) { m = a; s = 1; } else {',
    ...indent(lseAdd('m', 's', 'a'), '    '),
    '  }',
    '}',
    'if (bad > 0) { return badv; }',
    `if (tiny > 0) { return ${FLAG_LOG}; }`,
    'return k1 + m + Math.log(s);',
  ];
  const t2 = [
    // terms: c0 = log H(v_g); c_i = k2 - 1/2 sum_d log v_id; c_ij = k3 - 1/2 sum_d (dmu²/S' + log S') for i < j
    'let m = c0;',
    'let s = 1;',
    `for (let i = 0; i < ${I}; i++) {`,
    '  let c = k2;',
    `  for (let d = 0; d < ${n}; d++) {`,
    ...indent(varianceLines(tr, rawStd(L, n, 'b', 'i', 'd'), 'v', null), '    '),
    '    c = c - 0.5 * Math.log(v);',
    '  }',
    ...indent(lseAdd('m', 's', 'c')),
    `  for (let j = 0; j < ${I}; j++) {`,
    '    if (j > i) {',
    '      let cp = k3;',
    ...indent(pairTermLines(tr, L, n, 'cp'), '      '),
    ...indent(lseAdd('m', 's', 'cp'), '      '),
    '    }',
    '  }',
    '}',
    'return m + Math.log(s);',
  ];
  return fn(['x0', 'o0', 'x1', 'o1', ...SCALARS], [
    'let b = this.thread.x;',
    `if (b < ${B}) {`,
    ...indent(t1),
    '} else {',
    `  b = b - ${B};`,
    ...indent(t2),
    '}',
  ]);
}

/** loss[b] = (log T2 - log T1) / ln 10 from the contiguous `[2, B]` logs (x0, o0). */
function lossSource(B: number): string {
  return fn(['x0', 'o0'], [`return (x0[o0 + this.thread.x + ${B}] - x0[o0 + this.thread.x]) * ${1 / LN10};`]);
}

function checkInputs(output: Tensor, target: Tensor, dims: PropelDims): void {
  const { B, I, n } = dims;
  const ok = output.shape.length === 3 && output.shape[0] === B && output.shape[1] === I && output.shape[2] === 2 * n &&
    target.shape.length === 2 && target.shape[0] === B && target.shape[1] === n;
  if (!ok) throw new Error(`internal: propel gpu kernel called with shapes ${T.fmtShape(output.shape)} and ${T.fmtShape(target.shape)} for dims ${JSON.stringify(dims)}`);
}

/**
 * The PROPEL per-sample loss `[B]` of 'gpu' tensors `output` `[B, I, 2n]` and `target` `[B, n]` (views
 * allowed), computed on the device, and what `propelGpuBackward` needs. Nothing is read back.
 *
 * ```ts
 * const { lossPerSample, saved } = propelGpuForward(output, target, { B, I, n }, { sigma: 0.1, mode: 'paper', sigmaTransform: 'identity' });
 * const grad = propelGpuBackward(saved, T.full([], 1 / B, { device: 'gpu' }));   // d mean / d output
 * ```
 */
export function propelGpuForward(output: Tensor, target: Tensor, dims: PropelDims, params: PropelGpuParams): { lossPerSample: Tensor; saved: PropelGpuSaved } {
  checkInputs(output, target, dims);
  const { B, I, n } = dims;
  const L = layoutOf(output, target);
  const logT = T.runGpuKernel({
    name: 'propelLoss',
    source: forwardSource(dims, params.sigmaTransform, L),
    output: [2, B],
    inputs: [output, target],
    scalars: constants(dims, params),
    loopBound: Math.max(I, n),
  });
  const lossPerSample = T.runGpuKernel({ name: 'propelLoss', source: lossSource(B), output: [B], inputs: [logT], loopBound: 1 });
  return { lossPerSample, saved: { device: 'gpu', dims: { B, I, n }, params, output, target, logT } };
}

// ---- backward ----------------------------------------------------------------------------------------

/**
 * The weights kernel: `[B, I, I + 1]`, thread (b, i, j) recomputes one softmax weight of sample b from the
 * inputs and the saved logs: j = I gives the T1 weight w_i = exp(a_i - log T1), j = i the T2 self weight
 * p_i = exp(c_i - log T2), any other j the T2 pair weight p_ij = exp(c_ij - log T2). O(n) work a thread.
 * Inputs x0/o0 output, x1/o1 target, x2/o2 the `[2, B]` logs (contiguous), then the scalars.
 */
function weightsSource(dims: PropelDims, tr: SigmaTransform, L: Layout): string {
  const { B, I, n } = dims;
  return fn(['x0', 'o0', 'x1', 'o1', 'x2', 'o2', ...SCALARS], [
    ...splitIndex('this.thread.x', ['b', 'i', 'j'], [B, I, I + 1]),
    'let acc = 0;',
    'let lw = 0;',
    `if (j === ${I}) {`,
    // a_i = -1/2 sum_d ((t_d - mu_id)² / S + log S), S = vg + v_id
    `  for (let d = 0; d < ${n}; d++) {`,
    ...indent(varianceLines(tr, rawStd(L, n, 'b', 'i', 'd'), 'v', null), '    '),
    `    let e = ${tgt(L, 'b', 'd')} - ${mean(L, 'b', 'i', 'd')};`,
    '    let S = vg + v;',
    '    acc = acc - 0.5 * (e * e / S + Math.log(S));',
    '  }',
    '  lw = k1 + acc - x2[o2 + b];',
    '} else {',
    '  if (j === i) {',
    // c_i = k2 - 1/2 sum_d log v_id
    `    for (let d = 0; d < ${n}; d++) {`,
    ...indent(varianceLines(tr, rawStd(L, n, 'b', 'i', 'd'), 'v', null), '      '),
    '      acc = acc - 0.5 * Math.log(v);',
    '    }',
    '    lw = k2 + acc;',
    '  } else {',
    // c_ij = k3 - 1/2 sum_d ((mu_id - mu_jd)² / S' + log S'), S' = v_id + v_jd
    ...indent(pairTermLines(tr, L, n, 'acc'), '    '),
    '    lw = k3 + acc;',
    '  }',
    `  lw = lw - x2[o2 + ${B} + b];`,
    '}',
    // a weight is at most 1: clamping its log at 0 keeps it so where float32 rounding of terms of ~1e10
    // (a target 1e6 standard deviations away) would otherwise make exp overflow
    'return Math.exp(Math.min(lw, 0));',
  ]);
}

/**
 * The gradient kernel: `[B, I, 2n]`, thread (b, i, c) with d = c mod n applies PROPEL.md's formulas with
 * the weights (x2/o2, `[B, I, I + 1]` from the weights kernel): O(I) work a thread. Inputs x0/o0 output,
 * x1/o1 target, x3/o3 the upstream gradient (stride `dyStride` per sample: 0 for a scalar), then `vg`
 * and `dyScale`.
 */
function gradientSource(dims: PropelDims, tr: SigmaTransform, L: Layout, dyStride: number): string {
  const { B, I, n } = dims;
  const W = I + 1;
  return fn(['x0', 'o0', 'x1', 'o1', 'x2', 'o2', 'x3', 'o3', 'vg', 'dyScale'], [
    ...splitIndex('this.thread.x', ['b', 'i', 'c'], [B, I, 2 * n]),
    'let d = c;',
    'let isStd = 0;',
    `if (c >= ${n}) { d = c - ${n}; isStd = 1; }`,
    `let wrow = o2 + b * ${I * W} + i * ${W};`,
    `let w = x2[wrow + ${I}];`,
    'let ps = x2[wrow + i];',
    `let mu = ${mean(L, 'b', 'i', 'd')};`,
    ...varianceLines(tr, rawStd(L, n, 'b', 'i', 'd'), 'v', 'dv'),
    `let e = ${tgt(L, 'b', 'd')} - mu;`,
    'let S = vg + v;',
    // dL/dmu = (sum_k p_k dc_k/dmu - w (t - mu)/S) / ln10;  dL/dv = (sum_k p_k dc_k/dv - w ((t-mu)²/(2S²) - 1/(2S))) / ln10
    // with dc_i/dv = -1/(2v), dc_ij/dmu_i = -(mu_i - mu_j)/S', dc_ij/dv_i = (mu_i - mu_j)²/(2S'²) - 1/(2S')
    'let gm = -w * e / S;',
    'let gv = -0.5 * ps / v - w * (0.5 * e * e / (S * S) - 0.5 / S);',
    `for (let j = 0; j < ${I}; j++) {`,
    '  if (j !== i) {',
    '    let pij = x2[wrow + j];',
    ...indent(varianceLines(tr, rawStd(L, n, 'b', 'j', 'd'), 'vj', null), '    '),
    `    let h = mu - ${mean(L, 'b', 'j', 'd')};`,
    '    let Sq = v + vj;',
    '    gm = gm - pij * h / Sq;',
    '    gv = gv + pij * (0.5 * h * h / (Sq * Sq) - 0.5 / Sq);',
    '  }',
    '}',
    `let up = x3[${address('o3', ['b'], [dyStride])}] * dyScale * ${1 / LN10};`,
    'let g = gm;',
    'if (isStd > 0) { g = gv * dv; }',
    'return g * up;',
  ]);
}

/**
 * d(sum_b dy_b · L_b) / d output, `[B, I, 2n]` on the device: `dy` is a 'gpu' tensor, either one value for
 * every sample (shape `[]` or `[1]`, times `dyScale`: 1/B for a 'mean' reduction) or one per sample (`[B]`).
 * Two kernels: the softmax weights `[B, I, I + 1]` recomputed from the inputs and the saved logs (a
 * temporary of I + 1 floats per component, nothing of size B·I²·n), then the gradient.
 */
export function propelGpuBackward(saved: PropelGpuSaved, dy: Tensor, dyScale = 1): Tensor {
  const { dims, params, output, target, logT } = saved;
  const { B, I, n } = dims;
  let dyStride: number;
  if (dy.size === 1) dyStride = 0;
  else if (dy.shape.length === 1 && dy.shape[0] === B) dyStride = dy.strides[0]!;
  else throw new T.TensorError(`propelLoss: upstream gradient dy has shape ${T.fmtShape(dy.shape)}, expected [] or [${B}] (one per sample)`);
  const L = layoutOf(output, target);
  const consts = constants(dims, params);
  const weights = T.runGpuKernel({
    name: 'propelLoss.backward',
    source: weightsSource(dims, params.sigmaTransform, L),
    output: [B, I, I + 1],
    inputs: [output, target, logT],
    scalars: consts,
    loopBound: n,
  });
  return T.runGpuKernel({
    name: 'propelLoss.backward',
    source: gradientSource(dims, params.sigmaTransform, L, dyStride),
    output: [B, I, 2 * n],
    inputs: [output, target, weights, dy],
    scalars: [consts[0]!, dyScale],
    loopBound: I,
  });
}
