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
export function linearOptions(fn: string, options: unknown, extraKeys: readonly string[] = []) {
  const o = T.checkOptions(fn, options, [...LINEAR_KEYS, ...extraKeys], `${fn}(..., { ${[...LINEAR_KEYS, ...extraKeys].join(', ')} })`);
  return {
    bias: T.optBoolean(fn, 'bias', o.bias, true),
    dtype: T.optOneOf(fn, 'dtype', o.dtype, DTYPES, 'float32'),
    device: T.optOneOf(fn, 'device', o.device, DEVICES, 'cpu'),
    // a safe integer; MLP seeds its layers with seed·1000 + i, which must be one too
    seed: T.optNumber(fn, 'seed', o.seed, 0, { integer: true, min: -seedBound(fn), max: seedBound(fn) }),
    init: T.optOneOf(fn, 'init', o.init, INITS, 'pytorch'),
  };
}

function seedBound(fn: string): number {
  return fn === 'MLP' ? Math.floor((Number.MAX_SAFE_INTEGER - 1000) / 1000) : Number.MAX_SAFE_INTEGER;
}

/** The `dtype` and `device` of a module's parameters (options already checked for unknown keys). */
export function placement(fn: string, o: { readonly dtype?: unknown; readonly device?: unknown }): { dtype: DType; device: Device } {
  return { dtype: T.optOneOf(fn, 'dtype', o.dtype, DTYPES, 'float32'), device: T.optOneOf(fn, 'device', o.device, DEVICES, 'cpu') };
}

/** A trainable parameter holding `t`. */
export function param(t: Tensor): Variable {
  return new Variable(t, true);
}
