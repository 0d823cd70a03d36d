// Layer: autograd. clipGradNorm: torch.nn.utils.clip_grad_norm_, the gradient clipping of a training step
// (between backward() and opt.step()). It reads and rewrites `grad`s, so it is not an op on the tape.
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { Variable } from './variable';

/** Options of clipGradNorm (PyTorch's names and defaults). */
export interface ClipGradNormOptions {
  /** p of the p-norm: a number > 0 or Infinity (the largest |g|). Default 2. */
  normType?: number;
  /** Throw when the total norm is NaN or ±Infinity, before any gradient is changed. Default false (as PyTorch). */
  errorIfNonfinite?: boolean;
}

/**
 * Clip the gradients of `params` (a Variable or an array of them) by their total norm, as PyTorch's
 * `torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)`: the p-norm of all gradients taken together
 * (as if concatenated into one vector) is computed, and when `maxNorm / (total + 1e-6)` is below 1 every
 * gradient is multiplied by it. Parameters without a gradient are skipped. Returns the total norm before
 * clipping, as a number (PyTorch returns a 0-d tensor).
 *
 * Each clipped `grad` is replaced by a new tensor rather than scaled in place: backward may hand the same
 * gradient tensor to several leaves, which an in-place scaling would scale more than once. A NaN total
 * makes every gradient NaN, as in PyTorch, unless `errorIfNonfinite` asks for an error instead.
 *
 * ```ts
 * import { tensor } from '@propel-ts/tensor';
 * import { clipGradNorm, nn, sum } from '@propel-ts/autograd';
 * const model = new nn.Linear(3, 1);
 * sum(model.forward(tensor([[1, 2, 3]]))).backward();
 * const norm = clipGradNorm(model.parameters(), 1.0);   // the norm before clipping; after it, at most 1
 * ```
 */
export function clipGradNorm(params: Variable | readonly Variable[], maxNorm: number, options: ClipGradNormOptions = {}): number {
  const fn = 'clipGradNorm';
  T.checkArity(fn, arguments, 3, 'clipGradNorm(params, maxNorm, { normType, errorIfNonfinite })');
  const list: readonly unknown[] = params instanceof Variable ? [params] : params;
  if (!Array.isArray(list)) throw new T.TensorError(`${fn}: params got ${T.describeValue(params)}, expected a Variable or an array of Variables (e.g. model.parameters())`);
  list.forEach((p, i) => {
    if (!(p instanceof Variable)) throw new T.TensorError(`${fn}: params[${i}] got ${T.describeValue(p)}, expected a Variable`);
  });
  if (maxNorm === undefined) throw new T.TensorError(`${fn}: maxNorm got undefined, expected a number >= 0, e.g. clipGradNorm(params, 1.0)`);
  // Infinity never clips (the call then only measures the norm), as in PyTorch
  const max = T.optNumber(fn, 'maxNorm', maxNorm, 0, { min: 0, infinite: true });
  const o = T.checkOptions(fn, options, ['normType', 'errorIfNonfinite'], 'clipGradNorm(params, maxNorm, OPTIONS)');
  const p = T.optNumber(fn, 'normType', o.normType, 2, { min: 0, minExclusive: true, infinite: true });
  const errorIfNonfinite = T.optBoolean(fn, 'errorIfNonfinite', o.errorIfNonfinite, false);

  const grads = (list as readonly Variable[]).map((v) => v.grad).filter((g): g is Tensor => g !== null && g.size > 0);
  // Σ|g|^p over every gradient (for p = Infinity: the largest |g|), then the p-th root
  let acc = 0;
  for (const g of grads) acc = p === Infinity ? Math.max(acc, partialNorm(g, p)) : acc + partialNorm(g, p);
  const total = p === Infinity ? acc : p === 2 ? Math.sqrt(acc) : acc ** (1 / p);
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new T.TensorError(`${fn}: the total ${p}-norm of the gradients is ${total}, expected a finite number (errorIfNonfinite is set)`);
  }
  const coef = max / (total + 1e-6);
  // `!(coef >= 1)` so that a NaN coefficient scales too (NaN gradients, as PyTorch's clamp then multiply)
  if (!(coef >= 1)) {
    for (const v of list as readonly Variable[]) if (v.grad !== null) v.grad = T.mul(v.grad, coef);
  }
  return total;
}

/** Σ|g|^p of one gradient (max |g| for p = Infinity): in float64 on the host for CPU tensors, else with tensor ops. */
function partialNorm(g: Tensor, p: number): number {
  if (g.device === 'cpu') {
    let s = 0;
    for (const x of g.toTypedArray()) {
      const a = Math.abs(x);
      // a NaN must win the max, as it wins the sum
      if (p === Infinity) s = a > s || Number.isNaN(a) ? a : s;
      else s += p === 2 ? a * a : p === 1 ? a : a ** p;
    }
    return s;
  }
  const a = T.abs(g);
  if (p === Infinity) return T.max(a).item();
  return T.sum(p === 2 ? T.square(a) : p === 1 ? a : T.pow(a, p)).item();
}
