// W1: forward + backward of the PROPEL loss ('mean' reduction, float32) at (B, I, n) = (256, 4, 2),
// (4096, 8, 3), (65536, 8, 3): the fused op through autograd (what users call), the composite version,
// and a hand-written fused JS loop (the reference the issue sets: the op must not be slower).
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { propelLoss, propelLossComposite } from '@propel-ts/propel';
import { measure, type Report } from './harness';

export const SIZES: readonly [number, number, number][] = [[256, 4, 2], [4096, 8, 3], [65536, 8, 3]];
export const SIGMA = 0.1;

export function inputs(B: number, I: number, n: number, seed: number): { out: Float32Array; tgt: Float32Array } {
  const g = new T.Generator(seed);
  const out = new Float32Array(B * I * 2 * n);
  for (let k = 0; k < out.length; k++) out[k] = k % (2 * n) < n ? g.normal() : 0.2 + g.uniform();
  const tgt = Float32Array.from({ length: B * n }, () => g.normal());
  return { out, tgt };
}

/**
 * The reference: PROPEL forward and backward for the mean reduction, written as one plain loop per
 * sample in the stable log form (what a careful person would write by hand, float64 arithmetic).
 * Returns the loss and fills `grad`.
 */
export function handWrittenPropel(out: Float32Array, tgt: Float32Array, B: number, I: number, n: number, sigma: number, grad: Float32Array): number {
  const vg = sigma * sigma, ln10 = Math.LN10, row = 2 * n;
  const logHg = -n * Math.log(2 * Math.sqrt(Math.PI)) - 0.5 * n * Math.log(vg);
  const cSelf0 = -2 * Math.log(I) - n * Math.log(2 * Math.sqrt(Math.PI));
  const cPair0 = Math.log(2 / (I * I)) - 0.5 * n * Math.log(2 * Math.PI);
  const a = new Float64Array(I), c = new Float64Array(I * I), v = new Float64Array(I * n);
  let total = 0;
  for (let b = 0; b < B; b++) {
    const o = b * I * row, t = b * n;
    for (let i = 0; i < I; i++) for (let d = 0; d < n; d++) { const s = out[o + i * row + n + d]!; v[i * n + d] = s * s; }
    let m1 = -Infinity;
    for (let i = 0; i < I; i++) {
      let s = -0.5 * n * Math.log(2 * Math.PI);
      for (let d = 0; d < n; d++) { const S = vg + v[i * n + d]!, e = tgt[t + d]! - out[o + i * row + d]!; s -= (e * e) / (2 * S) + 0.5 * Math.log(S); }
      a[i] = s; if (s > m1) m1 = s;
    }
    let m2 = logHg;
    for (let i = 0; i < I; i++) {
      let s = cSelf0;
      for (let d = 0; d < n; d++) s -= 0.5 * Math.log(v[i * n + d]!);
      c[i * I + i] = s; if (s > m2) m2 = s;
      for (let j = i + 1; j < I; j++) {
        let p = cPair0;
        for (let d = 0; d < n; d++) { const S = v[i * n + d]! + v[j * n + d]!, e = out[o + i * row + d]! - out[o + j * row + d]!; p -= (e * e) / (2 * S) + 0.5 * Math.log(S); }
        c[i * I + j] = p; if (p > m2) m2 = p;
      }
    }
    let s1 = 0; for (let i = 0; i < I; i++) s1 += Math.exp(a[i]! - m1);
    let s2 = Math.exp(logHg - m2);
    for (let i = 0; i < I; i++) for (let j = i; j < I; j++) s2 += Math.exp(c[i * I + j]! - m2);
    const lse1 = m1 + Math.log(s1), lse2 = m2 + Math.log(s2);
    total += (lse2 - (Math.log(2 / I) + lse1)) / ln10;
    const k = 1 / (B * ln10);
    for (let i = 0; i < I; i++) {
      const w = Math.exp(a[i]! - lse1), pSelf = Math.exp(c[i * I + i]! - lse2);
      for (let d = 0; d < n; d++) {
        const mu = out[o + i * row + d]!, vi = v[i * n + d]!, S = vg + vi, e = tgt[t + d]! - mu;
        let dmu = -w * (e / S);
        let dv = pSelf * (-0.5 / vi) - w * ((e * e) / (2 * S * S) - 0.5 / S);
        for (let j = 0; j < I; j++) {
          if (j === i) continue;
          const p = Math.exp(c[Math.min(i, j) * I + Math.max(i, j)]! - lse2);
          const Sp = vi + v[j * n + d]!, dd = mu - out[o + j * row + d]!;
          dmu += p * (-dd / Sp);
          dv += p * ((dd * dd) / (2 * Sp * Sp) - 0.5 / Sp);
        }
        grad[o + i * row + d] = k * dmu;
        grad[o + i * row + n + d] = k * dv * 2 * out[o + i * row + n + d]!;
      }
    }
  }
  return total / B;
}

