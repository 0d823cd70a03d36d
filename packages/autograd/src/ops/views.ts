// Layer: autograd/ops. View ops: zero-copy in forward; backward maps the gradient back to the input's
// layout. expand's backward (sum back to the input shape) is the single place where broadcast
// gradients are reduced. sum is defined here too, not in reduce.ts: expand's backward is a sum and sum's
// backward is an expand (broadcasting and summing are adjoint), so in two files each would import the
// other. Imports define-op and indexing (slice's backward scatters).
import * as T from '@propel-ts/tensor';
import { defineOp, toVariables } from '../define-op';
import type { Variable, VarLike } from '../variable';
import { scatterAdd } from './indexing';

const reshapeOp = defineOp<readonly number[]>({
  name: 'reshape', forward: ([x], shape) => ({ out: x!.reshape(shape) }),
  backward: (dy, { inputs: [x] }) => [reshape(dy, x!.shape)],
});
/** Same elements in a new shape (one -1 inferred); a view when the layout allows. */
export function reshape(x: VarLike, shape: readonly number[]): Variable {
  T.checkArity('reshape', arguments, 2, 'reshape(x, shape)');
  return reshapeOp([x], shape);
}

const permuteOp = defineOp<readonly number[]>({
  name: 'permute', forward: ([x], dims) => ({ out: x!.permute(dims) }),
  backward: (dy, { params: dims }) => {
    const nd = dims.length;
    const inverse = new Array<number>(nd);
    dims.forEach((d, i) => { inverse[d < 0 ? d + nd : d] = i; });
    return [permute(dy, inverse)];
  },
});
/** Reorder dimensions (a view). */
export function permute(x: VarLike, dims: readonly number[]): Variable {
  T.checkArity('permute', arguments, 2, 'permute(x, dims)');
  return permuteOp([x], dims);
}

/** Swap two dimensions (default: the last two). */
export function transpose(x: VarLike, dim0 = -2, dim1 = -1): Variable {
  T.checkArity('transpose', arguments, 3, 'transpose(x, dim0, dim1)');
  if (arguments.length === 2) throw new T.TensorError(`transpose: got transpose(x, ${T.describeValue(dim0)}), expected transpose(x, dim0, dim1) (both dims) or transpose(x) (the last two)`);
  const [v] = toVariables('transpose', [x]);
  const nd = v!.ndim;
  const a = T.normalizeAxis('transpose', dim0, nd, 'dim0');
  const b = T.normalizeAxis('transpose', dim1, nd, 'dim1');
  return permute(v!, v!.shape.map((_, i) => (i === a ? b : i === b ? a : i)));
}

const expandOp = defineOp<readonly number[]>({
  name: 'expand', forward: ([x], shape) => ({ out: x!.expand(shape) }),
  // the gradient of a broadcast: sum over the broadcast dimensions back to the input shape
  backward: (dy, { inputs: [x] }) => [sumToShape(dy, x!.shape)],
});
/** Broadcast to `shape` (a stride-0 view). */
export function expand(x: VarLike, shape: readonly number[]): Variable {
  T.checkArity('expand', arguments, 2, 'expand(x, shape)');
  return expandOp([x], shape);
}

const sumOp = defineOp<T.AxisOptions>({
  name: 'sum', forward: ([x], o) => ({ out: T.sum(x!, o) }),
  // d sum(x) = dy broadcast back over the summed axes (reshaped to keep them as size 1 first)
  backward: (dy, { inputs: [x], params }) => {
    const axes = T.normalizeAxes('sum', params.axis, x!.ndim);
    return [expand(reshape(dy, x!.shape.map((d, i) => (axes.includes(i) ? 1 : d))), x!.shape)];
  },
});
/** Sum over `axis` (all by default): `sum(x, 1)`, `sum(x, [0, 1])` (PyTorch's positional dim) or `sum(x, { axis, keepDims })`. */
export function sum(x: VarLike, options?: T.AxisArg): Variable {
  T.checkArity('sum', arguments, 2, 'sum(x, axis) or sum(x, { axis, keepDims })');
  return sumOp([x], T.reduceOptions('sum', options));
}

