// Layer: autograd/ops. Indexing: gather and scatterAdd, each other's adjoint (so one file holds both),
// and indexSelect, a gather with an index expanded along one axis. Imports only define-op: views.ts
// (slice's backward) imports this file.
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { defineOp, toVariables } from '../define-op';
import type { Variable, VarLike } from '../variable';

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
  // host indices are checked here, in indexSelect's name (gather would name itself); a 'gpu' index tensor is
  // checked when the result is read back, as the tensor package's indexSelect does (no readback per call).
  // A JS array becomes a float64 index on the CPU, so no index past 2^24 is rounded (float32 on 'gpu', whose
  // tensors hold at most 2^24 elements)
  if (index instanceof T.Tensor && index.ndim !== 1) throw new T.TensorError(`indexSelect: index must be 1-D, got shape ${T.fmtShape(index.shape)}`);
  const n = v!.shape[ax]!;
  const host = Array.isArray(index) ? index : index.device === 'cpu' ? T.toHost(index, 'indexSelect') : [];
  host.forEach((k: unknown, i: number) => {
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= n) {
      throw new T.TensorError(`indexSelect: index[${i}] got ${T.describeValue(k)}, expected an integer in [0, ${n}) (axis ${ax} of x ${T.fmtShape(v!.shape)} has ${n} positions)`);
    }
  });
  const idx = index instanceof T.Tensor ? index : T.tensor([...index], { dtype: v!.device === 'cpu' ? 'float64' : 'float32', device: v!.device });
  const shape = v!.shape.map((d, i) => (i === ax ? idx.shape[0]! : d));
  const full = idx.reshape(v!.shape.map((_, i) => (i === ax ? idx.shape[0]! : 1))).expand(shape);
  return gather(v!, ax, full);
}
