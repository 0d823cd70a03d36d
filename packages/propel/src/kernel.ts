// Layer: propel. The numerical core of the PROPEL loss on flat row-major typed arrays: forward, a
// hand-derived backward in log space (see docs PROPEL.md, "Stable form"), and input validation.
// No tensors, no tape: the fused autograd op (propel-op.ts) is a thin wrapper around these functions.
// Imports only TensorError and fmtShape from '@propel-ts/tensor'.
import { TensorError, checkArity, checkOptions, describeValue, fmtShape, optBoolean } from '@propel-ts/tensor';

/** The name errors carry: the kernel is the body of the user-facing `propelLoss` op. */
const OP = 'propelLoss';

/**
 * 'paper': the equations with the n-dimensional H(P_gt) (a perfect prediction gives L = 0).
 * 'torchpropel': H(P_gt) in the 1-D form `1/(2 sqrt(pi) sigma)` whatever n, as the original code computes
 * it, to reproduce its numbers (identical to 'paper' when n = 1).
 */
export type PropelMode = 'paper' | 'torchpropel';

/**
 * How a raw standard-deviation channel `s` becomes a standard deviation:
 * 'identity' (the reference's behaviour): std = s (its sign does not matter), variance = s²;
 * 'softplus': std = log(1 + e^s); 'exp': std = e^s.
 * With 'identity' the loss has a 1/|s| singularity that makes training spike when an output nears 0; the
 * transforms keep the standard deviation positive and smooth.
 */
export type SigmaTransform = 'identity' | 'softplus' | 'exp';

/** The float arrays the kernel reads and writes. */
export type FloatArray = Float32Array | Float64Array;

/** Sizes: B samples, I mixture components, n output dimensions (the output is `[B, I, 2n]`). */
export interface PropelDims {
  B: number;
  I: number;
  n: number;
}

/** Options of the kernel. */
export interface PropelKernelOptions {
  /** Ground-truth standard deviation (a finite number > 0). */
  sigma: number;
  /** Default 'paper'. */
  mode?: PropelMode;
  /** Default 'identity'. */
  sigmaTransform?: SigmaTransform;
}

/**
 * What backward needs: the per-sample Jacobian `jacobian[b, i, c] = d L_b / d output[b, i, c]` (`[B, I, 2n]`,
 * the output's dtype), computed in the same pass as the loss. Backward is then `dy_b * jacobian` (a loss is
 * one number per sample, so its Jacobian has the output's size). Nothing of size B·I²·n is ever stored: the
 * per-pair quantities live in O(n) scratch while their sample is processed. `jacobian` is null when the
 * forward ran with `needsGrad: false`. The inputs are not referenced.
 */
export interface PropelSaved<T extends FloatArray = FloatArray> {
  readonly dims: Readonly<PropelDims>;
  readonly sigma: number;
  readonly mode: PropelMode;
  readonly sigmaTransform: SigmaTransform;
  readonly jacobian: T | null;
}

/** The result of `propelForward`. */
export interface PropelForwardResult<T extends FloatArray = FloatArray> {
  /** `[B]` per-sample loss `log10(T2) - log10(T1)`, in the output's dtype (accumulated in float64). */
  lossPerSample: T;
  /** `[B]` natural-log T1 and T2 (float64), for diagnostics: `lossPerSample = (logT2 - logT1) / ln 10`. */
  logT1: Float64Array;
  logT2: Float64Array;
  /** Hand to `propelBackward`; drop it afterwards. */
  saved: PropelSaved<T>;
}

/** Options of one forward call beyond the loss's own. */
export interface PropelForwardOptions<T extends FloatArray = FloatArray> {
  /** Compute the Jacobian for backward (default true); false makes an evaluation-only forward ~2x cheaper. */
  needsGrad?: boolean;
  /** Preallocated result arrays to reuse across steps (overwritten; each must have the right length and type). */
  buffers?: {
    lossPerSample?: T;
    logT1?: Float64Array;
    logT2?: Float64Array;
    jacobian?: T;
  };
}

const LOG_2PI = Math.log(2 * Math.PI);
const LOG_2SQRTPI = Math.log(2 * Math.sqrt(Math.PI));
/** Products of n factors outside this range are redone as sums of logs (no under/overflow, no subnormals). */
const PROD_LO = 1e-280;
const PROD_HI = 1e280;

// ---- validation --------------------------------------------------------------------------------------

function err(message: string): never {
  throw new TensorError(`${OP}: ${message}`);
}

function isPositiveInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x > 0;
}

/** Check and default the options (sigma finite and > 0, known mode and transform). */
export function resolvePropelOptions(opts: PropelKernelOptions): Required<PropelKernelOptions> {
  checkArity('resolvePropelOptions', arguments, 1, 'resolvePropelOptions({ sigma, mode, sigmaTransform })');
  return readKernelOptions('resolvePropelOptions', opts);
}

/** `resolvePropelOptions` under the name of its caller `fn` (propelLoss, propelForward, ...), for its errors. */
export function readKernelOptions(fn: string, opts: PropelKernelOptions): Required<PropelKernelOptions> {
  const fail = (message: string): never => { throw new TensorError(`${fn}: ${message}`); };
  if (opts === null || typeof opts !== 'object') fail(`options must be an object with sigma, got ${describeValue(opts)}`);
  checkOptions(fn, opts, ['sigma', 'mode', 'sigmaTransform']);
  const { sigma } = opts;
  const mode = opts.mode ?? 'paper';
  const sigmaTransform = opts.sigmaTransform ?? 'identity';
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || !(sigma > 0)) {
    fail(`sigma (the ground-truth standard deviation) must be a finite number > 0, got ${describeValue(sigma)}`);
  }
  if (mode !== 'paper' && mode !== 'torchpropel') fail(`mode must be 'paper' or 'torchpropel', got ${describeValue(mode)}`);
  if (sigmaTransform !== 'identity' && sigmaTransform !== 'softplus' && sigmaTransform !== 'exp') {
    fail(`sigmaTransform must be 'identity', 'softplus' or 'exp', got ${describeValue(sigmaTransform)}`);
  }
  return { sigma, mode, sigmaTransform };
}

/**
 * Check the shapes of a PROPEL call and return its sizes: `output` `[B, I, 2n]` (means then standard
 * deviations), `target` `[B, n]`.
 *
 * ```ts
 * propelDimsFromShapes([16, 4, 6], [16, 3]);   // { B: 16, I: 4, n: 3 }
 * propelDimsFromShapes([16, 4, 5], [16, 3]);   // propelLoss: output's last dimension must be even (2n) ...
 * ```
 */
export function propelDimsFromShapes(outputShape: readonly number[], targetShape: readonly number[]): PropelDims {
  checkArity('propelDimsFromShapes', arguments, 2, 'propelDimsFromShapes(outputShape, targetShape)');
  if (outputShape.length !== 3) {
    err(`output must have rank 3, shape [B, I, 2n] (n means then n standard deviations per component), got shape ${fmtShape(outputShape)}`);
  }
  const [B, I, twoN] = outputShape as [number, number, number];
  if (twoN % 2 !== 0) err(`output's last dimension must be even (2n: n means then n standard deviations), got shape ${fmtShape(outputShape)}`);
  const n = twoN / 2;
  if (I < 1 || n < 1) err(`output must have at least one component and one dimension, got shape ${fmtShape(outputShape)}`);
  if (targetShape.length !== 2) err(`target must have rank 2, shape [B, n] = ${fmtShape([B, n])}, got shape ${fmtShape(targetShape)}`);
  if (targetShape[0] !== B) err(`target has batch size ${targetShape[0]}, expected ${B} (output's B); target shape ${fmtShape(targetShape)}, output shape ${fmtShape(outputShape)}`);
  if (targetShape[1] !== n) err(`target has n = ${targetShape[1]} dimensions, expected ${n} (output's last dimension ${twoN} / 2); target shape ${fmtShape(targetShape)}, output shape ${fmtShape(outputShape)}`);
  return { B, I, n };
}

function checkDims(output: FloatArray, target: FloatArray, dims: PropelDims): void {
  if (!(output instanceof Float32Array || output instanceof Float64Array)) err(`output must be a Float32Array or Float64Array, got ${describeArray(output)}`);
  if (!(target instanceof Float32Array || target instanceof Float64Array)) err(`target must be a Float32Array or Float64Array, got ${describeArray(target)}`);
  const { B, I, n } = dims;
  if (!(Number.isInteger(B) && B >= 0) || !isPositiveInt(I) || !isPositiveInt(n)) {
    err(`dims must be integers with B >= 0, I >= 1, n >= 1, got { B: ${B}, I: ${I}, n: ${n} }`);
  }
  if (output.length !== B * I * 2 * n) err(`output has ${output.length} elements, expected B*I*2n = ${B * I * 2 * n} for shape ${fmtShape([B, I, 2 * n])}`);
  if (target.length !== B * n) err(`target has ${target.length} elements, expected B*n = ${B * n} for shape ${fmtShape([B, n])}`);
}

