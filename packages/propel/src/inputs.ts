// Layer: propel. The inputs of the PROPEL loss: the option and shape types, their checks (shapes, sigma,
// mode, sigmaTransform, finite values, non-zero variances) with errors naming the op, the argument, got and
// expected, and the standard-deviation transforms. Shared by the CPU kernel (kernel.ts, loss-jacobian.ts),
// the gpu kernels, the op, the composites and the mixture helpers, and the composites' explanation of a
// non-finite loss. Imports only '@propel-ts/tensor'.
import {
  TensorError, canReadSync, checkArity, checkOptions, describeValue, fmtShape, onReadback, optOneOf, type Tensor,
} from '@propel-ts/tensor';

/** The name errors carry: these checks guard the user-facing `propelLoss` op. */
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

const TRANSFORMS: readonly SigmaTransform[] = ['identity', 'softplus', 'exp'];

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
  /** Ground-truth standard deviation: a finite number > 0, at most about 1.34e154 (so that σ² is finite). */
  sigma: number;
  /** Default 'paper'. */
  mode?: PropelMode;
  /** Default 'identity'. */
  sigmaTransform?: SigmaTransform;
}

// ---- validation --------------------------------------------------------------------------------------

/** Throw a TensorError naming the function `fn` the user called. */
function fail(fn: string, message: string): never {
  throw new TensorError(`${fn}: ${message}`);
}

function err(message: string): never {
  fail(OP, message);
}

function isPositiveInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x > 0;
}

/** Check and default the options (sigma finite, > 0 and with a finite square; known mode and transform). */
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
  // only a missing key takes the default: an explicit null is a mistake (as for reduction), not 'paper'
  const mode = opts.mode === undefined ? 'paper' : opts.mode;
  const sigmaTransform = opts.sigmaTransform === undefined ? 'identity' : opts.sigmaTransform;
  // the loss uses v_g = sigma²: above sqrt(MAX_VALUE) ≈ 1.34e154 it overflows and the loss would blame the inputs
  if (typeof sigma !== 'number' || !Number.isFinite(sigma * sigma) || !(sigma > 0)) {
    fail(`sigma (the ground-truth standard deviation, at most about 1.34e154 so that sigma² is finite) must be a finite number > 0, got ${describeValue(sigma)}`);
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
  return dimsFromShapes(OP, outputShape, targetShape);
}

/** `propelDimsFromShapes` with errors naming `fn`, for the other losses on the same layout (mixtureNll, propelLossComposite). */
export function dimsFromShapes(fn: string, outputShape: readonly number[], targetShape: readonly number[]): PropelDims {
  const err: (message: string) => never = (message) => fail(fn, message);
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

/** Check the flat arrays of a `propelForward` call: Float32Array or Float64Array, lengths matching `dims`. */
export function checkDims(output: FloatArray, target: FloatArray, dims: PropelDims): void {
  if (!(output instanceof Float32Array || output instanceof Float64Array)) err(`output must be a Float32Array or Float64Array, got ${describeArray(output)}`);
  if (!(target instanceof Float32Array || target instanceof Float64Array)) err(`target must be a Float32Array or Float64Array, got ${describeArray(target)}`);
  // dims is propelForward's own argument (the op derives it from the shapes): its errors name propelForward
  if (dims === null || typeof dims !== 'object') fail('propelForward', `dims must be an object { B, I, n } (output is [B, I, 2n], target [B, n]), got ${describeValue(dims)}`);
  const { B, I, n } = dims;
  if (!(Number.isInteger(B) && B >= 0) || !isPositiveInt(I) || !isPositiveInt(n)) {
    fail('propelForward', `dims must be integers with B >= 0, I >= 1, n >= 1, got { B: ${describeValue(B)}, I: ${describeValue(I)}, n: ${describeValue(n)} }`);
  }
  if (output.length !== B * I * 2 * n) err(`output has ${output.length} elements, expected B*I*2n = ${B * I * 2 * n} for shape ${fmtShape([B, I, 2 * n])}`);
  if (target.length !== B * n) err(`target has ${target.length} elements, expected B*n = ${B * n} for shape ${fmtShape([B, n])}`);
}

function describeArray(x: unknown): string {
  if (x === null || typeof x !== 'object') return String(x);
  return (x as object).constructor?.name ?? 'object';
}

/** Throw naming the argument and the first non-finite element (multi-index and flat index), if any. */
function scanFinite(fn: string, name: string, data: ArrayLike<number>, shape: readonly number[]): void {
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
      fail(fn, `${name} contains ${Number.isNaN(x) ? 'NaN' : x} at index ${fmtShape(idx)} (flat ${k}), expected finite values`);
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
    checkValues(OP, dims, values.output, values.target, o.sigmaTransform);
  }
  return dims;
}

/**
 * Throw (naming `fn`) at the first non-finite element of `output` `[B, I, 2n]` or `target` `[B, n]`, or the
 * first standard deviation whose variance is 0 or overflows under `tr`; the lengths must match `dims`.
 */
export function checkValues(fn: string, dims: PropelDims, output: ArrayLike<number>, target: ArrayLike<number>, tr: SigmaTransform): void {
  const { B, I, n } = dims;
  scanFinite(fn, 'output', output, [B, I, 2 * n]);
  scanFinite(fn, 'target', target, [B, n]);
  for (let k = 0; k < output.length; k++) {
    if (k % (2 * n) >= n) {
      const v = varianceOf(output[k]!, tr);
      if (!(v > 0 && v < Infinity)) failVariance(fn, output, k, dims, tr);
    }
  }
}

