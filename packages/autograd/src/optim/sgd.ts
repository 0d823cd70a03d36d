// Layer: autograd/optim. torch.optim.SGD: plain, momentum (with dampening), Nesterov, weight decay.
import * as T from '@propel-ts/tensor';
import type { Tensor, TypedArray } from '@propel-ts/tensor';
import type { Variable } from '../variable';
import { Optimizer } from './optimizer';
import { Slots, lrRule, optimizerOptions } from './state';

/** Options of SGD (PyTorch's names and defaults). */
export interface SGDOptions { lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean }

/**
 * Stochastic gradient descent, with PyTorch's momentum rule: b ← μb + (1-τ)g (b = g on the first step),
 * p ← p - lr·(nesterov ? g + μb : b), where g includes weight decay λp. `new SGD(params, 0.1)` is
 * `new SGD(params, { lr: 0.1 })` (PyTorch's positional lr); lr is required.
 */
export class SGD extends Optimizer {
  protected readonly o: Required<SGDOptions>;
  private readonly buf = new Slots();
  constructor(params: readonly Variable[], options: SGDOptions | number) {
    T.checkArity('SGD', arguments, 2, 'new SGD(params, { lr, momentum, dampening, weightDecay, nesterov })');
    super(params);
    const o = optimizerOptions('SGD', options, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov']);
    if (o.lr === undefined) throw new T.TensorError('SGD: lr is required, expected new SGD(params, { lr: 0.01 }) or new SGD(params, 0.01)');
    this.o = {
      lr: T.optNumber('SGD', 'lr', o.lr, 0, lrRule),
      momentum: T.optNumber('SGD', 'momentum', o.momentum, 0, { min: 0 }),
      dampening: T.optNumber('SGD', 'dampening', o.dampening, 0, { min: 0, max: 1 }),
      weightDecay: T.optNumber('SGD', 'weightDecay', o.weightDecay, 0, { min: 0 }),
      nesterov: T.optBoolean('SGD', 'nesterov', o.nesterov, false),
    };
    if (this.o.nesterov && (this.o.momentum === 0 || this.o.dampening !== 0)) {
      throw new T.TensorError(`SGD: nesterov needs momentum > 0 and dampening 0 (as PyTorch), got momentum ${this.o.momentum}, dampening ${this.o.dampening}`);
    }
  }
  protected updateHost(i: number, p: TypedArray, grad: ArrayLike<number>): void {
    const { lr, momentum: mu, dampening, weightDecay: wd, nesterov } = this.o;
    const first = !this.buf.has(i);
    const b = mu !== 0 ? this.buf.hostFor(i, p.length) : null;
    for (let k = 0; k < p.length; k++) {
      let g = grad[k]! + wd * p[k]!;
      if (b) {
        b[k] = first ? g : mu * b[k]! + (1 - dampening) * g;
        g = nesterov ? g + mu * b[k]! : b[k]!;
      }
      p[k] = p[k]! - lr * g;
    }
  }
  protected updateTensor(i: number, p: Tensor, grad: Tensor): Tensor {
    const { lr, momentum: mu, dampening, weightDecay: wd, nesterov } = this.o;
    let g = wd !== 0 ? T.add(grad, T.mul(p, wd)) : grad;
    if (mu !== 0) {
      const prev = this.buf.tensor(i, p);
      const b = prev ? T.add(T.mul(prev, mu), T.mul(g, 1 - dampening)) : g;
      this.buf.setTensor(i, b);
      g = nesterov ? T.add(g, T.mul(b, mu)) : b;
    }
    return T.sub(p, T.mul(g, lr));
  }
}
