// Test helper (not a test file): two plain float64 evaluations of the PROPEL loss written independently of
// packages/propel/src/kernel.ts, one sample at a time, straight from docs PROPEL.md:
//   directLoss  - the equations literally (G, H, T1, T2 as products and exp; inf where T1 underflows);
//   plainStableLoss - every term's log, then log-sum-exp with its max: no tricks, no fast paths.
// Also a float64 central-difference gradient of any scalar function of an array.
import { mulberry32 } from '../helpers/naive';

export type Mode = 'paper' | 'torchpropel';
export type Transform = 'identity' | 'softplus' | 'exp';

export function stdRef(s: number, tr: Transform): number {
  if (tr === 'identity') return s; // the reference squares s; the sign does not matter
  if (tr === 'exp') return Math.exp(s);
  return Math.log1p(Math.exp(s)); // accurate for s << 0; tests keep s < 700
}

function unpack(output: ArrayLike<number>, b: number, I: number, n: number, tr: Transform) {
  const mu: number[][] = [];
  const v: number[][] = [];
  for (let i = 0; i < I; i++) {
    const o = (b * I + i) * 2 * n;
    mu.push(Array.from({ length: n }, (_, d) => output[o + d]!));
    v.push(Array.from({ length: n }, (_, d) => stdRef(output[o + n + d]!, tr) ** 2));
  }
  return { mu, v };
}

function G(a: number[], va: number[], bb: number[], vb: number[]): number {
  const n = a.length;
  let ex = 0;
  let prod = 1;
  for (let d = 0; d < n; d++) {
    ex += -((a[d]! - bb[d]!) ** 2) / (2 * (va[d]! + vb[d]!));
    prod *= va[d]! + vb[d]!;
  }
  return Math.exp(ex) / ((2 * Math.PI) ** (n / 2) * Math.sqrt(prod));
}

function H(v: number[]): number {
  return 1 / ((2 * Math.sqrt(Math.PI)) ** v.length * Math.sqrt(v.reduce((p, x) => p * x, 1)));
}

/** The per-sample loss by the equations literally (log10). */
export function directLoss(output: ArrayLike<number>, target: ArrayLike<number>, B: number, I: number, n: number, sigma: number, mode: Mode = 'paper', tr: Transform = 'identity'): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    const { mu, v } = unpack(output, b, I, n, tr);
    const t = Array.from({ length: n }, (_, d) => target[b * n + d]!);
    const vg = new Array<number>(n).fill(sigma * sigma);
    let T1 = 0;
    for (let i = 0; i < I; i++) T1 += G(t, vg, mu[i]!, v[i]!);
    T1 *= 2 / I;
    const Hg = mode === 'paper' ? H(vg) : 1 / (2 * Math.sqrt(Math.PI) * sigma);
    let self = 0;
    let pairs = 0;
    for (let i = 0; i < I; i++) {
      self += H(v[i]!);
      for (let j = i + 1; j < I; j++) pairs += G(mu[i]!, v[i]!, mu[j]!, v[j]!);
    }
    const T2 = Hg + self / I ** 2 + (2 / I ** 2) * pairs;
    out.push(-Math.log10(T1) + Math.log10(T2));
  }
  return out;
}

function logsumexp(xs: number[]): number {
  const m = Math.max(...xs);
  if (m === -Infinity) return -Infinity;
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
}

function logG(a: number[], va: number[], bb: number[], vb: number[]): number {
  const n = a.length;
  let s = -(n / 2) * Math.log(2 * Math.PI);
  for (let d = 0; d < n; d++) {
    const S = va[d]! + vb[d]!;
    s += -((a[d]! - bb[d]!) ** 2) / (2 * S) - 0.5 * Math.log(S);
  }
  return s;
}

function logH(v: number[]): number {
  return -v.length * Math.log(2 * Math.sqrt(Math.PI)) - 0.5 * v.reduce((s, x) => s + Math.log(x), 0);
}

/** The per-sample loss in the plain stable form (log10). */
export function plainStableLoss(output: ArrayLike<number>, target: ArrayLike<number>, B: number, I: number, n: number, sigma: number, mode: Mode = 'paper', tr: Transform = 'identity'): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    const { mu, v } = unpack(output, b, I, n, tr);
    const t = Array.from({ length: n }, (_, d) => target[b * n + d]!);
    const vg = new Array<number>(n).fill(sigma * sigma);
    const a = mu.map((m, i) => logG(t, vg, m, v[i]!));
    const logT1 = Math.log(2 / I) + logsumexp(a);
    const terms = [mode === 'paper' ? logH(vg) : -Math.log(2 * Math.sqrt(Math.PI) * sigma)];
    for (let i = 0; i < I; i++) terms.push(-2 * Math.log(I) + logH(v[i]!));
    for (let i = 0; i < I; i++) for (let j = i + 1; j < I; j++) terms.push(Math.log(2 / I ** 2) + logG(mu[i]!, v[i]!, mu[j]!, v[j]!));
    out.push((logsumexp(terms) - logT1) / Math.LN10);
  }
  return out;
}

/** Central differences of a scalar function f at x (float64), step h·max(1, |x_k|). */
export function numericGradient(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  const y = Float64Array.from(x);
  for (let k = 0; k < x.length; k++) {
    const step = h * Math.max(1, Math.abs(x[k]!));
    y[k] = x[k]! + step;
    const fp = f(y);
    y[k] = x[k]! - step;
    const fm = f(y);
    y[k] = x[k]!;
    g[k] = (fp - fm) / (2 * step);
  }
  return g;
}

/** A small seeded generator for test data (mulberry32, shared with the tensor tests' oracle). */
export const rng = mulberry32;

/** Random prediction `[B, I, 2n]` and target `[B, n]`: means and targets in [-1, 1), raw stds of random sign with |s| in [0.3, 1.3) (identity) or s in [-1, 1) (other transforms). */
export function randomCase(seed: number, B: number, I: number, n: number, tr: Transform = 'identity'): { output: Float64Array; target: Float64Array } {
  const r = rng(seed);
  const output = new Float64Array(B * I * 2 * n);
  for (let k = 0; k < output.length; k++) {
    if (k % (2 * n) < n) output[k] = 2 * r() - 1;
    else output[k] = tr === 'identity' ? (r() < 0.5 ? -1 : 1) * (0.3 + r()) : 2 * r() - 1;
  }
  const target = Float64Array.from({ length: B * n }, () => 2 * r() - 1);
  return { output, target };
}