/** The `[b, i, c]` index of flat element `k` of a `[B, I, 2n]` output (for error messages). */
export function outputIndex(k: number, dims: PropelDims): [number, number, number] {
  const { I, n } = dims;
  return [Math.floor(k / (I * 2 * n)), Math.floor(k / (2 * n)) % I, k % (2 * n)];
}

function failVariance(fn: string, output: ArrayLike<number>, k: number, dims: PropelDims, tr: SigmaTransform): never {
  const err: (message: string) => never = (message) => fail(fn, message);
  const s = output[k]!;
  const idx = outputIndex(k, dims);
  const v = varianceOf(s, tr);
  if (tr === 'identity') {
    err(`output standard deviation at index ${fmtShape(idx)} is ${s}, whose variance s² ${v === 0 ? 'is 0' : 'overflows'}; expected a non-zero standard deviation with |s| in about [1e-150, 1e150] (sigmaTransform 'identity' squares s; use 'softplus' or 'exp' to keep it positive)`);
  }
  err(`output standard deviation at index ${fmtShape(idx)}: sigmaTransform '${tr}' of ${s} gives variance ${v}, expected a finite variance > 0 (the raw value is too ${v === 0 ? 'negative' : 'large'})`);
}

/** Throw the error that explains why `lossAndJacobian` (loss-jacobian.ts) stopped at sample b. */
export function diagnoseSample(output: FloatArray, target: FloatArray, dims: PropelDims, tr: SigmaTransform, b: number, logT1: Float64Array, logT2: Float64Array): never {
  const { B, I, n } = dims;
  scanFinite(OP, 'output', output, [B, I, 2 * n]);
  scanFinite(OP, 'target', target, [B, n]);
  const row = 2 * n;
  for (let k = b * I * row; k < (b + 1) * I * row; k++) {
    if (k % row >= n) {
      const v = varianceOf(output[k]!, tr);
      if (!(v > 0 && v < Infinity)) failVariance(OP, output, k, dims, tr);
    }
  }
  err(`the loss of sample ${b} is not finite: the prediction and target are beyond float64's range (log T1 = ${logT1[b]}, log T2 = ${logT2[b]}), expected squared distances over variances below ~1e300`);
}

/**
 * For the composite losses (mixtureNll, propelLossComposite), which check the values at the call on 'cpu'
 * only: when `loss` reads back non-finite, throw (naming `fn`) why. propelLoss's errors for a non-finite
 * input or a zero variance (index named), else the data are beyond the dtype's range. On 'cpu' the check
 * runs now; on 'gpu' when the loss is read (asynchronously where the device reads back asynchronously).
 */
export function explainNonFiniteLoss(fn: string, loss: Tensor, output: Tensor, target: Tensor, dims: PropelDims, tr: SigmaTransform): void {
  const check = (o: ArrayLike<number>, t: ArrayLike<number>): never => {
    checkValues(fn, dims, o, t, tr);
    const range = output.dtype === 'float32' ? "float32's" : "float64's";
    fail(fn, `the loss is not finite although every input is finite with non-zero variances: the squared distances over variances (or the variances) are beyond ${range} range; expected (t - mu)²/sd² and sd² well inside it (e.g. scale the targets)`);
  };
  onReadback(loss, (values) => {
    for (let k = 0; k < values.length; k++) {
      if (Number.isFinite(values[k]!)) continue;
      if (!canReadSync(output)) return Promise.all([output.data(), target.data()]).then(([o, t]) => { check(o, t); });
      return check(output.toTypedArray(), target.toTypedArray());
    }
    return undefined;
  });
}

// ---- standard-deviation transforms -------------------------------------------------------------------

/** softplus(s) = log(1 + e^s), without overflow. */
function softplus(s: number): number {
  return s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s));
}

/**
 * The standard deviation a raw channel value `s` encodes under `transform`
 * ('identity': |s|; 'softplus': log(1+e^s); 'exp': e^s). Another transform is a TensorError.
 */
export function stdOf(s: number, transform: SigmaTransform = 'identity'): number {
  switch (transform) {
    case 'identity': return Math.abs(s);
    case 'softplus': return softplus(s);
    case 'exp': return Math.exp(s);
    default: return unknownTransform('stdOf', transform);
  }
}

/** The variance a raw channel value `s` encodes under `transform` (`stdOf(s)²`). Another transform is a TensorError. */
export function varianceOf(s: number, transform: SigmaTransform = 'identity'): number {
  switch (transform) {
    case 'identity': return s * s;
    case 'softplus': { const sd = softplus(s); return sd * sd; }
    case 'exp': return Math.exp(2 * s);
    default: return unknownTransform('varianceOf', transform);
  }
}

/**
 * The error for a transform outside the union: these are public (plain JavaScript callers get no type
 * check), so it is optOneOf's user error, not an internal one; still `never`, so a missing case fails to compile.
 */
function unknownTransform(fn: string, transform: never): never {
  optOneOf(fn, 'transform', transform, TRANSFORMS, undefined);
  return exhaustive(transform);
}

/** For switches over a union: a compile error when a case is missing, a throw if one slips through at run time. */
export function exhaustive(x: never): never {
  throw new Error(`internal: unhandled case ${String(x)}`);
}
