// Layer: autograd/nn. Containers: Sequential (children named by index, as torch.nn.Sequential) and MLP.
import * as T from '@propel-ts/tensor';
import { toVariables } from '../define-op';
import type { Variable, VarLike } from '../variable';
import { Module } from './module';
import { Linear, type LinearOptions } from './layers';
import { linearOptions } from './params';
import { ELU, GELU, LeakyReLU, ReLU, SiLU, Sigmoid, Tanh } from './activations';

/**
 * Modules applied in order: torch.nn.Sequential. Its children are named by index, so the state-dict keys
 * are `0.weight`, `0.bias`, `2.weight`... exactly as PyTorch's.
 *
 * ```ts
 * import { nn } from '@propel-ts/autograd';
 * const model = new nn.Sequential(new nn.Linear(2, 4), new nn.Tanh(), new nn.Linear(4, 1));
 * model.namedParameters().map(([name]) => name);   // ['0.weight', '0.bias', '2.weight', '2.bias']
 * ```
 */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    layers.forEach((layer, i) => {
      if (!(layer instanceof Module)) throw new T.TensorError(`Sequential: layer ${i} got ${T.describeValue(layer)}, expected a Module (new nn.Linear(...), new nn.Tanh(), ...)`);
    });
    this.layers = layers;
  }
  protected override members(): [string, unknown][] {
    return this.layers.map((layer, i) => [String(i), layer]);
  }
  forward(x: VarLike): Variable {
    T.checkArity('Sequential.forward', arguments, 1, 'model.forward(x)');
    let y = toVariables('Sequential', [x])[0]!;
    for (const layer of this.layers) y = layer.forward(y);
    return y;
  }
}

/** Options of MLP. */
export interface MLPOptions extends LinearOptions {
  /** Hidden activation, each with its module's defaults (GELU exact, LeakyReLU slope 0.01, ELU alpha 1). Default 'tanh'. */
  activation?: 'tanh' | 'relu' | 'sigmoid' | 'gelu' | 'silu' | 'leakyRelu' | 'elu';
}
/** The activation modules by MLP's names (the functions' names). */
const ACTIVATIONS = { tanh: Tanh, relu: ReLU, sigmoid: Sigmoid, gelu: GELU, silu: SiLU, leakyRelu: LeakyReLU, elu: ELU } as const;
const ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as (keyof typeof ACTIVATIONS)[];

/**
 * A multilayer perceptron: `new MLP([2, 64, 64, 16])` is Linear(2,64), tanh, Linear(64,64), tanh,
 * Linear(64,16), a Sequential: the same modules, parameter names (`0.weight` ... `4.bias`) and shapes as
 * `torch.nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 16))`.
 * Each layer is seeded from `seed` so the whole model is reproducible.
 */
export class MLP extends Sequential {
  constructor(sizes: readonly number[], options: MLPOptions = {}) {
    T.checkArity('MLP', arguments, 2, 'new nn.MLP(sizes, { activation, bias, dtype, device, seed, init })');
    if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every((d) => Number.isInteger(d) && d > 0)) {
      throw new T.TensorError(`MLP: sizes got ${T.describeValue(sizes)}, expected at least two positive integers (input, hidden..., output sizes)`);
    }
    const { activation, ...linear } = options ?? {};
    // layer i is seeded with seed·1000 + i, which must stay a safe integer
    const o = linearOptions('MLP', options, ['activation'], Math.floor((Number.MAX_SAFE_INTEGER - 1000) / 1000));
    const Act = ACTIVATIONS[T.optOneOf('MLP', 'activation', activation, ACTIVATION_NAMES, 'tanh')];
    const layers: Module[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      layers.push(new Linear(sizes[i]!, sizes[i + 1]!, { ...linear, seed: o.seed * 1000 + i }));
      if (i + 2 < sizes.length) layers.push(new Act());
    }
    super(...layers);
  }
}
