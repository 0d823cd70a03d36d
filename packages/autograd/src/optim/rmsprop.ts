// Layer: autograd/optim. torch.optim.RMSprop: a running mean of g² (optionally centered by the running mean
// of g), momentum, weight decay.
import * as T from '@propel-ts/tensor';
import type { Tensor, TypedArray } from '@propel-ts/tensor';
import type { Variable } from '../variable';
import { Optimizer } from './optimizer';
import { Slots, lrRule, optimizerOptions } from './state';

/** Options of RMSprop (PyTorch's names and defaults). */
export interface RMSpropOptions { lr?: number; alpha?: number; eps?: number; weightDecay?: number; momentum?: number; centered?: boolean }

/**
 * RMSprop exactly as torch.optim.RMSprop, per element, with g including weight decay λp:
 * v ← αv + (1-α)g²; with `centered`, ḡ ← αḡ + (1-α)g and v̂ = v - ḡ², else v̂ = v;
 * then with momentum μ > 0, b ← μb + g / (√v̂ + ε) and p ← p - lr·b, else p ← p - lr·g / (√v̂ + ε).
 * ε is added after the square root, as PyTorch. `new RMSprop(params, 0.01)` is `{ lr: 0.01 }`.
 */
export class RMSprop extends Optimizer {
  protected readonly o: Required<RMSpropOptions>;
  private readonly v = new Slots();
  private readonly gAvg = new Slots();
  private readonly buf = new Slots();
  constructor(params: readonly Variable[], options: RMSpropOptions | number = {}) {
    T.checkArity('RMSprop', arguments, 2, 'new RMSprop(params, { lr, alpha, eps, weightDecay, momentum, centered })');
    super(params);
    const o = optimizerOptions('RMSprop', options, ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered']);
    this.o = {
      lr: T.optNumber('RMSprop', 'lr', o.lr, 1e-2, lrRule),
      // α is a decay factor: outside [0, 1] the running mean of g² could turn negative
      alpha: T.optNumber('RMSprop', 'alpha', o.alpha, 0.99, { min: 0, max: 1 }),
      eps: T.optNumber('RMSprop', 'eps', o.eps, 1e-8, { min: 0 }),
      weightDecay: T.optNumber('RMSprop', 'weightDecay', o.weightDecay, 0, { min: 0 }),
      momentum: T.optNumber('RMSprop', 'momentum', o.momentum, 0, { min: 0 }),
      centered: T.optBoolean('RMSprop', 'centered', o.centered, false),
    };
  }
  protected updateHost(i: number, p: TypedArray, grad: ArrayLike<number>): void {
    const { lr, alpha, eps, weightDecay: wd, momentum: mu, centered } = this.o;
    const v = this.v.hostFor(i, p.length);
    const gAvg = centered ? this.gAvg.hostFor(i, p.length) : null;
    const b = mu > 0 ? this.buf.hostFor(i, p.length) : null;
    for (let k = 0; k < p.length; k++) {
      const g = grad[k]! + wd * p[k]!;
      v[k] = alpha * v[k]! + (1 - alpha) * g * g;
      let vHat = v[k]!;
      if (gAvg) {
        gAvg[k] = alpha * gAvg[k]! + (1 - alpha) * g;
        vHat -= gAvg[k]! * gAvg[k]!;
      }
      const step = g / (Math.sqrt(vHat) + eps);
      if (b) {
        b[k] = mu * b[k]! + step;
        p[k] = p[k]! - lr * b[k]!;
      } else p[k] = p[k]! - lr * step;
    }
  }
  protected updateTensor(i: number, p: Tensor, grad: Tensor): Tensor {
    const { lr, alpha, eps, weightDecay: wd, momentum: mu, centered } = this.o;
    const g = wd !== 0 ? T.add(grad, T.mul(p, wd)) : grad;
    const v = T.add(T.mul(this.v.tensor(i, p) ?? T.zerosLike(p), alpha), T.mul(T.square(g), 1 - alpha));
    this.v.setTensor(i, v);
    let vHat = v;
    if (centered) {
      const gAvg = T.add(T.mul(this.gAvg.tensor(i, p) ?? T.zerosLike(p), alpha), T.mul(g, 1 - alpha));
      this.gAvg.setTensor(i, gAvg);
      vHat = T.sub(v, T.square(gAvg));
    }
    let step = T.div(g, T.add(T.sqrt(vHat), eps));
    if (mu > 0) {
      step = T.add(T.mul(this.buf.tensor(i, p) ?? T.zerosLike(p), mu), step);
      this.buf.setTensor(i, step);
    }
    return T.sub(p, T.mul(step, lr));
  }
}
