// Layer: propel. The PROPEL loss written with autograd primitives, step by step as in PROPEL.md's
// stable form. Slower than the fused op and it keeps per-pair intermediates, but every line is an
// ordinary differentiable op: it is the test oracle of the fused op, it supports second-order
// gradients and gradients with respect to the target, and it is the version to read first.
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import type { Variable, VarLike } from '@propel-ts/autograd';
import { propelDimsFromShapes } from './inputs';
import { resolveLossOptions, type PropelLossOptions } from './propel-op';

const LN10 = Math.log(10);
const LOG_2PI = Math.log(2 * Math.PI);
const LOG_2SQRTPI = Math.log(2 * Math.sqrt(Math.PI));

/**
 * PROPEL from primitives (same options and results as `propelLoss`).
 *
 * ```ts
 * const loss = propelLossComposite(output, target, { sigma: 0.1 });   // matches propelLoss to 1e-10 in float64
 * ```
 */
export function propelLossComposite(output: VarLike, target: VarLike, options?: PropelLossOptions): Variable {
  T.checkArity('propelLossComposite', arguments, 3, 'propelLossComposite(output, target, { sigma, reduction, mode, sigmaTransform })');
  const { sigma, mode, sigmaTransform, reduction } = resolveLossOptions(options, 'propelLossComposite');
  const [o, t] = [toVar(output), toVar(target)];
  const { B, I, n } = propelDimsFromShapes(o.shape, t.shape);
  const vg = sigma * sigma;

  // split the output into means and variances: mu, v  [B, I, n]
  const mu = A.slice(o, 2, 0, n);
  const s = A.slice(o, 2, n, 2 * n);
  const std = sigmaTransform === 'identity' ? s : sigmaTransform === 'softplus' ? A.softplus(s) : A.exp(s);
  const v = A.square(std);

  // a_i = log G(t, v_g, mu_i, v_i) = -sum_d (t_d - mu_id)² / (2 S_d) - (n/2) log 2π - ½ sum_d log S_d,  S = v_g + v_i
  const S = A.add(v, vg);
  const diff = A.sub(A.unsqueeze(t, 1), mu);
  const a = A.sub(
    A.sub(A.neg(A.sum(A.div(A.square(diff), A.mul(S, 2)), { axis: 2 })), (n / 2) * LOG_2PI),
    A.mul(A.sum(A.log(S), { axis: 2 }), 0.5),
  ); // [B, I]
  // log T1 = log(2/I) + logsumexp_i a_i
  const logT1 = A.add(A.logsumexp(a, { axis: 1 }), Math.log(2 / I)); // [B]

  // T2 terms: log H(v_g); log(1/I²) + log H(v_i); log(2/I²) + log G(mu_i, v_i, mu_j, v_j) for i < j
  const hDims = mode === 'paper' ? n : 1; // torchpropel: H(P_gt) is always the 1-D formula
  const logHg = -hDims * LOG_2SQRTPI - 0.5 * hDims * Math.log(vg);
  const cSelf = A.sub(-2 * Math.log(I) - n * LOG_2SQRTPI, A.mul(A.sum(A.log(v), { axis: 2 }), 0.5)); // [B, I]
  const terms: Variable[] = [A.variable(T.full([B, 1], logHg, { dtype: o.dtype, device: o.device })), cSelf];
  if (I > 1) {
    // every pair (i, j) by broadcasting [B, I, 1, n] against [B, 1, I, n], then keep i < j
    const Sp = A.add(A.unsqueeze(v, 2), A.unsqueeze(v, 1));
    const dp = A.sub(A.unsqueeze(mu, 2), A.unsqueeze(mu, 1));
    const g = A.sub(
      A.sub(A.neg(A.sum(A.div(A.square(dp), A.mul(Sp, 2)), { axis: 3 })), (n / 2) * LOG_2PI),
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
  return reduction === 'none' ? perSample : reduction === 'sum' ? A.sum(perSample) : A.mean(perSample);
}

function toVar(x: VarLike): Variable {
  if (x instanceof A.Variable) return x;
  if (x instanceof T.Tensor) return A.variable(x);
  throw new T.TensorError(`propelLossComposite: inputs must be Variables or Tensors, got ${typeof x}`);
}
