// Layer: propel. Helpers that read a PROPEL prediction `[B, I, 2n]` as what it is, an equally weighted
// mixture of I diagonal Gaussians per sample: unpack, mean, variance, log-density, sampling, modes.
// Tensors in, tensors out (dtype and device of the prediction); the arithmetic runs on host arrays in
// float64. Imports '@propel-ts/tensor' and inputs.ts (for the standard-deviation transforms).
import {
  TensorError, checkArity, checkOptions, checkSame, describeValue, fmtShape, generatorFrom, optNumber, optOneOf, tensor, Tensor, type Generator,
} from '@propel-ts/tensor';
import { stdOf, type SigmaTransform } from './inputs';

/** Options shared by the helpers: how raw standard-deviation channels map to standard deviations. */
export interface MixtureOptions {
  /** As in the loss: 'identity' (default, std = |s|), 'softplus' or 'exp'. Use the loss's setting. */
  sigmaTransform?: SigmaTransform;
}

/** A mixture read from a prediction: sizes and float64 means, standard deviations and variances `[B, I, n]`. */
interface HostMixture {
  B: number;
  I: number;
  n: number;
  mu: Float64Array;
  sd: Float64Array;
  v: Float64Array;
}

function fail(op: string, message: string): never {
  throw new TensorError(`${op}: ${message}`);
}

function checkTransform(op: string, tr: unknown): SigmaTransform {
  return optOneOf(op, 'sigmaTransform', tr, ['identity', 'softplus', 'exp'], 'identity');
}

/** A helper's options checked against its keys (`sigmaTransform` and `more`); `usage` is its call with OPTIONS. */
function mixtureOptions<K extends string>(op: string, options: unknown, usage: string, more: readonly K[] = []): { readonly [P in K | 'sigmaTransform']?: unknown } {
  return checkOptions<K | 'sigmaTransform'>(op, options, ['sigmaTransform', ...more], usage);
}

/** Read and check a prediction `[B, I, 2n]`: finite values, standard deviations > 0 after the transform. */
function readMixture(op: string, output: Tensor, options: { readonly sigmaTransform?: unknown }): HostMixture {
  if (!(output instanceof Tensor)) fail(op, `output must be a Tensor, got ${describeValue(output)}`);
  const tr = checkTransform(op, options.sigmaTransform);
  if (output.ndim !== 3) fail(op, `output must have rank 3, shape [B, I, 2n] (n means then n standard deviations per component), got shape ${fmtShape(output.shape)}`);
  const [B, I, twoN] = output.shape as [number, number, number];
  if (twoN % 2 !== 0 || twoN === 0 || I === 0) fail(op, `output's last dimension must be even and non-zero (2n) with I >= 1, got shape ${fmtShape(output.shape)}`);
  const n = twoN / 2;
  const data = output.toTypedArray();
  const mu = new Float64Array(B * I * n);
  const sd = new Float64Array(B * I * n);
  const v = new Float64Array(B * I * n);
  for (let bi = 0; bi < B * I; bi++) {
    for (let d = 0; d < n; d++) {
      const m = data[bi * twoN + d]!;
      const s = data[bi * twoN + n + d]!;
      if (!Number.isFinite(m) || !Number.isFinite(s)) {
        const c = Number.isFinite(m) ? n + d : d;
        fail(op, `output contains ${data[bi * twoN + c]} at index ${fmtShape([Math.floor(bi / I), bi % I, c])}, expected finite values`);
      }
      const sdv = stdOf(s, tr);
      if (!(sdv > 0 && sdv * sdv > 0 && sdv * sdv < Infinity)) {
        fail(op, `output standard deviation at index ${fmtShape([Math.floor(bi / I), bi % I, n + d])} is ${s}, which gives standard deviation ${sdv} under sigmaTransform '${tr}'; expected a positive standard deviation whose square is a normal float64`);
      }
      mu[bi * n + d] = m;
      sd[bi * n + d] = sdv;
      v[bi * n + d] = sdv * sdv;
    }
  }
  return { B, I, n, mu, sd, v };
}

function toTensor(data: Float64Array, shape: number[], like: Tensor): Tensor {
  const out = like.dtype === 'float64' ? data : Float32Array.from(data);
  return tensor(out, { shape, dtype: like.dtype, device: like.device });
}

/**
 * Split a prediction into component means and standard deviations, both `[B, I, n]`.
 * `output` is `[B, I, 2n]`, or `[B, I·2n]` (a network's flat output) when `n` is given. The standard
 * deviation is |s| ('identity', the loss's default) or the given `sigmaTransform` of the raw channels.
 *
 * ```ts
 * const { mu, sigma } = unpackPrediction(net.forward(x).value, 2);   // [B, 8] -> I = 2 components in 2-D
 * ```
 */
