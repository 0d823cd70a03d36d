// Layer: autograd/composites. Losses built from the primitives, with torch.nn.functional's formulas: mseLoss,
// crossEntropy, nllLoss, bceWithLogits, huberLoss. Each works on log-probabilities or softplus rather than
// on probabilities, so logits of ±1000 give a finite loss and gradient. Reductions follow PyTorch: 'mean'
// (default) over the loss's elements, 'sum', or 'none' (the per-element losses). Imports define-op
// (toVariables), the primitives and the other composites.
import * as T from '@propel-ts/tensor';
import { toVariables } from '../define-op';
import type { Variable, VarLike } from '../variable';
import { abs, add, minimum, mul, neg, softplus, square, sub } from '../ops/elementwise';
import { gather } from '../ops/indexing';
import { squeeze, sum } from '../ops/views';
import { logSoftmax, mean } from './reductions';

/** How a loss reduces its per-element values. */
export type Reduction = 'mean' | 'sum' | 'none';

/**
 * A loss's options, as mseLoss takes them: a reduction alone (`'sum'`) or an options object of `keys`
 * (`{ reduction: 'sum', ... }`). Returns the checked object with its reduction.
 */
function lossOptions<K extends string>(fn: string, options: unknown, keys: readonly K[], usage: string): { readonly [P in K]?: unknown } & { reduction: Reduction } {
  const o = typeof options === 'string' ? { reduction: options } : T.checkOptions(fn, options, keys, usage);
  return { ...o, reduction: T.optOneOf(fn, 'reduction', (o as { reduction?: unknown }).reduction, ['mean', 'sum', 'none'], 'mean') };
}