function describeArray(x: unknown): string {
  if (x === null || typeof x !== 'object') return String(x);
  return (x as object).constructor?.name ?? 'object';
}

/** Throw naming the argument and the first non-finite element (multi-index and flat index), if any. */
function scanFinite(name: string, data: ArrayLike<number>, shape: readonly number[]): void {
  for (let k = 0; k < data.length; k++) {
    const x = data[k]!;
    if (!Number.isFinite(x)) {
      const idx: number[] = [];
      let rest = k;
      for (let d = shape.length - 1; d >= 0; d--) {
        const s = shape[d]!;
        idx.unshift(rest % s);
        rest = Math.floor(rest / s);
      }
      err(`${name} contains ${Number.isNaN(x) ? 'NaN' : x} at index ${fmtShape(idx)} (flat ${k}), expected finite values`);
    }
  }
}

/**
 * Validate a PROPEL call: shapes (`output` `[B, I, 2n]`, `target` `[B, n]`), options (sigma finite > 0, mode,
 * sigmaTransform) and, when `values` are given, that every element is finite and every predicted standard
 * deviation is non-zero after the transform. Errors name the op ('propelLoss'), the argument, got and expected:
 *
 *     propelLoss: target has n = 2 dimensions, expected 3 (output's last dimension 6 / 2); ...
 *     propelLoss: output contains NaN at index [0,2,5] (flat 17), expected finite values
 *
 * `propelForward` performs the same value checks fused into its loop (at no measurable cost), so calling
 * this first is only needed for early, shape-level errors.
 */
export function checkPropelInputs(
  outputShape: readonly number[],
  targetShape: readonly number[],
  opts: PropelKernelOptions,
  values?: { output: ArrayLike<number>; target: ArrayLike<number> },
): PropelDims {
  checkArity('checkPropelInputs', arguments, 4, 'checkPropelInputs(outputShape, targetShape, { sigma, mode, sigmaTransform }, values)');
  const dims = propelDimsFromShapes(outputShape, targetShape);
  const o = readKernelOptions('checkPropelInputs', opts);
  if (values) {
    const { B, I, n } = dims;
    if (values.output.length !== B * I * 2 * n) err(`output has ${values.output.length} elements, expected ${B * I * 2 * n} for shape ${fmtShape(outputShape)}`);
    if (values.target.length !== B * n) err(`target has ${values.target.length} elements, expected ${B * n} for shape ${fmtShape(targetShape)}`);
    scanFinite('output', values.output, outputShape);
    scanFinite('target', values.target, targetShape);
    for (let k = 0; k < values.output.length; k++) {
      if (k % (2 * n) >= n) {
        const v = varianceOf(values.output[k]!, o.sigmaTransform);
        if (!(v > 0 && v < Infinity)) failVariance(values.output, k, dims, o.sigmaTransform);
      }
    }
  }
  return dims;
}

/** The `[b, i, c]` index of flat element `k` of a `[B, I, 2n]` output (for error messages). */
export function outputIndex(k: number, dims: PropelDims): [number, number, number] {
  const { I, n } = dims;
  return [Math.floor(k / (I * 2 * n)), Math.floor(k / (2 * n)) % I, k % (2 * n)];
}

function failVariance(output: ArrayLike<number>, k: number, dims: PropelDims, tr: SigmaTransform): never {
  const s = output[k]!;
  const idx = outputIndex(k, dims);
  const v = varianceOf(s, tr);
  if (tr === 'identity') {
    err(`output standard deviation at index ${fmtShape(idx)} is ${s}, whose variance s² ${v === 0 ? 'is 0' : 'overflows'}; expected a non-zero standard deviation with |s| in about [1e-150, 1e150] (sigmaTransform 'identity' squares s; use 'softplus' or 'exp' to keep it positive)`);
  }
  err(`output standard deviation at index ${fmtShape(idx)}: sigmaTransform '${tr}' of ${s} gives variance ${v}, expected a finite variance > 0 (the raw value is too ${v === 0 ? 'negative' : 'large'})`);
}

// ---- standard-deviation transforms -------------------------------------------------------------------

/** softplus(s) = log(1 + e^s), without overflow. */
function softplus(s: number): number {
  return s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s));
}

/**
 * The standard deviation a raw channel value `s` encodes under `transform`
 * ('identity': |s|; 'softplus': log(1+e^s); 'exp': e^s).
 */
