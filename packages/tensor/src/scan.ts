// Layer: tensor. Cumulative sums and products along one axis (cumsum, cumprod): validate the arguments,
// then run the backend's `cumulative` kernel. Imports tensor core files and the backends.
import type { ScanOp } from './backend';
import { backendFor } from './backends';
import { checkTensor } from './checks';
import { fail } from './errors';
import { checkArity, checkOptions, optBoolean, optNumber } from './options';
import { checkSize, normalizeAxis } from './shape';
import type { Tensor } from './tensor';

/** The options of cumsum and cumprod. */
export interface ScanOptions {
  /** The axis to scan along (negative counts from the end). Required: PyTorch's `dim` has no default either. */
  axis?: number;
  /** Scan from the last element to the first (TF.js's `reverse`; PyTorch spells it with flips). Default false. */
  reverse?: boolean;
}

/** A scan's axis argument: PyTorch's positional axis (`cumsum(x, 1)`) or `{ axis, reverse }`. */
export type ScanArg = number | ScanOptions;

/**
 * A scan's axis argument in either form, `(x, 1)` or `(x, { axis: 1, reverse })`, with the axis required.
 * Exported for the autograd ops, which take the same forms.
 */
export function scanOptions(op: string, arg: ScanArg | undefined): { axis: number; reverse: boolean } {
  const usage = `${op}(x, axis) or ${op}(x, { axis, reverse })`;
  if (typeof arg === 'number') return { axis: arg, reverse: false };
  const o = checkOptions(op, arg, ['axis', 'reverse'], `${op}(x, OPTIONS)`);
  const axis = optNumber(op, 'axis', o.axis, undefined, { integer: true });
  if (axis === undefined) fail(op, `axis is required (as PyTorch's dim: a scan has no default axis), expected ${usage}`);
  return { axis, reverse: optBoolean(op, 'reverse', o.reverse, false) };
}

function scan(op: ScanOp, name: string, x: Tensor, o: { axis: number; reverse: boolean }): Tensor {
  checkTensor(name, x);
  checkSize(name, x.shape, 'the result', x.dtype);
  // a scalar scans as its one element (PyTorch accepts dim 0 or -1 there)
  const axis = normalizeAxis(name, o.axis, Math.max(x.ndim, 1));
  if (x.ndim === 0) return backendFor(x.device).copy(x);
  return backendFor(x.device).cumulative(op, x, axis, o.reverse);
}

/**
 * Cumulative sum along `axis`: `out[..., k, ...] = x[..., 0, ...] + ... + x[..., k, ...]`; `cumsum(x, 1)`
 * (PyTorch's positional dim) or `cumsum(x, { axis: 1, reverse: true })` (sums from the end). The axis is
 * required. On the CPU the running sum is float64 for float32 input too (as PyTorch's CPU kernel).
 */
export function cumsum(x: Tensor, options: ScanArg): Tensor {
  checkArity('cumsum', arguments, 2, 'cumsum(x, axis) or cumsum(x, { axis, reverse })');
  return scan('sum', 'cumsum', x, scanOptions('cumsum', options));
}

/**
 * Cumulative product along `axis`: `out[..., k, ...] = x[..., 0, ...] * ... * x[..., k, ...]`;
 * `cumprod(x, 1)` or `cumprod(x, { axis: 1, reverse })`. The axis is required; the running product is
 * float64 on the CPU.
 */
export function cumprod(x: Tensor, options: ScanArg): Tensor {
  checkArity('cumprod', arguments, 2, 'cumprod(x, axis) or cumprod(x, { axis, reverse })');
  return scan('prod', 'cumprod', x, scanOptions('cumprod', options));
}
