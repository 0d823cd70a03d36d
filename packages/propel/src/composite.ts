// Layer: propel. The PROPEL loss written with autograd primitives, step by step as in PROPEL.md's
// stable form. Slower than the fused op and it keeps per-pair intermediates, but every line is an
// ordinary differentiable op: it is the test oracle of the fused op, it supports second-order
// gradients and gradients with respect to the target, and it is the version to read first.
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import type { Variable, VarLike } from '@propel-ts/autograd';
import { checkValues, dimsFromShapes, explainNonFiniteLoss } from './inputs';
import { asVariable, resolveLossOptions, type PropelLossOptions } from './propel-op';

const LN10 = Math.log(10);
const LOG_2PI = Math.log(2 * Math.PI);
const LOG_2SQRTPI = Math.log(2 * Math.sqrt(Math.PI));

const OP = 'propelLossComposite';

/**
 * PROPEL from primitives (same options, checks and results as `propelLoss`; errors name
 * propelLossComposite). The target may require a gradient, and the loss is twice differentiable.
 *
 * In float32 it computes in float32 (the fused op accumulates in float64): its loss and gradient are finite
 * where the variances are normal float32 numbers (a standard deviation from about 1.1e-19 to 1.8e19), the
 * distances stay below about 1e19 standard deviations, and d loss / d variance fits float32 (|.| < 3.4e38;
 * sigma 1e-13 with standard deviations 1e-13 exceeds it). Outside that, propelLoss's can be finite where
 * the composite's are not (docs/propel.md, propelLossComposite).
 *
 * ```ts
 * const loss = propelLossComposite(output, target, { sigma: 0.1 });   // matches propelLoss to 1e-10 in float64
 * ```
 */
export function propelLossComposite(output: VarLike, target: VarLike, options?: PropelLossOptions): Variable {
  T.checkArity(OP, arguments, 3, 'propelLossComposite(output, target, { sigma, reduction, mode, sigmaTransform })');
  const { sigma, mode, sigmaTransform, reduction } = resolveLossOptions(options, OP);
  const [o, t] = [asVariable(OP, output, 'output'), asVariable(OP, target, 'target')];
  T.checkSame(OP, [o.value, t.value], ['output', 'target']);
  const dims = dimsFromShapes(OP, o.shape, t.shape);
  const { B, I, n } = dims;
  // the values, as propelLoss checks them (s = 0 would give +Infinity, a NaN input NaN, silently); on 'gpu'
  // that would cost a readback per step: there a bad input shows as a non-finite loss, explained when read
  if (o.device === 'cpu') checkValues(OP, dims, o.value.toTypedArray(), t.value.toTypedArray(), sigmaTransform);
  const vg = sigma * sigma; // 0 below sigma ≈ 1.5e-162, which is harmless in S = v + v_g (v > 0) but not in log v_g

  // split the output into means and variances: mu, v  [B, I, n]
  const mu = A.slice(o, 2, 0, n);
  const s = A.slice(o, 2, n, 2 * n);
  const std = sigmaTransform === 'identity' ? s : sigmaTransform === 'softplus' ? A.softplus(s) : A.exp(s);
  const v = A.square(std);

  // a_i = log G(t, v_g, mu_i, v_i) = -sum_d (t_d - mu_id)² / (2 S_d) - (n/2) log 2π - ½ sum_d log S_d,  S = v_g + v_i
  const S = A.add(v, vg);
  const diff = A.sub(A.unsqueeze(t, 1), mu);
  const a = A.sub(
    A.sub(A.neg(A.sum(halfSquareOver(diff, S), { axis: 2 })), (n / 2) * LOG_2PI),
    A.mul(A.sum(A.log(S), { axis: 2 }), 0.5),
  ); // [B, I]
  // log T1 = log(2/I) + logsumexp_i a_i
  const logT1 = A.add(A.logsumexp(a, { axis: 1 }), Math.log(2 / I)); // [B]

  // T2 terms: log H(v_g); log(1/I²) + log H(v_i); log(2/I²) + log G(mu_i, v_i, mu_j, v_j) for i < j
  const hDims = mode === 'paper' ? n : 1; // torchpropel: H(P_gt) is always the 1-D formula
  const logHg = -hDims * LOG_2SQRTPI - hDims * Math.log(sigma); // ½ log v_g as log sigma: v_g may underflow
  const cSelf = A.sub(-2 * Math.log(I) - n * LOG_2SQRTPI, A.mul(A.sum(A.log(v), { axis: 2 }), 0.5)); // [B, I]
  const terms: Variable[] = [A.variable(T.full([B, 1], logHg, { dtype: o.dtype, device: o.device })), cSelf];
  if (I > 1) {
    // every pair (i, j) by broadcasting [B, I, 1, n] against [B, 1, I, n], then keep i < j
    const Sp = A.add(A.unsqueeze(v, 2), A.unsqueeze(v, 1));
    const dp = A.sub(A.unsqueeze(mu, 2), A.unsqueeze(mu, 1));
    const g = A.sub(
      A.sub(A.neg(A.sum(halfSquareOver(dp, Sp), { axis: 3 })), (n / 2) * LOG_2PI),
      A.mul(A.sum(A.log(Sp), { axis: 3 }), 0.5),
    ); // [B, I, I]
    const upper: number[] = [];
    for (let i = 0; i < I; i++) for (let j = i + 1; j < I; j++) upper.push(i * I + j);
    const pairs = A.indexSelect(A.reshape(g, [B, I * I]), 1, upper);
    terms.push(A.add(pairs, Math.log(2 / (I * I))));
  }
  const logT2 = A.logsumexp(A.concat(terms, 1), { axis: 1 }); // [B]

  // L = (log T2 - log T1) / ln 10
  const perSample = A.div(A.sub(logT2, logT1), LN10);
  const loss = reduction === 'none' ? perSample : reduction === 'sum' ? A.sum(perSample) : A.mean(perSample);
  // a non-finite loss throws why when read: a bad input on 'gpu', else values beyond the dtype's range
  explainNonFiniteLoss(OP, loss.value, o.value, t.value, dims, sigmaTransform);
  return loss;
}

/**
 * d² / (2S) computed as ½ (d · 1/√S)²: the same value, but every step's local derivative (d, 2q, 1/S,
 * 1/(2√S)) is finite for any normal-float variance S. Written as d² / (2S), the tape's backward of the
 * division forms d²/(2S)², which overflows float32 for small variances (std 1e-13: S ≈ 1e-26), and a term
 * whose softmax weight underflowed to exactly 0 then gets 0 · ∞ = NaN instead of 0.
 */
function halfSquareOver(d: Variable, S: Variable): Variable {
  return A.mul(A.square(A.mul(d, A.reciprocal(A.sqrt(S)))), 0.5);
}