export function stdOf(s: number, transform: SigmaTransform = 'identity'): number {
  switch (transform) {
    case 'identity': return Math.abs(s);
    case 'softplus': return softplus(s);
    case 'exp': return Math.exp(s);
    default: return exhaustive(transform);
  }
}

/** The variance a raw channel value `s` encodes under `transform` (`stdOf(s)²`). */
export function varianceOf(s: number, transform: SigmaTransform = 'identity'): number {
  switch (transform) {
    case 'identity': return s * s;
    case 'softplus': { const sd = softplus(s); return sd * sd; }
    case 'exp': return Math.exp(2 * s);
    default: return exhaustive(transform);
  }
}

function exhaustive(x: never): never {
  throw new Error(`internal: unhandled case ${String(x)}`);
}

function transformCode(tr: SigmaTransform): number {
  switch (tr) {
    case 'identity': return 0;
    case 'softplus': return 1;
    case 'exp': return 2;
    default: return exhaustive(tr);
  }
}

// ---- forward -----------------------------------------------------------------------------------------

function allocLike<T extends FloatArray>(like: T, length: number): T {
  return (like instanceof Float64Array ? new Float64Array(length) : new Float32Array(length)) as T;
}

function takeBuffer<A extends FloatArray>(name: string, given: A | undefined, length: number, make: () => A, like?: FloatArray): A {
  if (given === undefined) return make();
  if (given.length !== length) err(`buffer ${name} has length ${given.length}, expected ${length}`);
  if (like && given.constructor !== like.constructor) err(`buffer ${name} is a ${given.constructor.name}, expected a ${like.constructor.name} (the output's type)`);
  return given;
}

/**
 * The per-sample PROPEL loss on flat row-major arrays, in the stable log form (log-sum-exp), accumulated
 * in float64 whatever the input type, and (unless `needsGrad: false`) its hand-derived Jacobian for
 * `propelBackward`, in the same pass.
 *
 * `output` is `[B, I, 2n]` (per component n means then n raw standard deviations), `target` `[B, n]`.
 * Returns the per-sample loss in the output's dtype. Finite however far the prediction is from the
 * target; I = 1 needs no special case.
 *
 * Errors (TensorError, op 'propelLoss'): sizes that do not match `dims`; sigma not finite or ≤ 0; a
 * non-finite element (named with its index; detected inside the loop at no extra cost); a predicted
 * standard deviation whose variance is 0 or overflows (in 'identity' mode s = 0 exactly, or |s| below
 * about 1e-154 so that s² underflows). That is an error, not a clamp: the loss there is +infinity, and a
 * clamp would silently change both the loss and its gradient.
 *
 * ```ts
 * const output = new Float64Array([0.5, 0.2]);     // B = 1, I = 1, n = 1: mu = 0.5, s = 0.2
 * const target = new Float64Array([0.5]);
 * const { lossPerSample, saved } = propelForward(output, target, { B: 1, I: 1, n: 1 }, { sigma: 0.2 });
 * lossPerSample[0];                                 // ~0 (perfect prediction)
 * const grad = propelBackward(saved, 1);            // d loss / d output, Float64Array(2)
 * ```
 */
export function propelForward<T extends FloatArray>(
  output: T,
  target: FloatArray,
  dims: PropelDims,
  opts: PropelKernelOptions,
  call: PropelForwardOptions<T> = {},
): PropelForwardResult<T> {
  checkArity('propelForward', arguments, 5, 'propelForward(output, target, dims, { sigma, mode, sigmaTransform }, { needsGrad, buffers })');
  checkDims(output, target, dims);
  const { sigma, mode, sigmaTransform } = readKernelOptions('propelForward', opts);
  const { B, I, n } = dims;
  const c = checkOptions('propelForward', call, ['needsGrad', 'buffers'], 'propelForward(output, target, dims, options, OPTIONS)');
  const needsGrad = optBoolean('propelForward', 'needsGrad', c.needsGrad, true);
  const buffers = checkOptions('propelForward', call.buffers, ['lossPerSample', 'logT1', 'logT2', 'jacobian']) as NonNullable<PropelForwardOptions<T>['buffers']>;
  const lossPerSample = takeBuffer('lossPerSample', buffers.lossPerSample, B, () => allocLike(output, B), output);
  const logT1 = takeBuffer('logT1', buffers.logT1, B, () => new Float64Array(B));
  const logT2 = takeBuffer('logT2', buffers.logT2, B, () => new Float64Array(B));
  const jacobian = !needsGrad
    ? null
    : takeBuffer('jacobian', buffers.jacobian, B * I * 2 * n, () => allocLike(output, B * I * 2 * n), output);
  // log H(P_gt): n-dimensional in 'paper' mode, the 1-D formula in 'torchpropel' mode (the reference's bug 1)
  const c0 = mode === 'paper' ? -n * LOG_2SQRTPI - n * Math.log(sigma) : -LOG_2SQRTPI - Math.log(sigma);
  const badSample = forwardLoop(output, target, B, I, n, transformCode(sigmaTransform), sigma * sigma, c0, lossPerSample, logT1, logT2, jacobian);
  if (badSample >= 0) diagnoseSample(output, target, dims, sigmaTransform, badSample, logT1, logT2);
  return { lossPerSample, logT1, logT2, saved: { dims: { B, I, n }, sigma, mode, sigmaTransform, jacobian } };
}

