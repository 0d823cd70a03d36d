// Layer: autograd/nn. Activations as modules (no parameters): torch.nn.Tanh, ReLU, Sigmoid.
import * as T from '@propel-ts/tensor';
import type { Variable, VarLike } from '../variable';
import { relu, sigmoid, tanh } from '../ops';
import { Module } from './module';

/** tanh as a module: torch.nn.Tanh (no parameters). */
export class Tanh extends Module {
  constructor() { super(); T.checkArity('Tanh', arguments, 0, 'new nn.Tanh()'); }
  forward(x: VarLike): Variable { return tanh(x); }
}
/** ReLU as a module: torch.nn.ReLU (no parameters). */
export class ReLU extends Module {
  constructor() { super(); T.checkArity('ReLU', arguments, 0, 'new nn.ReLU()'); }
  forward(x: VarLike): Variable { return relu(x); }
}
/** Sigmoid as a module: torch.nn.Sigmoid (no parameters). */
export class Sigmoid extends Module {
  constructor() { super(); T.checkArity('Sigmoid', arguments, 0, 'new nn.Sigmoid()'); }
  forward(x: VarLike): Variable { return sigmoid(x); }
}
