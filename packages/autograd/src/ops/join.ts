// Layer: autograd/ops. Joining and splitting: concat (backward: each input gets its slice of dy), and
// stack and split, spelt with concat, unsqueeze and slice. Imports define-op and views.
import * as T from '@propel-ts/tensor';
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