function reduce(loss: Variable, reduction: Reduction): Variable {
  return reduction === 'mean' ? mean(loss) : reduction === 'sum' ? sum(loss) : loss;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * `a - b` for an elementwise loss, checked in the loss's name: one dtype and device, and `b` must broadcast
 * to `a`'s shape. PyTorch only warns when the two differ and then broadcasts both ways, so a prediction
 * [B, 1] against a target [B] gives a [B, B] loss: a silently wrong mean. Here that throws.
 */
function difference(fn: string, a: VarLike, b: VarLike, names: readonly [string, string]): Variable {
  const [x, y] = toVariables(fn, [a, b]);
  T.checkSame(fn, [x!.value, y!.value], names);
  const out = T.broadcastShapes(fn, x!.shape, y!.shape);
  if (!sameShape(out, x!.shape)) {
    throw new T.TensorError(`${fn}: ${names[1]} has shape ${T.fmtShape(y!.shape)}, which broadcasts with ${names[0]} ${T.fmtShape(x!.shape)} to ${T.fmtShape(out)}, expected a ${names[1]} that broadcasts to ${names[0]}'s shape ${T.fmtShape(x!.shape)} (reshape one of them: PyTorch warns and computes the ${T.fmtShape(out)} loss)`);
  }
  return sub(x!, y!);
}

/**
 * Mean squared error between prediction and target (which broadcasts to the prediction's shape, not
 * beyond it): `reduction` 'mean' (default), 'sum' or 'none', as a string (`mseLoss(a, b, 'sum')`) or as PyTorch's keyword (`mseLoss(a, b, { reduction: 'sum' })`).
 */
export function mseLoss(prediction: VarLike, target: VarLike, reduction: Reduction | { reduction?: Reduction } = 'mean'): Variable {
  T.checkArity('mseLoss', arguments, 3, "mseLoss(prediction, target, 'mean' | 'sum' | 'none')");
  const o = lossOptions('mseLoss', reduction, ['reduction'], 'mseLoss(prediction, target, OPTIONS)');
  return reduce(square(difference('mseLoss', prediction, target, ['prediction', 'target'])), o.reduction);
}

/** The class axis of logits (or log-probabilities) `x`: 1 for [B, C, d1, ...], 0 for one unbatched sample [C]. */
function classAxis(fn: string, x: Variable, name: string): number {
  if (x.ndim === 0) throw new T.TensorError(`${fn}: ${name} has shape [], expected [C], [B, C] or [B, C, d1, ...] (C classes)`);
  return x.ndim === 1 ? 0 : 1;
}

/**
 * The entries of `logp` at the class indices `target` along `axis`: shape of `target`, which is logp's shape
 * without `axis`. Each index must be an integer in [0, C) (indices are stored as floats); a wrong one
 * throws naming it and its position.
 */
function atClass(fn: string, logp: Variable, target: Variable, axis: number, name: string): Variable {
  const C = logp.shape[axis]!;
  const want = logp.shape.filter((_, i) => i !== axis);
  if (!sameShape(target.shape, want)) {
    throw new T.TensorError(`${fn}: target has shape ${T.fmtShape(target.shape)}, expected ${T.fmtShape(want)} (class indices for ${name} ${T.fmtShape(logp.shape)}, classes along axis ${axis})${fn === 'crossEntropy' ? ` or ${T.fmtShape(logp.shape)} (class probabilities)` : ''}`);
  }
  if (target.device !== logp.device) {
    throw new T.TensorError(`${fn}: target is on '${target.device}' but ${name} is on '${logp.device}', expected one device (move with .to('${logp.device}'))`);
  }
  const values = T.toHost(target.value, fn);
  for (let i = 0; i < values.length; i++) {
    const k = values[i]!;
    if (!Number.isInteger(k) || k < 0 || k >= C) {
      const at = target.ndim === 0 ? '' : `[${T.unravelIndex(i, target.shape).join(', ')}]`;
      throw new T.TensorError(`${fn}: target${at} got ${k}, expected an integer class index in [0, ${C}) (${name} ${T.fmtShape(logp.shape)} has ${C} classes along axis ${axis})`);
    }
  }
  // gather wants the index with logp's rank: the class axis as size 1, squeezed away after
  const index = target.value.reshape(logp.shape.map((d, i) => (i === axis ? 1 : d)));
  return squeeze(gather(logp, axis, index), axis);
}

/**
 * Cross-entropy of logits against a target (torch.nn.functional.cross_entropy). Logits are [B, C] (C
 * classes), [B, C, d1, ...] or one sample [C]. The target is either class indices, of the logits' shape
 * without the class axis (integers stored as floats), with loss -log softmax(x)[target] per element; or class
 * probabilities, of the logits' shape, with loss -Σ_c target_c · log softmax(x)_c (a gradient flows into
 * these too). `labelSmoothing` ε in [0, 1] (default 0) mixes the target with the uniform distribution:
 * (1-ε)·target + ε/C. `reduction` 'mean' (default) averages over the elements other than the class axis.
 */
export function crossEntropy(logits: VarLike, target: VarLike, options?: Reduction | { reduction?: Reduction; labelSmoothing?: number }): Variable {
  T.checkArity('crossEntropy', arguments, 3, 'crossEntropy(logits, target, { reduction, labelSmoothing })');
  const o = lossOptions('crossEntropy', options, ['reduction', 'labelSmoothing'], 'crossEntropy(logits, target, OPTIONS)');
  const eps = T.optNumber('crossEntropy', 'labelSmoothing', o.labelSmoothing, 0, { min: 0, max: 1 });
  const [x, t] = toVariables('crossEntropy', [logits, target]);
  const axis = classAxis('crossEntropy', x!, 'logits');
  const C = x!.shape[axis]!;
  const logp = logSoftmax(x!, axis);
  let loss: Variable;
  if (sameShape(t!.shape, x!.shape)) {
    T.checkSame('crossEntropy', [x!.value, t!.value], ['logits', 'target']);
    const q = eps === 0 ? t! : add(mul(t!, 1 - eps), eps / C);
    loss = neg(sum(mul(q, logp), axis));
  } else {
    loss = neg(atClass('crossEntropy', logp, t!, axis, 'logits'));
    // smoothing with class indices: (1-ε)·(-log p[target]) + ε·(-Σ_c log p_c / C)
    if (eps > 0) loss = add(mul(loss, 1 - eps), mul(neg(mean(logp, axis)), eps));
  }
  return reduce(loss, o.reduction);
}

/**
 * Negative log-likelihood of log-probabilities at class indices (torch.nn.functional.nll_loss): -logProbs[target]
 * per element, for logProbs [B, C], [B, C, d1, ...] or [C] and target their shape without the class axis
 * (integers stored as floats). crossEntropy(x, t) is nllLoss(logSoftmax(x, 1), t).
 */
export function nllLoss(logProbs: VarLike, target: VarLike, options?: Reduction | { reduction?: Reduction }): Variable {
  T.checkArity('nllLoss', arguments, 3, 'nllLoss(logProbs, target, { reduction })');
  const o = lossOptions('nllLoss', options, ['reduction'], 'nllLoss(logProbs, target, OPTIONS)');
  const [lp, t] = toVariables('nllLoss', [logProbs, target]);
  const axis = classAxis('nllLoss', lp!, 'logProbs');
  return reduce(neg(atClass('nllLoss', lp!, t!, axis, 'logProbs')), o.reduction);
}

/**
 * Binary cross-entropy of logits x against targets y in [0, 1] of the same shape
 * (torch.nn.functional.binary_cross_entropy_with_logits): -[y·log σ(x) + (1-y)·log(1-σ(x))], computed as
 * softplus(x) - x·y, which never takes the log of a sigmoid that rounded to 0 or 1.
 */
export function bceWithLogits(logits: VarLike, target: VarLike, options?: Reduction | { reduction?: Reduction }): Variable {
  T.checkArity('bceWithLogits', arguments, 3, 'bceWithLogits(logits, target, { reduction })');
  const o = lossOptions('bceWithLogits', options, ['reduction'], 'bceWithLogits(logits, target, OPTIONS)');
  const [x, y] = toVariables('bceWithLogits', [logits, target]);
  if (!sameShape(x!.shape, y!.shape)) {
    throw new T.TensorError(`bceWithLogits: target has shape ${T.fmtShape(y!.shape)}, expected ${T.fmtShape(x!.shape)} (the logits' shape, as PyTorch)`);
  }
  T.checkSame('bceWithLogits', [x!.value, y!.value], ['logits', 'target']);
  return reduce(sub(softplus(x!), mul(x!, y!)), o.reduction);
}

/**
 * The Huber loss of d = input - target (torch.nn.functional.huber_loss; the target broadcasts to the input's shape, as mseLoss's): ½d² where
 * |d| < delta, delta·(|d| - ½delta) elsewhere (the two meet with equal slope at |d| = delta); delta > 0,
 * default 1.
 */
export function huberLoss(input: VarLike, target: VarLike, options?: Reduction | { delta?: number; reduction?: Reduction }): Variable {
  T.checkArity('huberLoss', arguments, 3, 'huberLoss(input, target, { delta, reduction })');
  const o = lossOptions('huberLoss', options, ['delta', 'reduction'], 'huberLoss(input, target, OPTIONS)');
  const delta = T.optNumber('huberLoss', 'delta', o.delta, 1, { min: 0, minExclusive: true });
  const d = difference('huberLoss', input, target, ['input', 'target']);
  // ½m² + delta·(|d| - m) with m = min(|d|, delta): ½d² inside, delta·(|d| - ½delta) beyond, with no unused
  // branch (a where's other side, ½d², overflows float32 for a large d and its 0 gradient times ∞ is NaN)
  const ad = abs(d);
  const m = minimum(ad, delta);
  return reduce(add(mul(square(m), 0.5), mul(sub(ad, m), delta)), o.reduction);
}