/** Throw the error that explains why `forwardLoop` stopped at sample b. */
function diagnoseSample(output: FloatArray, target: FloatArray, dims: PropelDims, tr: SigmaTransform, b: number, logT1: Float64Array, logT2: Float64Array): never {
  const { B, I, n } = dims;
  scanFinite('output', output, [B, I, 2 * n]);
  scanFinite('target', target, [B, n]);
  const row = 2 * n;
  for (let k = b * I * row; k < (b + 1) * I * row; k++) {
    if (k % row >= n) {
      const v = varianceOf(output[k]!, tr);
      if (!(v > 0 && v < Infinity)) failVariance(output, k, dims, tr);
    }
  }
  err(`the loss of sample ${b} is not finite: the prediction and target are beyond float64's range (log T1 = ${logT1[b]}, log T2 = ${logT2[b]}), expected squared distances over variances below ~1e300`);
}

/**
 * The hot loop (numbers and typed arrays only, so V8 compiles it once). Returns -1, or the first sample it
 * could not handle (non-finite input, zero or infinite variance, loss beyond float64's range) for
 * `diagnoseSample` to explain.
 *
 * Log-sum-exps with no log per term: with q the Mahalanobis sums and P the products over n of variances,
 *   T1 terms  exp(a_i - a_r) = exp(-(q_i - q_r)/2) sqrt(P_r / P_i), r = argmin q (term r is 1: no underflow);
 *   T2 terms  relative to M = max(log H(v_g), max_i c_i), which also bounds every pair term (Cauchy-Schwarz:
 *             G(i,j) <= sqrt(H(v_i) H(v_j))), so every scaled term is <= 2 and their sum >= 1.
 * Products leaving [1e-280, 1e280] send the sample to `slowSample` (a log per term).
 *
 * Jacobian (PROPEL.md): dL = (sum_k p_k dc_k - sum_i w_i da_i) / ln 10 with the softmax weights w (T1) and
 * p (T2). The T2 part is accumulated with unnormalised weights while the pairs are visited and scaled by
 * 1/sum at the end; the T1 part uses the per-(i,d) 1/S and t - mu kept from the first loop.
 */
