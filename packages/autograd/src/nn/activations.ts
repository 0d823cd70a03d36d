// Layer: autograd/nn. Activations as modules (no parameters): torch.nn.Tanh, ReLU, Sigmoid, GELU, SiLU,
// LeakyReLU, ELU. Each checks its options when constructed and calls the function of the same name.
import * as T from '@propel-ts/tensor';
import type { Variable, VarLike } from '../variable';
import { relu, sigmoid, tanh } from '../ops';
import { elu, gelu, leakyRelu, silu } from '../composites';
import { positionalOptions } from '../positional';
import { Module } from './module';

/** tanh as a module: torch.nn.Tanh (no parameters). */
export class Tanh extends Module {
  constructor() { super(); T.checkArity('Tanh', arguments, 0, 'new nn.Tanh()'); }
  forward(x: VarLike): Variable { T.checkArity('Tanh.forward', arguments, 1, 'module.forward(x)'); return tanh(x); }
}
/** ReLU as a module: torch.nn.ReLU (no parameters). */
export class ReLU extends Module {
  constructor() { super(); T.checkArity('ReLU', arguments, 0, 'new nn.ReLU()'); }
  forward(x: VarLike): Variable { T.checkArity('ReLU.forward', arguments, 1, 'module.forward(x)'); return relu(x); }
}
/** Sigmoid as a module: torch.nn.Sigmoid (no parameters). */
export class Sigmoid extends Module {
  constructor() { super(); T.checkArity('Sigmoid', arguments, 0, 'new nn.Sigmoid()'); }
  forward(x: VarLike): Variable { T.checkArity('Sigmoid.forward', arguments, 1, 'module.forward(x)'); return sigmoid(x); }
}

/** Options of GELU. */
export interface GELUOptions {
  /** 'none' (default): x·Φ(x) with erf; 'tanh': PyTorch's tanh approximation. */
  approximate?: 'none' | 'tanh';
}

/** gelu as a module: torch.nn.GELU(approximate), `new nn.GELU()`, `new nn.GELU({ approximate: 'tanh' })` or `new nn.GELU('tanh')`. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(options: GELUOptions | 'none' | 'tanh' = {}) {
    super();
    T.checkArity('GELU', arguments, 1, "new nn.GELU({ approximate: 'none' | 'tanh' })");
    const given = typeof options === 'string' ? options : T.checkOptions('GELU', options, ['approximate'], 'new nn.GELU(OPTIONS)').approximate;
    this.approximate = T.optOneOf('GELU', 'approximate', given, ['none', 'tanh'], 'none');
  }
  forward(x: VarLike): Variable { T.checkArity('GELU.forward', arguments, 1, 'module.forward(x)'); return gelu(x, { approximate: this.approximate }); }
}

/** silu (x·σ(x), "swish") as a module: torch.nn.SiLU (no parameters). */
export class SiLU extends Module {
  constructor() { super(); T.checkArity('SiLU', arguments, 0, 'new nn.SiLU()'); }
  forward(x: VarLike): Variable { T.checkArity('SiLU.forward', arguments, 1, 'module.forward(x)'); return silu(x); }
}

/** Options of LeakyReLU. */
export interface LeakyReLUOptions {
  /** The slope for x < 0 (PyTorch's negative_slope; `slope` as the function leakyRelu names it). Default 0.01. */
  slope?: number;
}

/** leakyRelu as a module: torch.nn.LeakyReLU(negative_slope), `new nn.LeakyReLU(0.2)` or `new nn.LeakyReLU({ slope: 0.2 })`. */
export class LeakyReLU extends Module {
  readonly slope: number;
  constructor(options: LeakyReLUOptions | number = {}) {
    super();
    T.checkArity('LeakyReLU', arguments, 1, 'new nn.LeakyReLU({ slope })');
    this.slope = T.optNumber('LeakyReLU', 'slope', positionalOptions('LeakyReLU', options, ['slope'], 'new nn.LeakyReLU(OPTIONS)').slope, 0.01);
  }
  forward(x: VarLike): Variable { T.checkArity('LeakyReLU.forward', arguments, 1, 'module.forward(x)'); return leakyRelu(x, { slope: this.slope }); }
}

/** Options of ELU. */
export interface ELUOptions {
  /** The scale of e^x - 1 for x <= 0. Default 1. */
  alpha?: number;
}

/** elu as a module: torch.nn.ELU(alpha), `new nn.ELU(0.5)` or `new nn.ELU({ alpha: 0.5 })`. */
export class ELU extends Module {
  readonly alpha: number;
  constructor(options: ELUOptions | number = {}) {
    super();
    T.checkArity('ELU', arguments, 1, 'new nn.ELU({ alpha })');
    this.alpha = T.optNumber('ELU', 'alpha', positionalOptions('ELU', options, ['alpha'], 'new nn.ELU(OPTIONS)').alpha, 1);
  }
  forward(x: VarLike): Variable { T.checkArity('ELU.forward', arguments, 1, 'module.forward(x)'); return elu(x, { alpha: this.alpha }); }
}
