// Layer: autograd/optim. torch.optim.Adagrad: per-element rates from the sum of all past g², with lr decay
// and weight decay.
import * as T from '@propel-ts/tensor';
import type { Tensor, TypedArray } from '@propel-ts/tensor';
import type { Variable } from '../variable';
import { Optimizer } from './optimizer';
import { Slots, lrRule, optimizerOptions } from './state';

/** Options of Adagrad (PyTorch's names and defaults). */
export interface AdagradOptions { lr?: number; lrDecay?: number; weightDecay?: number; initialAccumulatorValue?: number; eps?: number }

/**
 * Adagrad exactly as torch.optim.Adagrad, per element, at the parameter's t-th step (t = 1, 2, ...):
 * γ = lr / (1 + (t-1)·lrDecay), g ← g + λp, s ← s + g² (s starts at `initialAccumulatorValue`),
 * p ← p - γ·g / (√s + ε): ε is added after the square root, as PyTorch. `new Adagrad(params, 0.01)` is
 * `{ lr: 0.01 }`.
 */
export class Adagrad extends Optimizer {
  protected readonly o: Required<AdagradOptions>;
  private readonly sum = new Slots();
  private readonly t = new Map<number, number>();
  constructor(params: readonly Variable[], options: AdagradOptions | number = {}) {
    T.checkArity('Adagrad', arguments, 2, 'new Adagrad(params, { lr, lrDecay, weightDecay, initialAccumulatorValue, eps })');
    super(params);
    const o = optimizerOptions('Adagrad', options, ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps']);
    this.o = {
      lr: T.optNumber('Adagrad', 'lr', o.lr, 1e-2, lrRule),
      lrDecay: T.optNumber('Adagrad', 'lrDecay', o.lrDecay, 0, { min: 0 }),
      weightDecay: T.optNumber('Adagrad', 'weightDecay', o.weightDecay, 0, { min: 0 }),
      initialAccumulatorValue: T.optNumber('Adagrad', 'initialAccumulatorValue', o.initialAccumulatorValue, 0, { min: 0 }),
      eps: T.optNumber('Adagrad', 'eps', o.eps, 1e-10, { min: 0 }),
    };
  }
  /** This parameter's step count t (1 on its first update) and the decayed rate of that step. */
  private tick(i: number): number {
    const t = (this.t.get(i) ?? 0) + 1;
    this.t.set(i, t);
    return this.o.lr / (1 + (t - 1) * this.o.lrDecay);
  }
  protected updateHost(i: number, p: TypedArray, grad: ArrayLike<number>): void {
    const { weightDecay: wd, initialAccumulatorValue: s0, eps } = this.o;
    const clr = this.tick(i);
    const first = !this.sum.has(i);
    const s = this.sum.hostFor(i, p.length);
    if (first) s.fill(s0);
    for (let k = 0; k < p.length; k++) {
      const g = grad[k]! + wd * p[k]!;
      s[k] = s[k]! + g * g;
      p[k] = p[k]! - clr * g / (Math.sqrt(s[k]!) + eps);
    }
  }
  protected updateTensor(i: number, p: Tensor, grad: Tensor): Tensor {
    const { weightDecay: wd, initialAccumulatorValue: s0, eps } = this.o;
    const clr = this.tick(i);
    const g = wd !== 0 ? T.add(grad, T.mul(p, wd)) : grad;
    const s = T.add(this.sum.tensor(i, p) ?? T.fullLike(p, s0), T.square(g));
    this.sum.setTensor(i, s);
    return T.sub(p, T.mul(T.div(g, T.add(T.sqrt(s), eps)), clr));
  }
}
