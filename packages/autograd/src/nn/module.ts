// Layer: autograd/nn. Module, the base class of every layer and model: parameters found in fields
// (PyTorch-style), train/eval, and state dicts (JSON or tensors by torch.nn's dotted names).
import * as T from '@propel-ts/tensor';
import type { DType, Device, Tensor } from '@propel-ts/tensor';
import { Variable, type VarLike } from '../variable';

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
    T.checkArity('namedParameters', arguments, 1, "module.namedParameters(prefix = '')");
    if (typeof prefix !== 'string') throw new T.TensorError(`namedParameters: prefix got ${T.describeValue(prefix)}, expected a string (the names' prefix, joined with a dot)`);
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
    visit(this, prefix === '' ? '' : `${prefix}.`);
    return out;
  }

  /** Every trainable parameter, of this module and its children (there is no `recurse = false`). */
  parameters(): Variable[] {
    T.checkArity('parameters', arguments, 0, 'module.parameters()');
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * Clear every parameter's gradient: set it to null, as PyTorch 2's `zero_grad()` (set_to_none=True). An
   * optimizer's `step()` then skips a parameter that no backward reached since.
   */
  zeroGrad(): void {
    T.checkArity('zeroGrad', arguments, 0, 'module.zeroGrad()');
    for (const p of this.parameters()) p.grad = null;
  }

  /** Set training mode (recursively). */
  train(on = true): this {
    T.checkArity('train', arguments, 1, 'module.train(on = true)');
    this.training = T.optBoolean('train', 'on', on, true);
    for (const [, value] of this.members()) {
      if (value instanceof Module) value.train(on);
      else if (Array.isArray(value)) value.forEach((m) => { if (m instanceof Module) m.train(on); });
    }
    return this;
  }

  /** Set evaluation mode (recursively). */
  eval(): this {
    T.checkArity('eval', arguments, 0, 'module.eval()');
    return this.train(false);
  }

  /** The parameters as JSON-serialisable data (`JSON.stringify` round-trips it exactly). */
  stateDict(): StateDict {
    T.checkArity('stateDict', arguments, 0, 'module.stateDict()');
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
    T.checkArity('stateTensors', arguments, 0, 'module.stateTensors()');
    return Object.fromEntries(this.namedParameters().map(([name, p]) => [name, p.value]));
  }

  /**
   * Load parameters: a JSON state dict from `stateDict()`, or tensors by name (`stateTensors()`, or
   * `loadSafetensors` of a file torch's `state_dict()` was saved to). Names, shapes and dtypes must match
   * (a float64 file into a float32 model is an error: convert it with `T.astype`); values are copied.
   */
  loadStateDict(state: StateDict | Record<string, Tensor>): void {
    T.checkArity('loadStateDict', arguments, 1, 'module.loadStateDict(state) (always strict: every name must match)');
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
    T.checkArity('to', arguments, 1, "module.to('cpu' | 'gpu')");
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
