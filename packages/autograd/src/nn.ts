// Layer: autograd. Neural-network building blocks: Module (parameters, train/eval, state dicts),
// Linear, Sequential, MLP and activations, with seeded initialisation.
import * as T from '@propel-ts/tensor';
import type { DType, Device, Tensor } from '@propel-ts/tensor';
import { toVariables } from './define-op';
import { Variable, type VarLike } from './variable';
import { add, relu, sigmoid, tanh } from './ops/elementwise';
import { matmul } from './ops/linalg';
import { transpose } from './ops/views';

/** One element in a state dict: a number, or a string for the values JSON cannot hold (-0, NaN, ±Infinity). */
export type StateValue = number | '-0' | 'NaN' | 'Infinity' | '-Infinity';

/** One entry of a state dict: plain JSON that round-trips every element exactly. */
export interface TensorState {
  shape: number[];
  dtype: DType;
  data: StateValue[];
}
/** Parameters by dotted name, as JSON. */
export type StateDict = Record<string, TensorState>;

/**
 * Base class of layers and models. Parameters are the Variables with requiresGrad held in fields;
 * child modules in fields (or arrays of modules) are found the same way, PyTorch-style.
 */
export abstract class Module {
  /** True in training mode (the default), false after `eval()`. */
  training = true;

  /** Compute the module's output. */
  abstract forward(x: VarLike): Variable;

  /**
   * `[name, parameter]` pairs, depth first, with dotted names (`layers.0.weight`). A parameter shared by
   * several fields is listed once, under its first name (so an optimizer updates it once), as in PyTorch.
   */
  namedParameters(prefix = ''): [string, Variable][] {
    const out: [string, Variable][] = [];
    const seen = new Set<Variable>();
    const visit = (module: Module, pre: string): void => {
      for (const [key, value] of Object.entries(module)) {
        const name = pre + key;
        if (value instanceof Variable && value.requiresGrad) {
          if (!seen.has(value)) { seen.add(value); out.push([name, value]); }
        } else if (value instanceof Module) visit(value, `${name}.`);
        else if (Array.isArray(value)) value.forEach((m, i) => { if (m instanceof Module) visit(m, `${name}.${i}.`); });
      }
    };
    visit(this, prefix);
    return out;
  }

  /** Every trainable parameter. */
  parameters(): Variable[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Clear every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Set training mode (recursively). */
  train(on = true): this {
    this.training = on;
    for (const value of Object.values(this)) {
      if (value instanceof Module) value.train(on);
      else if (Array.isArray(value)) value.forEach((m) => { if (m instanceof Module) m.train(on); });
    }
    return this;
  }

  /** Set evaluation mode (recursively). */
  eval(): this {
    return this.train(false);
  }

  /** The parameters as JSON-serialisable data (`JSON.stringify` round-trips it exactly). */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [name, p] of this.namedParameters()) {
      out[name] = { shape: [...p.shape], dtype: p.dtype, data: Array.from(p.value.toTypedArray(), encodeValue) };
    }
    return out;
  }

  /** Load parameters saved by `stateDict()`; names, shapes and dtypes must match. */
  loadStateDict(state: StateDict): void {
    const params = new Map(this.namedParameters());
    for (const name of Object.keys(state)) {
      if (!params.has(name)) throw new T.TensorError(`loadStateDict: unexpected key '${name}', expected one of ${[...params.keys()].join(', ')}`);
    }
    for (const [name, p] of params) {
      const s = state[name];
      if (!s) throw new T.TensorError(`loadStateDict: missing key '${name}'`);
      if (s.shape.length !== p.ndim || s.shape.some((d, i) => d !== p.shape[i])) {
        throw new T.TensorError(`loadStateDict: '${name}' has shape ${T.fmtShape(s.shape)}, expected ${T.fmtShape(p.shape)}`);
      }
      if (s.dtype !== p.dtype) throw new T.TensorError(`loadStateDict: '${name}' has dtype ${s.dtype}, expected ${p.dtype}`);
      if (s.data.length !== p.size) throw new T.TensorError(`loadStateDict: '${name}' has ${s.data.length} values, expected ${p.size}`);
      const data = s.data.map((x, k) => {
        const v = decodeValue(x);
        if (v === undefined) throw new T.TensorError(`loadStateDict: '${name}' element ${k} is ${JSON.stringify(x)}, expected a number, '-0', 'NaN', 'Infinity' or '-Infinity'`);
        return v;
      });
      p.value = T.tensor(data, { shape: s.shape, dtype: s.dtype, device: p.device });
    }
  }

  /** Move every parameter to `device`. */
  to(device: Device): this {
    for (const p of this.parameters()) p.value = T.to(p.value, device);
    return this;
  }
}