function forwardLoop(
  output: FloatArray, target: FloatArray, B: number, I: number, n: number, code: number, vg: number, c0: number,
  lossPerSample: FloatArray, logT1: Float64Array, logT2: Float64Array, jac: FloatArray | null,
): number {
  const row = 2 * n;
  const In = I * n;
  const K = (I * (I + 1)) / 2;
  const grad = jac !== null;
  const logT1Const = Math.log(2 / I) - 0.5 * n * LOG_2PI;     // log(2/I) + log G normaliser
  const cSelfConst = -2 * Math.log(I) - n * LOG_2SQRTPI;      // log(1/I²) + log H normaliser
  const pairRatio = 2 * Math.pow(2, n / 2);                    // exp(log(2/I²) + log G normaliser - cSelfConst)
  const mu = new Float64Array(In);
  const v = new Float64Array(In);
  const dvds = new Float64Array(In);
  const t = new Float64Array(n);
  const r1 = new Float64Array(In);   // 1/(v_g + v_id)
  const e1 = new Float64Array(In);   // t_d - mu_id
  const q1 = new Float64Array(I);
  const prodS = new Float64Array(I);
  const prodV = new Float64Array(I);
  const u1 = new Float64Array(I);    // unnormalised T1 weights
  const cmu = new Float64Array(In);  // unnormalised sum_k p_k dc_k/dmu
  const cv = new Float64Array(In);   // unnormalised sum_k p_k dc_k/dv
  const rp = new Float64Array(n);    // per pair: 1/(v_id + v_jd)
  const dp = new Float64Array(n);    // per pair: mu_id - mu_jd
  const w1 = new Float64Array(I);    // slow path: normalised weights
  const w2 = new Float64Array(K);
  const scratchA = new Float64Array(I);
  const scratchC = new Float64Array(K);
  const out2 = new Float64Array(2);

  for (let b = 0; b < B; b++) {
    const ob = b * I * row;
    const tb = b * n;
    // load; `x - x` is 0 for finite x and NaN otherwise; a variance must be finite and > 0
    let bad = 0;
    for (let d = 0; d < n; d++) {
      const x = target[tb + d]!;
      bad += x - x;
      t[d] = x;
    }
    for (let i = 0; i < I; i++) {
      const oi = ob + i * row;
      const ki = i * n;
      for (let d = 0; d < n; d++) {
        const m = output[oi + d]!;
        const s = output[oi + n + d]!;
        let vv: number;
        let dv: number;
        if (code === 0) {            // v = s², dv/ds = 2s
          vv = s * s;
          dv = 2 * s;
        } else if (code === 1) {     // std = softplus(s) = max(s,0) + log1p(e^-|s|), dstd/ds = sigmoid(s)
          const z = Math.exp(-Math.abs(s));
          const sd = (s > 0 ? s : 0) + Math.log1p(z);
          vv = sd * sd;
          dv = (2 * sd * (s > 0 ? 1 : z)) / (1 + z);
        } else {                     // std = e^s, v = e^2s, dv/ds = 2v
          vv = Math.exp(2 * s);
          dv = 2 * vv;
        }
        bad += m - m + (vv - vv);
        if (!(vv > 0)) bad = NaN;
        mu[ki + d] = m;
        v[ki + d] = vv;
        dvds[ki + d] = dv;
      }
    }
    if (bad !== 0) return b;

    // T1 terms a_i and T2 self terms c_i: Mahalanobis sums and products
    let inRange = true;
    let qMin = Infinity;
    let minPV = Infinity;
    for (let i = 0; i < I; i++) {
      const ki = i * n;
      let q = 0;
      let pS = 1;
      let pV = 1;
      for (let d = 0; d < n; d++) {
        const vv = v[ki + d]!;
        const S = vg + vv;
        const r = 1 / S;
        const e = t[d]! - mu[ki + d]!;
        r1[ki + d] = r;
        e1[ki + d] = e;
        q += e * e * r;
        pS *= S;
        pV *= vv;
      }
      q1[i] = q;
      prodS[i] = pS;
      prodV[i] = pV;
      if (q < qMin) qMin = q;
      if (pV < minPV) minPV = pV;
      if (!(pS > PROD_LO && pS < PROD_HI && pV > PROD_LO && pV < PROD_HI)) inRange = false;
    }
    let l1 = 0;
    let l2 = 0;
    if (inRange) {
      let sumA = 0;
      for (let i = 0; i < I; i++) {
        const e = Math.exp(-0.5 * (q1[i]! - qMin)) / Math.sqrt(prodS[i]!);
        u1[i] = e;
        sumA += e;
      }
      l1 = logT1Const - 0.5 * qMin + Math.log(sumA);

      const selfMax = cSelfConst - 0.5 * Math.log(minPV);
      const M = selfMax > c0 ? selfMax : c0;
      const selfScale = Math.exp(cSelfConst - M);
      const pairScale = selfScale * pairRatio;
      let sumC = Math.exp(c0 - M);
      for (let i = 0; i < I; i++) {
        const u = selfScale / Math.sqrt(prodV[i]!);
        sumC += u;
        if (grad) {
          const ki = i * n;
          const hu = -0.5 * u;
          for (let d = 0; d < n; d++) {
            cmu[ki + d] = 0;
            cv[ki + d] = hu / v[ki + d]!; // dc_i/dv = -1/(2v)
          }
        }
      }
      for (let i = 0; i < I && inRange; i++) {
        const ki = i * n;
        for (let j = i + 1; j < I; j++) {
          const kj = j * n;
          let q = 0;
          let pS = 1;
          for (let d = 0; d < n; d++) {
            const S = v[ki + d]! + v[kj + d]!;
            const r = 1 / S;
            const e = mu[ki + d]! - mu[kj + d]!;
            rp[d] = r;
            dp[d] = e;
            q += e * e * r;
            pS *= S;
          }
          if (!(pS > PROD_LO && pS < PROD_HI)) { inRange = false; break; }
          const u = (pairScale * Math.exp(-0.5 * q)) / Math.sqrt(pS);
          sumC += u;
          if (grad && u !== 0) {
            // dc_ij/dmu_i = -(mu_i - mu_j)/S' = -dc_ij/dmu_j;  dc_ij/dv_i = dc_ij/dv_j = (mu_i - mu_j)²/(2S'²) - 1/(2S')
            for (let d = 0; d < n; d++) {
              const r = rp[d]!;
              const e = dp[d]!;
              const ue = u * e * r;
              cmu[ki + d]! -= ue;
              cmu[kj + d]! += ue;
              const h = 0.5 * r * (ue * e - u);
              cv[ki + d]! += h;
              cv[kj + d]! += h;
            }
          }
        }
      }
      if (inRange) {
        l2 = M + Math.log(sumC);
        if (jac !== null) {
          // dL/dmu = (p·dc/dmu - w (t - mu)/S) / ln10;  dL/dv = (p·dc/dv - w ((t - mu)²/(2S²) - 1/(2S))) / ln10
          const gA = 1 / (sumA * Math.LN10);
          const gC = 1 / (sumC * Math.LN10);
          for (let i = 0; i < I; i++) {
            const oi = ob + i * row;
            const ki = i * n;
            const wi = u1[i]! * gA;
            for (let d = 0; d < n; d++) {
              const r = r1[ki + d]!;
              const e = e1[ki + d]!;
              const we = wi * e * r;
              jac[oi + d] = cmu[ki + d]! * gC - we;
              jac[oi + n + d] = (cv[ki + d]! * gC - 0.5 * r * (we * e - wi)) * dvds[ki + d]!;
            }
          }
        }
      }
    }
    if (!inRange) {
      slowSample(mu, v, t, I, n, vg, c0, w1, w2, scratchA, scratchC, out2);
      l1 = out2[0]!;
      l2 = out2[1]!;
      if (jac !== null) jacobianFromWeights(mu, v, dvds, t, I, n, vg, w1, w2, cmu, cv, jac, ob);
    }
    const L = (l2 - l1) / Math.LN10;
    logT1[b] = l1;
    logT2[b] = l2;
    if (!(L - L === 0)) return b;
    lossPerSample[b] = L;
  }
  return -1;
}

