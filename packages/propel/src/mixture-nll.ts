// Layer: propel. The mixture negative log-likelihood (the MDN loss, Bishop 1994) on PROPEL's layout: the
// network's `[B, I, 2n]` prediction read as an equally weighted mixture of I diagonal Gaussians, scored by
// -log of its density at the target. A composite of autograd ops in log space (logsumexp over components),
// so it has second-order gradients, gradients for the target, and runs on 'gpu' unchanged. Imports tensor,
// autograd, inputs.ts (the same shape and value checks as propelLoss) and propel-op.ts (asVariable).
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import type { Variable, VarLike } from '@propel-ts/autograd';
import { checkValues, dimsFromShapes, explainNonFiniteLoss, type SigmaTransform } from './inputs';
import { asVariable, type Reduction } from './propel-op';

const OP = 'mixtureNll';
const LOG_2PI = Math.log(2 * Math.PI);

/** Options of `mixtureNll`. */
export interface MixtureNllOptions {
  /** Default 'mean' (over the batch); 'sum', or 'none' for the per-sample losses `[B]`. */
  reduction?: Reduction;
  /**
   * How the raw standard-deviation channels become standard deviations, as in `propelLoss`: 'identity'
   * (default, std = |s|), 'softplus' (log(1+e^s)) or 'exp' (e^s).
   */
  sigmaTransform?: SigmaTransform;
}

/**
 * The mixture negative log-likelihood of the targets (natural log), the loss of a mixture density network:
 *
 *     L_b = -log( (1/I) sum_i prod_d N(t_bd; mu_bid, sd_bid²) )
 *
 * per sample, then reduced. Same layout as `propelLoss`: `output` `[B, I, 2n]` (per component n means then
 * n raw standard deviations), `target` `[B, n]`. Unlike PROPEL it has no ground-truth width (no sigma): it
 * is the likelihood of the point target itself. Computed in log space (log-sum-exp over the components),
 * so it stays finite far from the target (`t - mu = 1e3·sd` gives about 5e5, not infinity). Built from
 * autograd ops: differentiable twice, the target may require a gradient, and it runs on 'gpu'.
 *
 * Errors (TensorError naming 'mixtureNll'): shapes as for propelLoss, an unknown option or reduction or
 * sigmaTransform, output and target of different dtype or device, and, as propelLoss reports them, a
 * non-finite input or a variance that is 0 or overflows, named with its index: at the call on 'cpu', when
 * the loss is read back on 'gpu' (checking at the call would cost a readback a step there).
 *
 * ```ts
 * const out = model.forward(x).reshape([B, 3, 4]);    // I = 3 Gaussians in n = 2 dimensions
 * const loss = mixtureNll(out, target, { sigmaTransform: 'softplus' });
 * loss.backward();
 * ```
 *
 * @param output The prediction `[B, I, 2n]` (a Variable, or a Tensor taken as a constant), float32 or float64.
 * @param target The targets `[B, n]`, same dtype and device as `output`.
 * @param options `reduction` ('mean' default, 'sum', 'none') and `sigmaTransform` ('identity' default,
 *   'softplus', 'exp'); see {@link MixtureNllOptions}.
 * @returns A scalar Variable for 'mean' and 'sum', the per-sample losses `[B]` for 'none' (nats).
 */
export function mixtureNll(output: VarLike, target: VarLike, options?: MixtureNllOptions): Variable {
  T.checkArity(OP, arguments, 3, 'mixtureNll(output, target, { reduction, sigmaTransform })');
  const o = T.checkOptions(OP, options, ['reduction', 'sigmaTransform'], 'mixtureNll(output, target, OPTIONS)');
  const reduction = T.optOneOf(OP, 'reduction', o.reduction, ['mean', 'sum', 'none'], 'mean');
  const sigmaTransform = T.optOneOf(OP, 'sigmaTransform', o.sigmaTransform, ['identity', 'softplus', 'exp'], 'identity');
  const [out, t] = [asVariable(OP, output, 'output'), asVariable(OP, target, 'target')];
  T.checkSame(OP, [out.value, t.value], ['output', 'target']);
  const dims = dimsFromShapes(OP, out.shape, t.shape);
  const { I, n } = dims;
  // on the CPU the values are at hand: check them now, as propelLoss does (a variance that overflows would
  // give a finite loss but a NaN gradient); on 'gpu' that costs a readback, so the loss's read-back does it
  if (out.device === 'cpu') checkValues(OP, dims, out.value.toTypedArray(), t.value.toTypedArray(), sigmaTransform);

  // means and variances [B, I, n]; log sd per transform, exact for 'exp' (log e^s = s)
  const mu = A.slice(out, 2, 0, n);
  const s = A.slice(out, 2, n, 2 * n);
  const std = sigmaTransform === 'identity' ? s : sigmaTransform === 'softplus' ? A.softplus(s) : A.exp(s);
  const v = A.square(std);
  const logSd = sigmaTransform === 'identity' ? A.mul(A.log(v), 0.5) : sigmaTransform === 'softplus' ? A.log(std) : s;
  // a_i = log prod_d N(t_d; mu_id, v_id) = -sum_d (½ ((t_d - mu_id) / sd_id)² + log sd_id) - (n/2) log 2π   [B, I].
  // Written as d² / (2v), the division's backward would form d² / (2v)², which overflows float32 at small
  // variances (sd 1e-13): a component whose weight underflowed to 0 would get 0 · ∞ = NaN, not 0
  const diff = A.sub(A.unsqueeze(t, 1), mu);
  const a = A.neg(A.sum(A.add(A.mul(A.square(A.div(diff, std)), 0.5), logSd), { axis: 2 }));
  // L = -(log(1/I) + logsumexp_i a_i) + (n/2) log 2π: the constants folded into one number
  const perSample = A.sub(Math.log(I) + 0.5 * n * LOG_2PI, A.logsumexp(a, { axis: 1 }));
  const loss = reduction === 'none' ? perSample : reduction === 'sum' ? A.sum(perSample) : A.mean(perSample);

  // on 'gpu' a bad input shows as a non-finite loss: only then are the inputs read and the reason named
  // (on the CPU the inputs passed, so a non-finite loss means values beyond the dtype's range)
  explainNonFiniteLoss(OP, loss.value, out.value, t.value, dims, sigmaTransform);
  return loss;
}