/** JSON turns -0 into 0 and NaN/±Infinity into null: those travel as strings. */
function encodeValue(x: number): StateValue {
  if (Object.is(x, -0)) return '-0';
  return Number.isFinite(x) ? x : (String(x) as StateValue);
}

function decodeValue(x: unknown): number | undefined {
  if (typeof x === 'number') return x;
  return x === '-0' || x === 'NaN' || x === 'Infinity' || x === '-Infinity' ? Number(x) : undefined;
}

/** How Linear initialises its weight: PyTorch's default U(±1/√fanIn), Xavier/Glorot uniform, or Kaiming/He normal. */
export type Init = 'pytorch' | 'xavier' | 'kaiming';

/** Options of Linear and MLP. */
export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
  device?: Device;
  /** Seed of the initialisation (default 0). */
  seed?: number;
  init?: Init;
}

/** y = x Wᵀ + b, with weight `[out, in]` as in PyTorch. */
export class Linear extends Module {
  weight: Variable;
  bias: Variable | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super();
    for (const [arg, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new T.TensorError(`Linear: ${arg} must be a positive integer, got ${v}`);
    }
    const gen = new T.Generator(options.seed ?? 0);
    const init = options.init ?? 'pytorch';
    const opts = { dtype: options.dtype ?? 'float32', device: options.device ?? 'cpu' } as const;
    const bound = init === 'xavier' ? Math.sqrt(6 / (inFeatures + outFeatures)) : 1 / Math.sqrt(inFeatures);
    const draw = init === 'kaiming'
      ? () => gen.normal() * Math.sqrt(2 / inFeatures)
      : () => (2 * gen.uniform() - 1) * bound;
    this.weight = param(T.tensor(Array.from({ length: outFeatures * inFeatures }, draw), { ...opts, shape: [outFeatures, inFeatures] }));
    const bBound = 1 / Math.sqrt(inFeatures);
    this.bias = options.bias === false ? null
      : param(init === 'pytorch'
        ? T.tensor(Array.from({ length: outFeatures }, () => (2 * gen.uniform() - 1) * bBound), opts)
        : T.zeros([outFeatures], opts));
  }

  forward(x: VarLike): Variable {
    const y = matmul(x, transpose(this.weight, 0, 1));
    return this.bias ? add(y, this.bias) : y;
  }
}

function param(t: Tensor): Variable {
  return new Variable(t, true);
}

/** tanh as a module. */
export class Tanh extends Module { forward(x: VarLike): Variable { return tanh(x); } }
/** ReLU as a module. */
export class ReLU extends Module { forward(x: VarLike): Variable { return relu(x); } }
/** Sigmoid as a module. */
export class Sigmoid extends Module { forward(x: VarLike): Variable { return sigmoid(x); } }

/** Modules applied in order. */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
  }
  forward(x: VarLike): Variable {
    let y = toVariables('Sequential', [x])[0]!;
    for (const layer of this.layers) y = layer.forward(y);
    return y;
  }
}

/** Options of MLP. */
export interface MLPOptions extends LinearOptions {
  /** Hidden activation. Default 'tanh'. */
  activation?: 'tanh' | 'relu' | 'sigmoid';
}

/**
 * A multilayer perceptron: `new MLP([2, 64, 64, 16])` is Linear(2,64), tanh, Linear(64,64), tanh,
 * Linear(64,16). Each layer is seeded from `seed` so the whole model is reproducible.
 */
export class MLP extends Sequential {
  constructor(sizes: readonly number[], options: MLPOptions = {}) {
    if (sizes.length < 2) throw new T.TensorError(`MLP: sizes must list at least input and output sizes, got [${sizes.join(',')}]`);
    const Act = { tanh: Tanh, relu: ReLU, sigmoid: Sigmoid }[options.activation ?? 'tanh'];
    const layers: Module[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      layers.push(new Linear(sizes[i]!, sizes[i + 1]!, { ...options, seed: (options.seed ?? 0) * 1000 + i }));
      if (i + 2 < sizes.length) layers.push(new Act());
    }
    super(...layers);
  }
}
