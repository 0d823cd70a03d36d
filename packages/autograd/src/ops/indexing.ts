// Layer: autograd/ops. Joining and indexing: concat (backward: slices of dy), gather and scatterAdd
// (each other's adjoint), and the composites built on them.
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { defineOp, toVariables } from '../define-op';
import type { Variable, VarLike } from '../variable';
import { slice, unsqueeze } from './views';

const concatOp = defineOp<number>({
  name: 'concat', forward: (xs, axis) => ({ out: T.concat(xs, axis) }),
  // each input gets its slice of dy
  backward: (dy, { inputs, params: axis, needsGrad }) => {
    const ax = T.normalizeAxis('concat', axis, dy.ndim);
    let start = 0;
    return inputs.map((x, i) => {
      const len = x.shape[ax]!;
      const g = needsGrad[i] ? slice(dy, ax, start, start + len) : null;
      start += len;
      return g;
    });
  },
});
/** Join along an existing axis. */
export function concat(xs: readonly VarLike[], axis: number | { axis?: number } = 0): Variable {
  T.checkArity('concat', arguments, 2, 'concat(tensors, axis)');
  if (!Array.isArray(xs) || xs.length === 0) throw new T.TensorError(`concat: expects a non-empty array of tensors, got ${T.describeValue(xs)}`);
  return concatOp(xs, T.axisArg('concat', axis, 'concat(tensors, OPTIONS)'));
}

/** Join along a new axis. */
export function stack(xs: readonly VarLike[], axis: number | { axis?: number } = 0): Variable {
  T.checkArity('stack', arguments, 2, 'stack(tensors, axis)');
  if (!Array.isArray(xs) || xs.length === 0) throw new T.TensorError(`stack: expects a non-empty array of tensors, got ${T.describeValue(xs)}`);
  const ax0 = T.axisArg('stack', axis, 'stack(tensors, OPTIONS)');
  const vars = toVariables('stack', xs);
  const nd = (vars[0]?.ndim ?? 0) + 1;
  const ax = T.normalizeAxis('stack', ax0, nd);
  return concat(vars.map((v) => unsqueeze(v, ax)), ax);
}

/** Consecutive chunks along `axis`, as slices (gradients flow back into the right places). */
export function split(x: VarLike, sizeOrSections: number | readonly number[], axis: number | { axis?: number } = 0): Variable[] {
  T.checkArity('split', arguments, 3, 'split(x, sizeOrSections, axis)');
  const [v] = toVariables('split', [x]);
  const ax0 = T.axisArg('split', axis, 'split(x, sizeOrSections, OPTIONS)');
  const parts = T.split(v!.value, sizeOrSections, ax0);
  const ax = T.normalizeAxis('split', ax0, v!.ndim);
  let start = 0;
  return parts.map((p) => {
    const len = p.shape[ax]!;
    const s = slice(v!, ax, start, start + len);
    start += len;
    return s;
  });
}

const gatherOp = defineOp<number>({
  name: 'gather', forward: ([x, index], axis) => ({ out: T.gather(x!, axis, index!) }),
  // adjoint of gather: add dy back at the gathered positions
  backward: (dy, { inputs: [x, index], params: axis }) => [scatterAdd(x!.shape, axis, index!.value, dy), null],
});
/** torch.gather: `out[..., i, ...] = x[..., index[..., i, ...], ...]` along `axis`. */
export function gather(x: VarLike, axis: number, index: Tensor): Variable {
  T.checkArity('gather', arguments, 3, 'gather(x, axis, index)');
  return gatherOp([x, index], axis);
}

const scatterAddOp = defineOp<{ shape: readonly number[]; axis: number }>({
  name: 'scatterAdd', forward: ([index, src], p) => ({ out: T.scatterAdd(p.shape, p.axis, index!, src!) }),
  // adjoint of scatterAdd: gather dy at the scattered positions
  backward: (dy, { inputs: [index], params: p }) => [null, gather(dy, p.axis, index!.value)],
});
/** Zeros of `shape` with `src` added at `index` along `axis` (the adjoint of gather). */
export function scatterAdd(shape: readonly number[], axis: number, index: Tensor, src: VarLike): Variable {
  T.checkArity('scatterAdd', arguments, 4, 'scatterAdd(shape, axis, index, src)');
  return scatterAddOp([index, src], { shape, axis });
}

/** Slices of `x` at positions `index` along `axis` (torch.index_select). */
export function indexSelect(x: VarLike, axis: number, index: Tensor | readonly number[]): Variable {
  T.checkArity('indexSelect', arguments, 3, 'indexSelect(x, axis, index)');
  if (!(index instanceof T.Tensor) && !Array.isArray(index)) throw new T.TensorError(`indexSelect: index got ${T.describeValue(index)}, expected a Tensor or an array of integers`);
  const [v] = toVariables('indexSelect', [x]);
  const ax = T.normalizeAxis('indexSelect', axis, v!.ndim);
  const idx = index instanceof T.Tensor ? index : T.tensor([...index], { dtype: v!.dtype, device: v!.device });
  if (idx.ndim !== 1) throw new T.TensorError(`indexSelect: index must be 1-D, got shape ${T.fmtShape(idx.shape)}`);
  const shape = v!.shape.map((d, i) => (i === ax ? idx.shape[0]! : d));
  const full = idx.reshape(v!.shape.map((_, i) => (i === ax ? idx.shape[0]! : 1))).expand(shape);
  return gather(v!, ax, full);
}