/** sum_d log(x[xo + d] + (y ? y[yo + d] : c)). */
function sumLogs(x: Float64Array, xo: number, y: Float64Array | null, yo: number, c: number, n: number): number {
  let s = 0;
  for (let d = 0; d < n; d++) s += Math.log(x[xo + d]! + (y ? y[yo + d]! : c));
  return s;
}

/**
 * One sample in the plain stable form (each term's log, then log-sum-exp with its max), for variances whose
 * products over n leave the range where the fast path multiplies them. Writes the normalised weights w1
 * (T1 terms) and w2 (T2 self terms then pairs) and [log T1, log T2] to out2.
 */
function slowSample(
  mu: Float64Array, v: Float64Array, t: Float64Array, I: number, n: number, vg: number, c0: number,
  w1: Float64Array, w2: Float64Array, a: Float64Array, c: Float64Array, out2: Float64Array,
): void {
  const K = (I * (I + 1)) / 2;
  let maxA = -Infinity;
  let maxC = c0;
  for (let i = 0; i < I; i++) {
    const ki = i * n;
    let q = 0;
    for (let d = 0; d < n; d++) {
      const e = t[d]! - mu[ki + d]!;
      q += (e * e) / (vg + v[ki + d]!);
    }
    const ai = -0.5 * n * LOG_2PI - 0.5 * q - 0.5 * sumLogs(v, ki, null, 0, vg, n);
    a[i] = ai;
    if (ai > maxA) maxA = ai;
    const ci = -2 * Math.log(I) - n * LOG_2SQRTPI - 0.5 * sumLogs(v, ki, null, 0, 0, n);
    c[i] = ci;
    if (ci > maxC) maxC = ci;
  }
  let k = I;
  for (let i = 0; i < I; i++) {
    for (let j = i + 1; j < I; j++) {
      let q = 0;
      for (let d = 0; d < n; d++) {
        const e = mu[i * n + d]! - mu[j * n + d]!;
        q += (e * e) / (v[i * n + d]! + v[j * n + d]!);
      }
      const cij = Math.log(2) - 2 * Math.log(I) - 0.5 * n * LOG_2PI - 0.5 * q - 0.5 * sumLogs(v, i * n, v, j * n, 0, n);
      c[k++] = cij;
      if (cij > maxC) maxC = cij;
    }
  }
  let sumA = 0;
  for (let i = 0; i < I; i++) sumA += (w1[i] = Math.exp(a[i]! - maxA));
  for (let i = 0; i < I; i++) w1[i]! /= sumA;
  let sumC = Math.exp(c0 - maxC);
  for (let kk = 0; kk < K; kk++) sumC += (w2[kk] = Math.exp(c[kk]! - maxC));
  for (let kk = 0; kk < K; kk++) w2[kk]! /= sumC;
  out2[0] = Math.log(2 / I) + maxA + Math.log(sumA);
  out2[1] = maxC + Math.log(sumC);
}

