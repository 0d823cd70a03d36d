// Layer: propel. The PROPEL loss on flat row-major typed arrays, the CPU path's public face: `propelForward`
// (check the call, allocate or take the result buffers, run loss-jacobian.ts's pass over the samples, on the
// CPU threads for a large batch, explain a failure) and `propelBackward` (the upstream gradient times the
// saved Jacobian). No tensors, no tape: the fused autograd op (propel-op.ts) is a thin wrapper around these
// functions. The option and shape types and their checks are in inputs.ts. Imports '@propel-ts/tensor''s
// validation helpers and parallelFor, inputs.ts and loss-jacobian.ts.
import { TensorError, checkArity, checkOptions, describeValue, optBoolean, parallelFor } from '@propel-ts/tensor';
import {
  checkDims, diagnoseSample, exhaustive, readKernelOptions,
  type FloatArray, type PropelDims, type PropelKernelOptions, type PropelMode, type SigmaTransform,
} from './inputs';
import { propelSamples, type PropelArrays } from './loss-jacobian';

/** The name errors carry: the kernel is the body of the user-facing `propelLoss` op. */
const OP = 'propelLoss';

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

function err(message: string): never {
  throw new TensorError(`${OP}: ${message}`);
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
  const badSample = lossAndJacobian({ output, target, dims, sigma, mode, sigmaTransform, lossPerSample, logT1, logT2, jacobian });
  if (badSample >= 0) diagnoseSample(output, target, dims, sigmaTransform, badSample, logT1, logT2);
  return { lossPerSample, logT1, logT2, saved: { dims: { B, I, n }, sigma, mode, sigmaTransform, jacobian } };
}

/** What `lossAndJacobian` reads (checked inputs and options) and writes (the result arrays). */
interface LossJacobianArgs {
  /** `[B, I, 2n]`: per component n means then n raw standard deviations. */
  readonly output: FloatArray;
  /** `[B, n]`. */
  readonly target: FloatArray;
  readonly dims: Readonly<PropelDims>;
  /** Ground-truth standard deviation, finite and > 0. */
  readonly sigma: number;
  readonly mode: PropelMode;
  readonly sigmaTransform: SigmaTransform;
  /** `[B]`, written: (log T2 - log T1) / ln 10. */
  readonly lossPerSample: FloatArray;
  /** `[B]`, written: natural-log T1 and T2. */
  readonly logT1: Float64Array;
  readonly logT2: Float64Array;
  /** `[B, I, 2n]`, written: d L_b / d output[b, i, c]; null for a loss-only pass (about half the work). */
  readonly jacobian: FloatArray | null;
}

/** The loop's code for a transform (a small integer compares faster than a string in the inner loop). */
function transformCode(tr: SigmaTransform): number {
  switch (tr) {
    case 'identity': return 0;
    case 'softplus': return 1;
    case 'exp': return 2;
    default: return exhaustive(tr);
  }
}

/** The loss's work per sample, in units of about 25 ns on one core: the I(I+1)/2 pairs' n-vectors and the I terms'. */
const sampleWork = (I: number, n: number) => ((I * (I + 1)) / 2 + I) * (n + 1);
/** A range of samples worth a thread: about 0.15 ms of work (a job costs tens of microseconds to hand out). */
const RANGE_WORK = 8192;

/**
 * The per-sample loss, log T1 and log T2, and (when `args.jacobian` is given) the Jacobian, written into
 * the arrays of `args`, accumulated in float64 whatever the input type. Returns -1, or the first sample it
 * could not handle (non-finite input, zero or infinite variance, loss beyond float64's range) for
 * `diagnoseSample` to explain; what is written for that sample and the ones after it is unspecified.
 * Batches of more than two ranges of about 0.15 ms each run on the CPU threads (parallelFor).
 */
function lossAndJacobian(args: LossJacobianArgs): number {
  const { B, I, n } = args.dims;
  const jac = args.jacobian;
  const params = Float64Array.of(I, n, args.sigma, args.mode === 'paper' ? 0 : 1, transformCode(args.sigmaTransform), jac === null ? 0 : 1);
  const arrays: PropelArrays = [args.output, args.target, args.lossPerSample, args.logT1, args.logT2, jac ?? new Float64Array(0), params];
  const grain = Math.max(1, Math.ceil(RANGE_WORK / sampleWork(I, n)));
  const results = parallelFor(propelSamples, arrays, { count: B, grain });
  return results.find((r) => r >= 0) ?? -1;
}

// ---- backward ----------------------------------------------------------------------------------------

/**
 * d(sum_b dy_b · L_b) / d output, `[B, I, 2n]` in the output's dtype: `dy_b` times the Jacobian saved by
 * the forward. `dy` is the upstream gradient per sample (an array or typed array of B finite numbers), or
 * one finite number for every sample (1/B for a 'mean' reduction, 1 for 'sum'); anything else is a
 * TensorError naming propelBackward and dy. `out` is an optional preallocated result (same type as the
 * output, length B·I·2n); it may be the saved Jacobian itself, which is then scaled in place.
 */
export function propelBackward<T extends FloatArray>(saved: PropelSaved<T>, dy: number | ArrayLike<number>, out?: T): T {
  checkArity('propelBackward', arguments, 3, 'propelBackward(saved, dy, out)');
  const { dims, jacobian } = saved;
  if (jacobian === null) err('backward needs the Jacobian, but the forward ran with needsGrad: false');
  checkDy(dy, dims.B);
  return scaleByDy(saved as PropelSaved<T> & { jacobian: T }, dy, out);
}

/**
 * Throw unless `dy` is a finite number or an array (or typed array) of `B` finite numbers: a NaN or a string
 * would silently turn every gradient into NaN (or be coerced: '1' * x), and `{ length: B }` into NaN rows.
 */
function checkDy(dy: unknown, B: number): void {
  const fail = (got: string): never => {
    throw new TensorError(`propelBackward: dy got ${got}, expected a finite number or an array of B = ${B} finite numbers (the upstream gradient, one per sample)`);
  };
  if (typeof dy === 'number') {
    if (!Number.isFinite(dy)) fail(describeValue(dy));
    return;
  }
  const isArray = Array.isArray(dy) || (ArrayBuffer.isView(dy) && !(dy instanceof DataView));
  if (!isArray) fail(describeValue(dy));
  const arr = dy as ArrayLike<unknown>;
  if (arr.length !== B) fail(`${arr.length} elements`);
  for (let b = 0; b < B; b++) {
    const g = arr[b];
    if (typeof g !== 'number' || !Number.isFinite(g)) fail(`${describeValue(g)} at index ${b}`);
  }
}

/**
 * `propelBackward` without the check of `dy`, for the op's backward: its upstream gradient comes from the
 * tape, and a NaN there must propagate as through any other op, not be blamed on propelBackward.
 */
export function scaleByDy<T extends FloatArray>(saved: PropelSaved<T> & { jacobian: T }, dy: number | ArrayLike<number>, out?: T): T {
  const { dims: { B, I, n }, jacobian } = saved;
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