export function unpackPrediction(output: Tensor, n?: number | MixtureOptions, options?: MixtureOptions): { mu: Tensor; sigma: Tensor } {
  const op = 'unpackPrediction';
  checkArity(op, arguments, 3, 'unpackPrediction(output, n, { sigmaTransform })');
  if (typeof n === 'object' && n !== null) {
    if (arguments.length > 2) fail(op, `options must come last, got ${describeValue(options)} after them: expected unpackPrediction(output, { sigmaTransform })`);
    [options, n] = [n, undefined];
  }
  const tr = checkTransform(op, mixtureOptions(op, options, 'unpackPrediction(output, n, OPTIONS)').sigmaTransform);
  let shape3: number[];
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) fail(op, `n must be a positive integer, got ${n}`);
  if (output.ndim === 3) {
    const [B, I, twoN] = output.shape as [number, number, number];
    if (twoN % 2 !== 0) fail(op, `output's last dimension must be even (2n), got shape ${fmtShape(output.shape)}`);
    if (n !== undefined && twoN !== 2 * n) fail(op, `output's last dimension is ${twoN}, expected 2n = ${2 * n} for n = ${n}`);
    shape3 = [B, I, twoN];
  } else if (output.ndim === 2 && n !== undefined) {
    const [B, C] = output.shape as [number, number];
    if (C % (2 * n) !== 0) fail(op, `output of shape ${fmtShape(output.shape)} cannot be read as [B, I, 2n] with n = ${n}: ${C} is not a multiple of ${2 * n}`);
    shape3 = [B, C / (2 * n), 2 * n];
  } else {
    fail(op, `output must have shape [B, I, 2n], or [B, I*2n] with n given, got shape ${fmtShape(output.shape)}${n === undefined ? ' and no n' : ''}`);
  }
  const [B, I, twoN] = shape3 as [number, number, number];
  const nn = twoN / 2;
  const data = output.toTypedArray();
  const mu = new Float64Array(B * I * nn);
  const sd = new Float64Array(B * I * nn);
  for (let bi = 0; bi < B * I; bi++) {
    for (let d = 0; d < nn; d++) {
      mu[bi * nn + d] = data[bi * twoN + d]!;
      sd[bi * nn + d] = stdOf(data[bi * twoN + nn + d]!, tr);
    }
  }
  return { mu: toTensor(mu, [B, I, nn], output), sigma: toTensor(sd, [B, I, nn], output) };
}

/**
 * The mixture's mean per sample, `[B, n]`: the average of the component means (equal weights 1/I).
 *
 * ```ts
 * mixtureMean(tensor([[[0, 1], [2, 1]]]));   // [[1]]
 * ```
 */
export function mixtureMean(output: Tensor, options?: MixtureOptions): Tensor {
  checkArity('mixtureMean', arguments, 2, 'mixtureMean(output, { sigmaTransform })');
  const { B, I, n, mu } = readMixture('mixtureMean', output, mixtureOptions('mixtureMean', options, 'mixtureMean(output, OPTIONS)'));
  const mean = new Float64Array(B * n);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < I; i++) for (let d = 0; d < n; d++) mean[b * n + d]! += mu[(b * I + i) * n + d]!;
    for (let d = 0; d < n; d++) mean[b * n + d]! /= I;
  }
  return toTensor(mean, [B, n], output);
}

/**
 * The mixture's variance per sample and dimension, `[B, n]` (the diagonal of its covariance), by the law
 * of total variance: the mean of the component variances plus the variance of the component means.
 *
 * ```ts
 * mixtureVariance(tensor([[[0, 1], [2, 1]]]));   // [[2]]: 1 (within) + 1 (between)
 * ```
 */
export function mixtureVariance(output: Tensor, options?: MixtureOptions): Tensor {
  checkArity('mixtureVariance', arguments, 2, 'mixtureVariance(output, { sigmaTransform })');
  const { B, I, n, mu, v } = readMixture('mixtureVariance', output, mixtureOptions('mixtureVariance', options, 'mixtureVariance(output, OPTIONS)'));
  const out = new Float64Array(B * n);
  for (let b = 0; b < B; b++) {
    for (let d = 0; d < n; d++) {
      let m = 0;
      for (let i = 0; i < I; i++) m += mu[(b * I + i) * n + d]!;
      m /= I;
      let acc = 0;
      for (let i = 0; i < I; i++) {
        const k = (b * I + i) * n + d;
        const e = mu[k]! - m;
        acc += v[k]! + e * e;
      }
      out[b * n + d] = acc / I;
    }
  }
  return toTensor(out, [B, n], output);
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Natural-log density of sample b's mixture at x (log-sum-exp over components); `terms` is scratch of length I. */
function logPdfAt(m: HostMixture, b: number, x: ArrayLike<number>, xo: number, terms: Float64Array): number {
  const { I, n, mu, sd, v } = m;
  let max = -Infinity;
  for (let i = 0; i < I; i++) {
    const k = (b * I + i) * n;
    let s = -n * HALF_LOG_2PI;
    for (let d = 0; d < n; d++) {
      const e = x[xo + d]! - mu[k + d]!;
      s -= (0.5 * e * e) / v[k + d]! + Math.log(sd[k + d]!);
    }
    terms[i] = s;
    if (s > max) max = s;
  }
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < I; i++) sum += Math.exp(terms[i]! - max);
  return max + Math.log(sum) - Math.log(I);
}

