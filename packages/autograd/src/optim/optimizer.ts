// Layer: autograd/optim. The base class of the optimizers: holds the parameters, checks each gradient and
// picks the update path. On the CPU the update runs in place over the parameter's typed array (no
// allocation per step); on other devices it is written with tensor ops and the parameter's value is replaced.
import * as T from '@propel-ts/tensor';
import type { Tensor, TypedArray } from '@propel-ts/tensor';
import { Variable } from '../variable';

/** Base class: holds the parameters, clears their gradients and exposes the learning rate. */
export abstract class Optimizer {
  /** Number of `step()` calls so far. */
  stepCount = 0;
  readonly params: readonly Variable[];
  /** Each optimizer's checked options; every update reads `lr` from here, so a new rate applies at the next step. */
  protected abstract readonly o: { lr: number };
  constructor(params: readonly Variable[]) {
    const name = new.target.name;
    if (!Array.isArray(params)) throw new T.TensorError(`${name}: params got ${T.describeValue(params)}, expected an array of Variables (e.g. model.parameters())`);
    if (params.length === 0) throw new T.TensorError(`${name}: params got an empty array, expected at least one Variable (model.parameters() of a model with parameters)`);
    params.forEach((p, i) => {
      if (!(p instanceof Variable)) throw new T.TensorError(`${name}: params[${i}] got ${T.describeValue(p)}, expected a Variable`);
      if (!p.requiresGrad) throw new T.TensorError(`${name}: params[${i}] does not require a gradient, expected trainable parameters`);
      // twice in the list, it would be updated twice a step (PyTorch warns); shared layers of two models do it
      const first = params.indexOf(p);
      if (first !== i) throw new T.TensorError(`${name}: params[${i}] is params[${first}] again, expected each parameter once (a layer shared by two models: list its parameters once)`);
    });
    this.params = params.slice();
  }
  /**
   * The learning rate the next `step()` uses: PyTorch's `opt.param_groups[0]['lr']` (one group here). The
   * schedulers (StepLR, CosineAnnealingLR) write it; so may user code. The constructors refuse lr 0 (a typo
   * guard), but a rate written here may be 0, as a cosine schedule with etaMin 0 reaches it.
   */
  get lr(): number {
    return this.o.lr;
  }
  set lr(value: number) {
    const name = `${this.constructor.name}.lr`;
    if (value === undefined) throw new T.TensorError(`${name}: lr got undefined, expected a finite number >= 0`);
    this.o.lr = T.optNumber(name, 'lr', value, 0, { min: 0 });
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
      if (!(p.grad instanceof T.Tensor)) {
        throw new T.TensorError(`${this.constructor.name}.step: gradient of params[${i}] got ${T.describeValue(p.grad)}, expected a Tensor (or null) in p.grad`);
      }
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