/** The reference must compute the same thing as the op, or the comparison means nothing. */
function checkReference(output: A.Variable, target: T.Tensor, out: Float32Array, tgt: Float32Array, B: number, I: number, n: number, grad: Float32Array): void {
  output.grad = null;
  const loss = propelLoss(output, target, { sigma: SIGMA });
  loss.backward();
  const ref = handWrittenPropel(out, tgt, B, I, n, SIGMA, grad);
  const g = Array.from(output.grad!.toTypedArray());
  const scale = g.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  const worst = g.reduce((m, x, k) => Math.max(m, Math.abs(x - grad[k]!)), 0);
  if (Math.abs(ref - loss.item()) > 1e-4 * Math.abs(ref) || worst > 1e-3 * scale) {
    throw new Error(`bench W1: the hand-written reference disagrees with propelLoss (loss ${ref} vs ${loss.item()}, grad diff ${worst} of scale ${scale})`);
  }
}

export function runPropelBench(report: Report): void {
  if (!report.wants('W1')) return;
  for (const [B, I, n] of SIZES) {
    const params = { B, I, n, dtype: 'float32', reduction: 'mean', device: 'cpu' };
    const { out, tgt } = inputs(B, I, n, 1);
    const target = T.tensor(tgt, { shape: [B, n] });
    const output = A.variable(T.tensor(out, { shape: [B, I, 2 * n] }), { requiresGrad: true });
    const runs = B >= 65536 ? 7 : B >= 4096 ? 21 : 201; // short workloads get many runs: one GC pause must not be the median
    report.add({ workload: 'W1.propel.fused', params, ...measure(() => {
      output.grad = null;
      propelLoss(output, target, { sigma: SIGMA }).backward();
      return output.grad;
    }, { runs, warmup: 20 }) });
    const grad = new Float32Array(out.length);
    checkReference(output, target, out, tgt, B, I, n, grad);
    report.add({ workload: 'W1.propel.ref-handwritten', params, ...measure(() => handWrittenPropel(out, tgt, B, I, n, SIGMA, grad), { runs, warmup: 20 }) });
    if (B <= 4096) {
      report.add({ workload: 'W1.propel.composite', params, ...measure(() => {
        output.grad = null;
        propelLossComposite(output, target, { sigma: SIGMA }).backward();
        return output.grad;
      }, { runs: 7 }) });
    }
  }
}

/**
 * One W1 run on 'gpu' at (B, I, n): the loss's forward and backward on device-resident inputs, then one
 * element of the gradient read back (so queued work is inside the measurement). bench/propel-gpu.ts and
 * bench/device.ts time it (it is here, not in propel-gpu.ts, whose standalone block the device bundle would run).
 */
export function propelGpuStep(B: number, I: number, n: number): () => Promise<unknown> {
  const { out, tgt } = inputs(B, I, n, 1);
  const target = T.tensor(tgt, { shape: [B, n], device: 'gpu' });
  const output = A.variable(T.tensor(out, { shape: [B, I, 2 * n], device: 'gpu' }), { requiresGrad: true });
  return () => {
    output.grad = null;
    propelLoss(output, target, { sigma: SIGMA }).backward();
    return output.grad!.reshape([B * I * 2 * n]).slice(0, 0, 1).data();
  };
}
