// Layer: autograd/nn. What the modules share and the package does not export: the dtype/device choices,
// the option checks of Linear/MLP and of the other layers, and the parameter constructor.
import * as T from '@propel-ts/tensor';
import type { DType, Device, Tensor } from '@propel-ts/tensor';
import { Variable } from '../variable';
import type { Init } from './layers';

export const DEVICES: readonly Device[] = ['cpu', 'gpu'];
export const DTYPES: readonly DType[] = ['float32', 'float64'];

const LINEAR_KEYS = ['bias', 'dtype', 'device', 'seed', 'init'] as const;
const INITS: readonly Init[] = ['pytorch', 'xavier', 'kaiming'];

/** The options of Linear, checked (unknown keys, types and ranges) and with their defaults. */
export function linearOptions(fn: string, options: unknown, extraKeys: readonly string[] = [], maxSeed = Number.MAX_SAFE_INTEGER) {
  const o = T.checkOptions(fn, options, [...LINEAR_KEYS, ...extraKeys], `${fn}(..., { ${[...LINEAR_KEYS, ...extraKeys].join(', ')} })`);
  return {
    bias: T.optBoolean(fn, 'bias', o.bias, true),
    dtype: T.optOneOf(fn, 'dtype', o.dtype, DTYPES, 'float32'),
    device: T.optOneOf(fn, 'device', o.device, DEVICES, 'cpu'),
    // a safe integer (MLP passes a smaller bound: it seeds its layers from the seed)
    seed: T.optNumber(fn, 'seed', o.seed, 0, { integer: true, min: -maxSeed, max: maxSeed }),
    init: T.optOneOf(fn, 'init', o.init, INITS, 'pytorch'),
  };
}

/** The `dtype` and `device` of a module's parameters (options already checked for unknown keys). */
export function placement(fn: string, o: { readonly dtype?: unknown; readonly device?: unknown }): { dtype: DType; device: Device } {
  return { dtype: T.optOneOf(fn, 'dtype', o.dtype, DTYPES, 'float32'), device: T.optOneOf(fn, 'device', o.device, DEVICES, 'cpu') };
}

/** A trainable parameter holding `t`. */
export function param(t: Tensor): Variable {
  return new Variable(t, true);
}