/** The slow path's Jacobian of one sample from normalised weights (the same formulas as the fast path). */
function jacobianFromWeights(
  mu: Float64Array, v: Float64Array, dvds: Float64Array, t: Float64Array, I: number, n: number, vg: number,
  w1: Float64Array, w2: Float64Array, gmu: Float64Array, gv: Float64Array, jac: FloatArray, ob: number,
): void {
  const g = 1 / Math.LN10;
  for (let i = 0; i < I; i++) {
    const wi = g * w1[i]!;
    const pi = 0.5 * g * w2[i]!;
    for (let d = 0; d < n; d++) {
      const k = i * n + d;
      const r = 1 / (vg + v[k]!);
      const e = t[d]! - mu[k]!;
      const we = wi * e * r;
      gmu[k] = -we;
      gv[k] = -0.5 * r * (we * e - wi) - pi / v[k]!;
    }
  }
  let kk = I;
  for (let i = 0; i < I; i++) {
    for (let j = i + 1; j < I; j++) {
      const pij = g * w2[kk++]!;
      for (let d = 0; d < n; d++) {
        const ki = i * n + d;
        const kj = j * n + d;
        const r = 1 / (v[ki]! + v[kj]!);
        const e = mu[ki]! - mu[kj]!;
        const pe = pij * e * r;
        gmu[ki]! -= pe;
        gmu[kj]! += pe;
        const h = 0.5 * r * (pe * e - pij);
        gv[ki]! += h;
        gv[kj]! += h;
      }
    }
  }
  for (let i = 0; i < I; i++) {
    for (let d = 0; d < n; d++) {
      const k = i * n + d;
      jac[ob + i * 2 * n + d] = gmu[k]!;
      jac[ob + i * 2 * n + n + d] = gv[k]! * dvds[k]!;
    }
  }
}

// ---- backward ----------------------------------------------------------------------------------------

/**
 * d(sum_b dy_b · L_b) / d output, `[B, I, 2n]` in the output's dtype: `dy_b` times the Jacobian saved by
 * the forward. `dy` is the upstream gradient per sample (an array of length B), or one number for every
 * sample (1/B for a 'mean' reduction, 1 for 'sum'). `out` is an optional preallocated result (same type as
 * the output, length B·I·2n); it may be the saved Jacobian itself, which is then scaled in place.
 */
export function propelBackward<T extends FloatArray>(saved: PropelSaved<T>, dy: number | ArrayLike<number>, out?: T): T {
  checkArity('propelBackward', arguments, 3, 'propelBackward(saved, dy, out)');
  const { dims, jacobian } = saved;
  if (jacobian === null) err('backward needs the Jacobian, but the forward ran with needsGrad: false');
  const { B, I, n } = dims;
  const scalarDy = typeof dy === 'number';
  if (!scalarDy && dy.length !== B) err(`upstream gradient dy has ${dy.length} elements, expected ${B} (one per sample)`);
  const grad = takeBuffer('grad', out, B * I * 2 * n, () => allocLike(jacobian, B * I * 2 * n), jacobian);
  scaleRows(jacobian, B, I * 2 * n, scalarDy ? dy : 0, scalarDy ? null : dy, grad);
  return grad;
}

/** grad[b, :] = dy_b * jac[b, :]. */
function scaleRows(jac: FloatArray, B: number, rowLen: number, dyScalar: number, dyArray: ArrayLike<number> | null, grad: FloatArray): void {
  for (let b = 0; b < B; b++) {
    const g = dyArray === null ? dyScalar : dyArray[b]!;
    const o = b * rowLen;
    for (let k = o; k < o + rowLen; k++) grad[k] = g * jac[k]!;
  }
}
