// Layer: autograd. Neural-network building blocks: Module (parameters, train/eval, state dicts),
// Linear, Sequential, MLP and activations, with seeded initialisation. Names, shapes and layouts of the
// parameters equal those of the matching torch.nn modules, so a state dict travels to and from PyTorch
// unchanged (through safetensors, see @propel-ts/io).
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

const DEVICES: readonly Device[] = ['cpu', 'gpu'];
const DTYPES: readonly DType[] = ['float32', 'float64'];

/**
 * Base class of layers and models (torch.nn.Module). Parameters are the Variables with requiresGrad held
 * in fields; child modules in fields (or arrays of modules) are found the same way, PyTorch-style.
 */
export abstract class Module {
  /** True in training mode (the default), false after `eval()`. */
  training = true;

  /** Compute the module's output. */
  abstract forward(x: VarLike): Variable;

  /**
   * The named members that may hold parameters or child modules: the own fields by default. Sequential
   * names its children by index instead (`0`, `1`, ...), as torch.nn.Sequential does.
   */
  protected members(): [string, unknown][] {
    return Object.entries(this);
  }

  /**
   * `[name, parameter]` pairs, depth first, with dotted names (`head.weight`; in a Sequential `0.weight`).
   * A parameter shared by several fields is listed once, under its first name (so an optimizer updates it
   * once), as in PyTorch.
   */
  namedParameters(prefix = ''): [string, Variable][] {
    const out: [string, Variable][] = [];
    const seen = new Set<Variable>();
    const visit = (module: Module, pre: string): void => {
      for (const [key, value] of module.members()) {
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
    for (const [, value] of this.members()) {
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

  /**
   * The parameters as tensors by state-dict name: what `torch.nn.Module.state_dict()` holds, ready for
   * `saveSafetensors` (@propel-ts/io). The tensors are the parameters' current values, not copies.
   *
   * ```ts
   * import { nn } from '@propel-ts/autograd';
   * Object.keys(new nn.MLP([2, 8, 1]).stateTensors());   // ['0.weight', '0.bias', '2.weight', '2.bias']
   * ```
   */
  stateTensors(): Record<string, Tensor> {
    return Object.fromEntries(this.namedParameters().map(([name, p]) => [name, p.value]));
  }

  /**
   * Load parameters: a JSON state dict from `stateDict()`, or tensors by name (`stateTensors()`, or
   * `loadSafetensors` of a file torch's `state_dict()` was saved to). Names, shapes and dtypes must match
   * (a float64 file into a float32 model is an error: convert it with `T.astype`); values are copied.
   */
  loadStateDict(state: StateDict | Record<string, Tensor>): void {
    const params = new Map(this.namedParameters());
    if (state === null || typeof state !== 'object' || Array.isArray(state) || state instanceof T.Tensor) {
      throw new T.TensorError(`loadStateDict: state got ${T.describeValue(state)}, expected a state dict (names -> { shape, dtype, data } or names -> tensors)`);
    }
    for (const name of Object.keys(state)) {
      if (!params.has(name)) throw new T.TensorError(`loadStateDict: unexpected key '${name}', expected one of ${[...params.keys()].join(', ')}`);
    }
    for (const [name, p] of params) {
      const s = state[name];
      if (!s) throw new T.TensorError(`loadStateDict: missing key '${name}'`);
      if (s instanceof T.Tensor) {
        checkLoadedShape(name, s.shape, p);
        if (s.dtype !== p.dtype) throw new T.TensorError(`loadStateDict: '${name}' has dtype ${s.dtype}, expected ${p.dtype} (convert it with astype first)`);
        p.value = T.to(T.copy(s), p.device);
        continue;
      }
      checkLoadedShape(name, s.shape, p);
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

function checkLoadedShape(name: string, shape: readonly number[], p: Variable): void {
  if (shape.length !== p.ndim || shape.some((d, i) => d !== p.shape[i])) {
    throw new T.TensorError(`loadStateDict: '${name}' has shape ${T.fmtShape(shape)}, expected ${T.fmtShape(p.shape)}`);
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

const LINEAR_KEYS = ['bias', 'dtype', 'device', 'seed', 'init'] as const;
const INITS: readonly Init[] = ['pytorch', 'xavier', 'kaiming'];

/** The options of Linear, checked (unknown keys, types and ranges) and with their defaults. */
function linearOptions(fn: string, options: unknown, extraKeys: readonly string[] = []) {
  const o = T.checkOptions(fn, options, [...LINEAR_KEYS, ...extraKeys], `${fn}(..., { ${[...LINEAR_KEYS, ...extraKeys].join(', ')} })`);
  return {
    bias: T.optBoolean(fn, 'bias', o.bias, true),
    dtype: T.optOneOf(fn, 'dtype', o.dtype, DTYPES, 'float32'),
    device: T.optOneOf(fn, 'device', o.device, DEVICES, 'cpu'),
    seed: T.optNumber(fn, 'seed', o.seed, 0, { integer: true }),
    init: T.optOneOf(fn, 'init', o.init, INITS, 'pytorch'),
  };
}

/**
 * y = x Wᵀ + b, with weight `[out, in]` and bias `[out]`: torch.nn.Linear(inFeatures, outFeatures, bias),
 * state-dict keys `weight` and `bias`.
 */
export class Linear extends Module {
  weight: Variable;
  bias: Variable | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super();
    T.checkArity('Linear', arguments, 3, 'new nn.Linear(inFeatures, outFeatures, { bias, dtype, device, seed, init })');
    for (const [arg, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new T.TensorError(`Linear: ${arg} must be a positive integer, got ${T.describeValue(v)}`);
    }
    const o = linearOptions('Linear', options);
    const gen = new T.Generator(o.seed);
    const init = o.init;
    const opts = { dtype: o.dtype, device: o.device } as const;
    const bound = init === 'xavier' ? Math.sqrt(6 / (inFeatures + outFeatures)) : 1 / Math.sqrt(inFeatures);
    const draw = init === 'kaiming'
      ? () => gen.normal() * Math.sqrt(2 / inFeatures)
      : () => (2 * gen.uniform() - 1) * bound;
    this.weight = param(T.tensor(Array.from({ length: outFeatures * inFeatures }, draw), { ...opts, shape: [outFeatures, inFeatures] }));
    const bBound = 1 / Math.sqrt(inFeatures);
    this.bias = !o.bias ? null
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
const ACTIVATIONS = ['tanh', 'relu', 'sigmoid'] as const;

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
    const o = linearOptions('MLP', options, ['activation']);
    const Act = { tanh: Tanh, relu: ReLU, sigmoid: Sigmoid }[T.optOneOf('MLP', 'activation', activation, ACTIVATIONS, 'tanh')];
    const layers: Module[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      layers.push(new Linear(sizes[i]!, sizes[i + 1]!, { ...linear, seed: o.seed * 1000 + i }));
      if (i + 2 < sizes.length) layers.push(new Act());
    }
    super(...layers);
  }
}
