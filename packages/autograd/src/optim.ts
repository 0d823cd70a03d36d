// Layer: autograd. Optimizers with PyTorch's update rules (torch.optim.SGD, Adam, AdamW). On the CPU
// the update runs in place over the parameter's typed array (no allocation per step); on other devices
// it is written with tensor ops and the parameter's value is replaced.
import * as T from '@propel-ts/tensor';
import type { Tensor, TypedArray } from '@propel-ts/tensor';
import { Variable } from './variable';

/** Base class: holds the parameters and clears their gradients. */
export abstract class Optimizer {
  /** Number of `step()` calls so far. */
  stepCount = 0;
  readonly params: readonly Variable[];
  constructor(params: readonly Variable[]) {
    const name = new.target.name;
    if (!Array.isArray(params)) throw new T.TensorError(`${name}: params got ${T.describeValue(params)}, expected an array of Variables (e.g. model.parameters())`);
    params.forEach((p, i) => {
      if (!(p instanceof Variable)) throw new T.TensorError(`${name}: params[${i}] got ${T.describeValue(p)}, expected a Variable`);
      if (!p.requiresGrad) throw new T.TensorError(`${name}: params[${i}] does not require a gradient, expected trainable parameters`);
    });
    this.params = params.slice();
  }
  /** Clear every parameter's gradient. */
  zeroGrad(): void {
    T.checkArity(`${this.constructor.name}.zeroGrad`, arguments, 0, 'opt.zeroGrad()');
    for (const p of this.params) p.grad = null;
  }
  /** Apply one update from the current gradients (parameters without a gradient are skipped). */
  step(): void {
    T.checkArity(`${this.constructor.name}.step`, arguments, 0, 'opt.step()');
    this.stepCount++;
    this.params.forEach((p, i) => {
      if (p.grad === null) return;
      if (p.grad.ndim !== p.ndim || p.grad.shape.some((d, k) => d !== p.shape[k])) {
        throw new T.TensorError(`${this.constructor.name}.step: gradient of params[${i}] has shape ${T.fmtShape(p.grad.shape)}, expected ${T.fmtShape(p.shape)}`);
      }
      if (p.grad.dtype !== p.dtype) {
        throw new T.TensorError(`${this.constructor.name}.step: gradient of params[${i}] has dtype ${p.grad.dtype}, expected ${p.dtype}`);
      }
      const host = hostArrays(p);
      if (host) {
        this.updateHost(i, host.param, host.grad);
        T.bumpVersion(p.value); // in place: a graph that used the old values must not be differentiated now
      }
      else p.value = this.updateTensor(i, p.value, p.grad);
    });
  }
  /** In-place update of parameter `i` on host arrays. */
  protected abstract updateHost(i: number, param: TypedArray, grad: ArrayLike<number>): void;
  /** Functional update of parameter `i` with tensor ops (any device). */
  protected abstract updateTensor(i: number, param: Tensor, grad: Tensor): Tensor;
}

/** The parameter's own contiguous CPU array (safe to update in place) and its gradient, or null. */
function hostArrays(p: Variable): { param: TypedArray; grad: ArrayLike<number> } | null {
  const v = p.value;
  if (v.device !== 'cpu' || !v.isContiguous() || v.offset !== 0 || !(v.storage instanceof T.CpuStorage) || v.storage.length !== v.size) return null;
  const g = p.grad!;
  const grad = g.device === 'cpu' && g.isContiguous() && g.offset === 0 && g.storage instanceof T.CpuStorage && g.storage.length === g.size
    ? g.storage.data : g.toTypedArray();
  return { param: v.storage.data, grad };
}

/**
 * Per-parameter state buffers, allocated on first use. A buffer is a host array (in-place path) or a tensor
 * (tensor path); when a parameter switches path between steps (its value became, or stopped being, a
 * contiguous CPU array, e.g. after the first tensor-path step replaced a view) the buffer moves with it,
 * so momentum and moments carry over.
 */
class Slots {
  private host = new Map<number, Float64Array>();
  private dev = new Map<number, Tensor>();
  /** True once parameter `i` has state (on either path). */
  has(i: number): boolean { return this.host.has(i) || this.dev.has(i); }
  hostFor(i: number, n: number): Float64Array {
    let s = this.host.get(i);
    if (!s) {
      const t = this.dev.get(i);
      s = t ? Float64Array.from(t.toTypedArray()) : new Float64Array(n);
      this.dev.delete(i);
      this.host.set(i, s);
    }
    return s;
  }
  /** The state of parameter `i` as a tensor like `like` (moved from the host if it lives there). */
  tensor(i: number, like: Tensor): Tensor | undefined {
    const h = this.host.get(i);
    if (h) {
      this.host.delete(i);
      this.dev.set(i, T.tensor(h, { shape: like.shape, dtype: like.dtype, device: like.device }));
    }
    return this.dev.get(i);
  }
  setTensor(i: number, t: Tensor): void { this.dev.set(i, t); this.host.delete(i); }
}

/**
 * An optimizer's options in either of PyTorch's forms: the learning rate alone (`new Adam(params, 0.1)`)
 * or an object of the accepted keys (`{ lr: 0.1, ... }`). Returns the object, checked for unknown keys.
 */
function optimizerOptions<K extends string>(name: string, options: unknown, keys: readonly K[]): { readonly [P in K]?: unknown } {
  if (typeof options === 'number') return { lr: options } as { readonly [P in K]?: unknown };
  return T.checkOptions(name, options, keys, `new ${name}(params, OPTIONS)`);
}

/** A learning rate: a finite number > 0. */
const lrRule = { min: 0, minExclusive: true } as const;

/** Options of SGD (PyTorch's names and defaults). */
export interface SGDOptions { lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean }

/**
 * Stochastic gradient descent, with PyTorch's momentum rule: b ← μb + (1-τ)g (b = g on the first step),
 * p ← p - lr·(nesterov ? g + μb : b), where g includes weight decay λp. `new SGD(params, 0.1)` is
 * `new SGD(params, { lr: 0.1 })` (PyTorch's positional lr); lr is required.
 */
export class SGD extends Optimizer {
  private readonly o: Required<SGDOptions>;
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
