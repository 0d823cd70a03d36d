// Layer: autograd/optim. torch.optim.Adam and AdamW (bias-corrected moments; L2 or decoupled weight decay).
import * as T from '@propel-ts/tensor';
import type { Tensor, TypedArray } from '@propel-ts/tensor';
import type { Variable } from '../variable';
import { Optimizer } from './optimizer';
import { Slots, lrRule, optimizerOptions } from './state';

/** Options of Adam and AdamW (PyTorch's names and defaults). */
export interface AdamOptions { lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number }

/**
 * Adam (Kingma & Ba) exactly as torch.optim.Adam: m ← β1 m + (1-β1) g, v ← β2 v + (1-β2) g²,
 * p ← p - (lr / (1-β1^t)) · m / (√v / √(1-β2^t) + ε), with weight decay added to g (L2).
 */
export class Adam extends Optimizer {
  protected readonly o: Required<AdamOptions>;
  private readonly m = new Slots();
  private readonly v = new Slots();
  private readonly t = new Map<number, number>();
  /** AdamW decays the weights directly instead of adding λp to the gradient. */
  protected readonly decoupled: boolean = false;
  /** The weight decay when none is given (AdamW: 0.01, as PyTorch). */
  protected static readonly defaultWeightDecay: number = 0;
  /** `new Adam(params, 0.01)` is `new Adam(params, { lr: 0.01 })` (PyTorch's positional lr). */
  constructor(params: readonly Variable[], options: AdamOptions | number = {}) {
    const name = new.target.name;
    T.checkArity(name, arguments, 2, `new ${name}(params, { lr, betas, eps, weightDecay })`);
    super(params);
    const o = optimizerOptions(name, options, ['lr', 'betas', 'eps', 'weightDecay']);
    const betas = o.betas ?? [0.9, 0.999];
    const betaOk = Array.isArray(betas) && betas.length === 2 && betas.every((b) => typeof b === 'number' && b >= 0 && b < 1);
    if (!betaOk) throw new T.TensorError(`${name}: betas got ${T.describeValue(betas)}, expected two numbers in [0, 1), e.g. [0.9, 0.999]`);
    this.o = {
      lr: T.optNumber(name, 'lr', o.lr, 1e-3, lrRule),
      betas: [betas[0], betas[1]] as [number, number],
      eps: T.optNumber(name, 'eps', o.eps, 1e-8, { min: 0 }),
      weightDecay: T.optNumber(name, 'weightDecay', o.weightDecay, (new.target as typeof Adam).defaultWeightDecay, { min: 0 }),
    };
  }
  private tick(i: number): number {
    const t = (this.t.get(i) ?? 0) + 1;
    this.t.set(i, t);
    return t;
  }
  protected updateHost(i: number, p: TypedArray, grad: ArrayLike<number>): void {
    const { lr, betas: [b1, b2], eps, weightDecay: wd } = this.o;
    const t = this.tick(i);
    const m = this.m.hostFor(i, p.length);
    const v = this.v.hostFor(i, p.length);
    const stepSize = lr / (1 - b1 ** t);
    const c2 = Math.sqrt(1 - b2 ** t);
    const decay = this.decoupled ? 1 - lr * wd : 1;
    const l2 = this.decoupled ? 0 : wd;
    for (let k = 0; k < p.length; k++) {
      const pk = p[k]! * decay;
      const g = grad[k]! + l2 * pk;
      const mk = (m[k] = b1 * m[k]! + (1 - b1) * g);
      const vk = (v[k] = b2 * v[k]! + (1 - b2) * g * g);
      p[k] = pk - stepSize * mk / (Math.sqrt(vk) / c2 + eps);
    }
  }
  protected updateTensor(i: number, p: Tensor, grad: Tensor): Tensor {
    const { lr, betas: [b1, b2], eps, weightDecay: wd } = this.o;
    const t = this.tick(i);
    const pd = this.decoupled && wd !== 0 ? T.mul(p, 1 - lr * wd) : p;
    const g = !this.decoupled && wd !== 0 ? T.add(grad, T.mul(pd, wd)) : grad;
    const m = T.add(T.mul(this.m.tensor(i, p) ?? T.zerosLike(p), b1), T.mul(g, 1 - b1));
    const v = T.add(T.mul(this.v.tensor(i, p) ?? T.zerosLike(p), b2), T.mul(T.square(g), 1 - b2));
    this.m.setTensor(i, m);
    this.v.setTensor(i, v);
    const denom = T.add(T.div(T.sqrt(v), Math.sqrt(1 - b2 ** t)), eps);
    return T.sub(pd, T.mul(T.div(m, denom), lr / (1 - b1 ** t)));
  }
}

/** AdamW (Loshchilov & Hutter) as torch.optim.AdamW: p ← p(1 - lr·λ) then the Adam step; λ defaults to 0.01. */
export class AdamW extends Adam {
  protected override readonly decoupled = true;
  protected static override readonly defaultWeightDecay: number = 1e-2;
}
