// Layer: autograd/optim. Learning-rate schedulers as torch.optim.lr_scheduler's: each step() writes the
// rate of the next epoch to the optimizer's `lr`, from the closed form of the schedule.
import * as T from '@propel-ts/tensor';
import { positionalOptions } from '../positional';
import { Optimizer } from './optimizer';

/**
 * Base class of the schedulers (torch.optim.lr_scheduler.LRScheduler). The schedule's base is the
 * optimizer's rate at construction; `lastEpoch` is 0 then (PyTorch's constructor takes its first step) and
 * each `step()`, called after `opt.step()` as in PyTorch, adds 1 and sets `opt.lr` to the schedule at
 * `lastEpoch`. The rate comes from the closed form, so a rate written to `opt.lr` by hand lasts until the
 * next `step()` (PyTorch's chained form would keep scaling it).
 */
export abstract class LRScheduler {
  /** The number of `step()` calls so far (PyTorch's `last_epoch`). */
  lastEpoch = 0;
  /** The optimizer's learning rate when the scheduler was made. */
  readonly baseLr: number;
  private lastLr: number;
  constructor(readonly optimizer: Optimizer) {
    const name = new.target.name;
    if (!(optimizer instanceof Optimizer)) {
      throw new T.TensorError(`${name}: optimizer got ${T.describeValue(optimizer)}, expected an optimizer (new optim.SGD(...), new optim.Adam(...), ...)`);
    }
    this.baseLr = optimizer.lr;
    this.lastLr = optimizer.lr;
  }
  /** The rate at `epoch` (0 is the base rate). */
  protected abstract rateAt(epoch: number): number;
  /** Move to the next epoch and set the optimizer's rate for it. */
  step(): void {
    T.checkArity(`${this.constructor.name}.step`, arguments, 0, 'scheduler.step()');
    this.lastEpoch++;
    this.lastLr = this.rateAt(this.lastEpoch);
    this.optimizer.lr = this.lastLr;
  }
  /** The rate the last `step()` set (the base rate before any), one per parameter group as PyTorch's `get_last_lr()`. */
  getLastLr(): number[] {
    T.checkArity(`${this.constructor.name}.getLastLr`, arguments, 0, 'scheduler.getLastLr()');
    return [this.lastLr];
  }
}

/** Options of StepLR (PyTorch's names; stepSize is required). */
export interface StepLROptions { stepSize: number; gamma?: number }

/**
 * torch.optim.lr_scheduler.StepLR: lr = baseLr · gamma^⌊lastEpoch / stepSize⌋, i.e. the rate is multiplied
 * by `gamma` (default 0.1) every `stepSize` epochs.
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  /** `new StepLR(opt, 30)` is `new StepLR(opt, { stepSize: 30 })` (PyTorch's positional step_size). */
  constructor(optimizer: Optimizer, options: StepLROptions | number) {
    T.checkArity('StepLR', arguments, 2, 'new StepLR(optimizer, { stepSize, gamma })');
    super(optimizer);
    const o = positionalOptions('StepLR', options, ['stepSize', 'gamma'], 'new StepLR(optimizer, OPTIONS)');
    if (o.stepSize === undefined) throw new T.TensorError('StepLR: stepSize is required, expected new StepLR(optimizer, { stepSize: 30, gamma: 0.1 })');
    this.stepSize = T.optNumber('StepLR', 'stepSize', o.stepSize, 1, { integer: true, min: 1 });
    this.gamma = T.optNumber('StepLR', 'gamma', o.gamma, 0.1, { min: 0, minExclusive: true });
  }
  protected rateAt(epoch: number): number {
    return this.baseLr * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

/** Options of CosineAnnealingLR (PyTorch's names; tMax is required). */
export interface CosineAnnealingLROptions { tMax: number; etaMin?: number }

/**
 * torch.optim.lr_scheduler.CosineAnnealingLR, its closed form:
 * lr = etaMin + (baseLr - etaMin) · (1 + cos(π · lastEpoch / tMax)) / 2, from baseLr at epoch 0 down to
 * `etaMin` (default 0) at `tMax`; past tMax the cosine rises again, as PyTorch's does.
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  /** `new CosineAnnealingLR(opt, 100)` is `new CosineAnnealingLR(opt, { tMax: 100 })` (PyTorch's positional T_max). */
  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions | number) {
    T.checkArity('CosineAnnealingLR', arguments, 2, 'new CosineAnnealingLR(optimizer, { tMax, etaMin })');
    super(optimizer);
    const o = positionalOptions('CosineAnnealingLR', options, ['tMax', 'etaMin'], 'new CosineAnnealingLR(optimizer, OPTIONS)');
    if (o.tMax === undefined) throw new T.TensorError('CosineAnnealingLR: tMax is required, expected new CosineAnnealingLR(optimizer, { tMax: 100, etaMin: 0 })');
    this.tMax = T.optNumber('CosineAnnealingLR', 'tMax', o.tMax, 1, { integer: true, min: 1 });
    this.etaMin = T.optNumber('CosineAnnealingLR', 'etaMin', o.etaMin, 0, { min: 0 });
  }
  protected rateAt(epoch: number): number {
    return this.etaMin + (this.baseLr - this.etaMin) * (1 + Math.cos(Math.PI * epoch / this.tMax)) / 2;
  }
}