/** Sum `x` down to `shape` (the adjoint of expanding `shape` to x.shape). */
export function sumToShape(x: Variable, shape: readonly number[]): Variable {
  T.checkArity('sumToShape', arguments, 2, 'sumToShape(x, shape)');
  const lead = x.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < x.ndim; i++) if (i < lead || (shape[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i);
  const summed = axes.length > 0 ? sum(x, { axis: axes, keepDims: true }) : x;
  return summed.ndim === shape.length && summed.shape.every((d, i) => d === shape[i]) ? summed : reshape(summed, shape);
}

/** Normalised start of a Python-style slice, as Tensor.slice computes it. */
function sliceStart(n: number, start: number): number {
  return Math.min(Math.max(start < 0 ? start + n : start, 0), n);
}

const sliceOp = defineOp<{ dim: number; start: number; end?: number; step: number }>({
  name: 'slice', forward: ([x], p) => ({ out: x!.slice(p.dim, p.start, p.end, p.step) }),
  // scatter the gradient back to the sliced positions (zeros elsewhere)
  backward: (dy, { inputs: [x], params: p }) => {
    const d = T.normalizeAxis('slice', p.dim, x!.ndim, 'dim');
    const s = sliceStart(x!.shape[d]!, p.start);
    const len = dy.shape[d]!;
    const pos = T.arange(s, s + len * p.step, p.step, { dtype: dy.dtype, device: dy.device }).slice(0, 0, len);
    const index = pos.reshape(dy.shape.map((n, i) => (i === d ? len : 1))).expand(dy.shape);
    return [scatterAdd(x!.shape, d, index, dy)];
  },
});
/** Elements `start, start+step, ...` (< end) along `dim` (a view). */
export function slice(x: VarLike, dim: number, start = 0, end?: number, step = 1): Variable {
  T.checkArity('slice', arguments, 5, 'slice(x, dim, start, end, step)');
  return sliceOp([x], { dim, start, end, step });
}

/** Element `index` along `dim`, dropping that dimension. */
export function select(x: VarLike, dim: number, index: number): Variable {
  T.checkArity('select', arguments, 3, 'select(x, dim, index)');
  const [v] = toVariables('select', [x]);
  const d = T.normalizeAxis('select', dim, v!.ndim, 'dim');
  const n = v!.shape[d]!;
  if (!Number.isInteger(index) || index < -n || index >= n) {
    throw new T.TensorError(`select: index ${index} is out of range for dimension ${d} of size ${n}`);
  }
  const i = index < 0 ? index + n : index;
  return squeeze(slice(v!, d, i, i + 1), d);
}

/** Remove size-1 dimensions (all, or the given ones). */
export function squeeze(x: VarLike, dim?: number | readonly number[]): Variable {
  T.checkArity('squeeze', arguments, 2, 'squeeze(x, dim)');
  const [v] = toVariables('squeeze', [x]);
  return reshape(v!, v!.value.squeeze(dim).shape);
}

/** Insert a size-1 dimension at `dim`. */
export function unsqueeze(x: VarLike, dim: number): Variable {
  T.checkArity('unsqueeze', arguments, 2, 'unsqueeze(x, dim)');
  const [v] = toVariables('unsqueeze', [x]);
  return reshape(v!, v!.value.unsqueeze(dim).shape);
}

/** Merge dims startDim..endDim into one (startDim after endDim throws, as Tensor.flatten and PyTorch). */
export function flatten(x: VarLike, startDim = 0, endDim = -1): Variable {
  T.checkArity('flatten', arguments, 3, 'flatten(x, startDim, endDim)');
  const [v] = toVariables('flatten', [x]);
  return reshape(v!, T.flattenShape('flatten', v!.shape, startDim, endDim));
}

const astypeOp = defineOp<T.DType>({
  name: 'astype', forward: ([x], dtype) => ({ out: T.astype(x!, dtype) }),
  backward: (dy, { inputs: [x] }) => [astype(dy, x!.dtype)],
});
/** Convert to `dtype` (the gradient is converted back). */
export function astype(x: VarLike, dtype: T.DType): Variable {
  T.checkArity('astype', arguments, 2, "astype(x, 'float32' | 'float64')");
  return astypeOp([x], dtype);
}

const toOp = defineOp<T.Device>({
  name: 'to', forward: ([x], device) => ({ out: T.to(x!, device) }),
  backward: (dy, { inputs: [x] }) => [to(dy, x!.device)],
});
/** Move to `device` (the gradient moves back). */
export function to(x: VarLike, device: T.Device): Variable {
  T.checkArity('to', arguments, 2, "to(x, 'cpu' | 'gpu')");
  return toOp([x], device);
}