/**
 * The mixture's natural-log density at `points`: `[B, n]` (one point per sample) gives `[B]`, `[B, P, n]`
 * (P points per sample) gives `[B, P]`, of the output's dtype and device, which `points` must share.
 * Computed by log-sum-exp, so it stays finite far in the tails.
 *
 * ```ts
 * mixtureLogPdf(output, target);   // log-likelihood of each target under its predicted mixture
 * ```
 */
export function mixtureLogPdf(output: Tensor, points: Tensor, options?: MixtureOptions): Tensor {
  const op = 'mixtureLogPdf';
  checkArity(op, arguments, 3, 'mixtureLogPdf(output, points, { sigmaTransform })');
  const m = readMixture(op, output, mixtureOptions(op, options, 'mixtureLogPdf(output, points, OPTIONS)'));
  if (!(points instanceof Tensor)) fail(op, `points must be a Tensor, got ${describeValue(points)}`);
  const { B, I, n } = m;
  let P: number;
  if (points.ndim === 2 && points.shape[0] === B && points.shape[1] === n) P = 1;
  else if (points.ndim === 3 && points.shape[0] === B && points.shape[2] === n) P = points.shape[1]!;
  else fail(op, `points must have shape [B, n] = ${fmtShape([B, n])} or [B, P, n] = [${B},P,${n}], got shape ${fmtShape(points.shape)}`);
  // points of another dtype or device would be read silently and the result given the output's
  checkSame(op, [output, points], ['output', 'points']);
  const x = points.toTypedArray();
  for (let k = 0; k < x.length; k++) {
    if (!Number.isFinite(x[k]!)) fail(op, `points contains ${x[k]} at flat index ${k}, expected finite values`);
  }
  const terms = new Float64Array(I);
  const out = new Float64Array(B * P);
  for (let b = 0; b < B; b++) for (let p = 0; p < P; p++) out[b * P + p] = logPdfAt(m, b, x, (b * P + p) * n, terms);
  return toTensor(out, points.ndim === 2 ? [B] : [B, P], output);
}

/** Options of `mixtureSample`. */
export interface MixtureSampleOptions extends MixtureOptions {
  /** Seed a fresh generator (same seed, same samples everywhere); else the default generator is used. */
  seed?: number;
  /** Draw from this generator (takes precedence over `seed`). */
  generator?: Generator;
}

/**
 * `count` samples from each sample's mixture, `[B, count, n]`: a component chosen uniformly, then a draw
 * from its Gaussian. Seeded: the same seed gives the same samples on every platform.
 *
 * ```ts
 * mixtureSample(output, 1000, { seed: 7 });   // [B, 1000, n]
 * ```
 */
export function mixtureSample(output: Tensor, count: number, options?: MixtureSampleOptions): Tensor {
  const op = 'mixtureSample';
  checkArity(op, arguments, 3, 'mixtureSample(output, count, { sigmaTransform, seed, generator })');
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) fail(op, `count must be a non-negative integer, got ${describeValue(count)}`);
  const o = mixtureOptions(op, options, 'mixtureSample(output, count, OPTIONS)', ['seed', 'generator']);
  const g: Generator = generatorFrom(op, o.generator, o.seed);
  const { B, I, n, mu, sd } = readMixture(op, output, o);
  const out = new Float64Array(B * count * n);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < count; c++) {
      const k = (b * I + g.int(I)) * n;
      const o = (b * count + c) * n;
      for (let d = 0; d < n; d++) out[o + d] = mu[k + d]! + sd[k + d]! * g.normal();
    }
  }
  return toTensor(out, [B, count, n], output);
}

/** Options of `mixtureModes`. */
export interface MixtureModesOptions extends MixtureOptions {
  /** Stop when no coordinate moves more than `tol` × the smallest component standard deviation in that dimension. Default 1e-9. */
  tol?: number;
  /** Iterations per start at most. Default 1000. */
  maxIter?: number;
  /** Merge two modes closer than `mergeTol` × that same scale in every dimension. Default 1e-3. */
  mergeTol?: number;
}

/** One mode of a sample's mixture. */
export interface MixtureMode {
  /** Its location, n numbers. */
  point: number[];
  /** The mixture's density there (may underflow to 0 in high dimensions: compare `logDensity` then). */
  density: number;
  /** Natural log of the density. */
  logDensity: number;
  /** False when the iteration hit `maxIter` before meeting `tol`. */
  converged: boolean;
}

/**
 * The modes of each sample's mixture, as a list per sample sorted by density (highest first). Found by
 * the fixed-point (mean-shift) iteration for Gaussian mixtures, started from every component mean:
 *
 *     x ← (sum_i r_i(x) V_i^-1)^-1 sum_i r_i(x) V_i^-1 mu_i,    r_i(x) ∝ N(x; mu_i, V_i)  (responsibilities)
 *
 * which increases the density at every step and stops at a stationary point; starts that reach the same
 * point are merged. From a component mean the iteration reaches a mode in practice (a saddle would need
 * an exactly symmetric start). Well-separated components give modes at their means; overlapping ones
 * merge into fewer modes.
 *
 * ```ts
 * mixtureModes(output)[0];   // [{ point: [0.98], density: 1.9, logDensity: 0.64, converged: true }, ...]
 * ```
 */
export function mixtureModes(output: Tensor, options?: MixtureModesOptions): MixtureMode[][] {
  const op = 'mixtureModes';
  checkArity(op, arguments, 2, 'mixtureModes(output, { sigmaTransform, tol, maxIter, mergeTol })');
  const o = mixtureOptions(op, options, 'mixtureModes(output, OPTIONS)', ['tol', 'maxIter', 'mergeTol']);
  const tol = optNumber(op, 'tol', o.tol, 1e-9, { min: 0, minExclusive: true });
  const maxIter = optNumber(op, 'maxIter', o.maxIter, 1000, { integer: true, min: 1 });
  const mergeTol = optNumber(op, 'mergeTol', o.mergeTol, 1e-3, { min: 0, minExclusive: true });
  const m = readMixture(op, output, o);
  const { B, I, n, mu, v } = m;
  const result: MixtureMode[][] = [];
  const terms = new Float64Array(I);
  const r = new Float64Array(I);
  const x = new Float64Array(n);
  const scale = new Float64Array(n);
  for (let b = 0; b < B; b++) {
    for (let d = 0; d < n; d++) {
      let s = Infinity;
      for (let i = 0; i < I; i++) s = Math.min(s, Math.sqrt(v[(b * I + i) * n + d]!));
      scale[d] = s;
    }
    const modes: MixtureMode[] = [];
    for (let start = 0; start < I; start++) {
      for (let d = 0; d < n; d++) x[d] = mu[(b * I + start) * n + d]!;
      let converged = false;
      for (let it = 0; it < maxIter && !converged; it++) {
        // responsibilities r_i ∝ N(x; mu_i, V_i), by log-sum-exp
        let max = -Infinity;
        for (let i = 0; i < I; i++) {
          const k = (b * I + i) * n;
          let s = 0;
          for (let d = 0; d < n; d++) {
            const e = x[d]! - mu[k + d]!;
            s -= 0.5 * ((e * e) / v[k + d]! + Math.log(v[k + d]!));
          }
          terms[i] = s;
          if (s > max) max = s;
        }
        for (let i = 0; i < I; i++) r[i] = Math.exp(terms[i]! - max);
        converged = true;
        for (let d = 0; d < n; d++) {
          let num = 0;
          let den = 0;
          for (let i = 0; i < I; i++) {
            const k = (b * I + i) * n + d;
            const p = r[i]! / v[k]!;
            num += p * mu[k]!;
            den += p;
          }
          const nx = num / den;
          if (Math.abs(nx - x[d]!) > tol * scale[d]!) converged = false;
          x[d] = nx;
        }
      }
      const logDensity = logPdfAt(m, b, x, 0, terms);
      const same = modes.find((md) => md.point.every((p, d) => Math.abs(p - x[d]!) <= mergeTol * scale[d]!));
      if (same) {
        if (logDensity > same.logDensity) Object.assign(same, { point: Array.from(x), logDensity, density: Math.exp(logDensity) });
        same.converged = same.converged || converged;
      } else {
        modes.push({ point: Array.from(x), density: Math.exp(logDensity), logDensity, converged });
      }
    }
    modes.sort((p, q) => q.logDensity - p.logDensity);
    result.push(modes);
  }
  return result;
}
