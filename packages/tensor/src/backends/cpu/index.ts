// Layer: tensor/backends/cpu. The CPU backend: typed arrays, float32 and float64, every kernel reading
// any strided view through the walk in walk.ts. Imports tensor core files and the kernel tables.
import type { ArgReduceOp, Backend, ReduceOp } from '../../backend';
import type { BinaryKernel, UnaryKernel } from '../../elementwise/declare';
import { allocTyped, type DType, type TypedArray } from '../../dtype';
import { fail, internal } from '../../errors';
import { contiguousStrides, sizeOf } from '../../shape';
import { CpuStorage } from '../../storage';
import { Tensor } from '../../tensor';
import { gemmStrided } from './gemm';
import { newStorage, takeArray } from './pool';
import { REDUCE_ROW } from './kernels';
import { scanInto } from './scan';
import { planWalk } from '../../layout';
import { copyRow, walkRows } from './walk';
import { parallelMap } from './parallel-map';
import { foldRow, parallelReduce } from './parallel-reduce';

/** The typed array behind a CPU tensor. */
export function cpuData(x: Tensor): TypedArray {
  if (!(x.storage instanceof CpuStorage)) internal(`expected a cpu tensor, got device '${x.device}'`);
  return x.storage.data;
}

function wrap(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
  return new Tensor(newStorage(data), shape, contiguousStrides(shape), 0, dtype);
}

/**
 * A new contiguous result. Its buffer may come from the pool (pool.ts) with stale contents: every kernel
 * that calls this writes every element, unless it asks for `zero`.
 */
function empty(shape: readonly number[], dtype: DType, zero = false): { t: Tensor; data: TypedArray } {
  const data = takeArray(dtype, sizeOf(shape), zero);
  return { t: wrap(data, shape, dtype), data };
}

/** Copy the elements of view `x` row-major into `out` starting at `outOffset`. */
function copyInto(x: Tensor, out: TypedArray, outOffset: number): void {
  const src = cpuData(x);
  const plan = planWalk(x.shape, [x.strides, contiguousStrides(x.shape)]);
  const n = plan.shape[plan.shape.length - 1]!;
  const xs = plan.strides[0]![plan.strides[0]!.length - 1]!;
  walkRows(plan, [x.offset, outOffset], (pos) => copyRow(src, pos[0]!, xs, out, pos[1]!, n));
}

function unary(op: UnaryKernel, x: Tensor): Tensor {
  const { t, data } = empty(x.shape, x.dtype);
  const src = cpuData(x);
  const kernel = op.cpu;
  const plan = planWalk(x.shape, [x.strides, t.strides]);
  const last = plan.shape.length - 1;
  const n = plan.shape[last]!, xs = plan.strides[0]![last]!;
  // one row (a dense input, a broadcast or an evenly strided one): maybe over the worker threads (from fewer
  // elements for an op marked for them)
  if (last === 0 && parallelMap(kernel, [{ data: src, off: x.offset, stride: xs }], data, n, op.threads)) return t;
  walkRows(plan, [x.offset, 0], (pos) => kernel(src, pos[0]!, xs, data, pos[1]!, n));
  return t;
}

function binary(op: BinaryKernel, a: Tensor, b: Tensor): Tensor {
  const { t, data } = empty(a.shape, a.dtype);
  const da = cpuData(a), db = cpuData(b);
  const kernel = op.cpu;
  const plan = planWalk(a.shape, [a.strides, b.strides, t.strides]);
  const last = plan.shape.length - 1;
  const n = plan.shape[last]!, as = plan.strides[0]![last]!, bs = plan.strides[1]![last]!;
  if (last === 0 &&
    parallelMap(kernel, [{ data: da, off: a.offset, stride: as }, { data: db, off: b.offset, stride: bs }], data, n, op.threads)) return t;
  walkRows(plan, [a.offset, b.offset, 0], (pos) => kernel(da, pos[0]!, as, db, pos[1]!, bs, data, pos[2]!, n));
  return t;
}

function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  const { t, data } = empty(a.shape, a.dtype);
  const dc = cpuData(cond), da = cpuData(a), db = cpuData(b);
  const plan = planWalk(a.shape, [cond.strides, a.strides, b.strides, t.strides]);
  const last = plan.shape.length - 1;
  const n = plan.shape[last]!;
  const cs = plan.strides[0]![last]!, as = plan.strides[1]![last]!, bs = plan.strides[2]![last]!;
  walkRows(plan, [cond.offset, a.offset, b.offset, 0], (pos) => {
    const co = pos[0]!, ao = pos[1]!, bo = pos[2]!, yo = pos[3]!;
    for (let i = 0; i < n; i++) data[yo + i] = dc[co + i * cs] !== 0 ? da[ao + i * as]! : db[bo + i * bs]!;
  });
  return t;
}

function reduce(op: ReduceOp, x: Tensor, axes: readonly number[]): Tensor {
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  // accumulate in float64 whatever the dtype (float32 results use a reused scratch accumulator); the
  // reduced axes get stride 0 in the accumulator
  const size = sizeOf(outShape);
  const acc = x.dtype === 'float64' ? (takeArray('float64', size, false) as Float64Array) : scratchAccumulator(size);
  acc.fill(REDUCE_ROW[op].init, 0, size);
  const outStrides = contiguousStrides(outShape);
  const accStrides: number[] = [];
  let j = 0;
  for (let i = 0; i < x.ndim; i++) accStrides.push(axes.includes(i) ? 0 : outStrides[j++]!);
  const src = cpuData(x);
  const kernel = REDUCE_ROW[op];
  const plan = planWalk(x.shape, [x.strides, accStrides]);
  const last = plan.shape.length - 1;
  const n = plan.shape[last]!, xs = plan.strides[0]![last]!, as = plan.strides[1]![last]!;
  if (x.size > 0 && !parallelReduce(op, src, x.offset, plan, acc)) {
    const row = as === 0 ? foldRow(op, n) : kernel.combine;
    walkRows(plan, [x.offset, 0], (pos) => row(src, pos[0]!, xs, acc, pos[1]!, n));
  }
  if (x.dtype === 'float64') return wrap(acc, outShape, 'float64');
  const out = takeArray('float32', size, false);
  for (let i = 0; i < size; i++) out[i] = acc[i]!;
  return wrap(out, outShape, 'float32');
}

let scratch = new Float64Array(1024);
/** A float64 accumulator of at least `size` elements, reused between reductions (never escapes reduce). */
function scratchAccumulator(size: number): Float64Array {
  if (scratch.length < size) scratch = new Float64Array(Math.max(size, 2 * scratch.length));
  return scratch;
}

/** The largest count of positions whose every index float32 holds exactly (2^24 + 1 rounds to 2^24). */
const FLOAT32_EXACT_INDICES = 2 ** 24 + 1;

function argReduce(op: ArgReduceOp, x: Tensor, axis: number): Tensor {
  // indices are stored in x's dtype (docs/pytorch.md): refuse an axis where a float32 index would round
  // (the GPU holds at most 2^24 elements, so only the CPU meets this)
  if (x.dtype === 'float32' && x.shape[axis]! > FLOAT32_EXACT_INDICES) {
    fail(op, `the reduced axis has ${x.shape[axis]} positions, expected at most ${FLOAT32_EXACT_INDICES} (2^24 + 1) for a float32 input, whose indices are float32 and exact only to 2^24: convert it with x.astype('float64') first`);
  }
  const outShape = x.shape.filter((_, i) => i !== axis);
  const { t, data } = empty(outShape, x.dtype);
  const src = cpuData(x);
  const n = x.shape[axis]!, step = x.strides[axis]!;
  const outer = new Tensor(x.storage, outShape, x.strides.filter((_, i) => i !== axis), x.offset, x.dtype);
  const plan = planWalk(outer.shape, [outer.strides, t.strides]);
  const last = plan.shape.length - 1;
  const m = plan.shape[last]!, os = plan.strides[0]![last]!;
  const better = op === 'argmax' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  walkRows(plan, [outer.offset, 0], (pos) => {
    for (let r = 0; r < m; r++) {
      const base = pos[0]! + r * os;
      let best = src[base]!, bi = 0;
      for (let i = 1; i < n && best === best; i++) {
        const v = src[base + i * step]!;
        if (better(v, best) || v !== v) { best = v; bi = i; }
      }
      data[pos[1]! + r] = bi;
    }
  });
  return t;
}

function matmul(a: Tensor, b: Tensor): Tensor {
  const nd = a.ndim;
  const m = a.shape[nd - 2]!, k = a.shape[nd - 1]!, n = b.shape[nd - 1]!;
  const batchShape = a.shape.slice(0, nd - 2);
  const { t, data } = empty([...batchShape, m, n], a.dtype);
  if (t.size === 0) return t;
  const A = cpuData(a), B = cpuData(b);
  // gemmStrided reads any matrix strides (transposed, sliced, broadcast), so nothing is packed here
  const ars = a.strides[nd - 2]!, acs = a.strides[nd - 1]!, brs = b.strides[nd - 2]!, bcs = b.strides[nd - 1]!;
  // walk the batch dimensions; each "row" of the walk is a run of matrices
  const plan = planWalk(batchShape, [a.strides.slice(0, nd - 2), b.strides.slice(0, nd - 2), t.strides.slice(0, nd - 2)]);
  const last = plan.shape.length - 1;
  const runLength = plan.shape[last]!;
  const as = plan.strides[0]![last]!, bs = plan.strides[1]![last]!, cs = plan.strides[2]![last]!;
  walkRows(plan, [a.offset, b.offset, 0], (pos) => {
    for (let r = 0; r < runLength; r++) {
      gemmStrided(m, n, k, A, pos[0]! + r * as, ars, acs, B, pos[1]! + r * bs, brs, bcs, data, pos[2]! + r * cs, n);
    }
  });
  return t;
}

function concat(xs: readonly Tensor[], axis: number): Tensor {
  const first = xs[0]!;
  const shape = first.shape.slice();
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis]!, 0);
  const { t, data } = empty(shape, first.dtype);
  let start = 0;
  for (const x of xs) {
    // write x into the matching slice of the output: a strided destination view
    const dst = t.slice(axis, start, start + x.shape[axis]!);
    const src = cpuData(x);
    const plan = planWalk(x.shape, [x.strides, dst.strides]);
    const last = plan.shape.length - 1;
    const n = plan.shape[last]!, ss = plan.strides[0]![last]!, ds = plan.strides[1]![last]!;
    if (x.size > 0) {
      walkRows(plan, [x.offset, dst.offset], (pos) => {
        for (let i = 0; i < n; i++) data[pos[1]! + i * ds] = src[pos[0]! + i * ss]!;
      });
    }
    start += x.shape[axis]!;
  }
  return t;
}

/** For each position of `index`, call visit(indexValueAddress, otherAddressInX(without axis), outFlat). */
function gatherLike(shape: readonly number[], axis: number, index: Tensor, xStrides: readonly number[], xOffset: number,
  visit: (outFlat: number, xAddr: number) => void): void {
  const id = cpuData(index);
  const nd = shape.length;
  const pos = new Array<number>(nd).fill(0);
  const total = sizeOf(index.shape);
  for (let f = 0; f < total; f++) {
    let ia = index.offset, xa = xOffset;
    for (let d = 0; d < nd; d++) {
      ia += pos[d]! * index.strides[d]!;
      if (d !== axis) xa += pos[d]! * xStrides[d]!;
    }
    visit(f, xa + id[ia]! * xStrides[axis]!);
    for (let d = nd - 1; d >= 0; d--) {
      if (++pos[d]! < index.shape[d]!) break;
      pos[d] = 0;
    }
  }
}

function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const { t, data } = empty(index.shape, x.dtype);
  const src = cpuData(x);
  gatherLike(x.shape, axis, index, x.strides, x.offset, (f, xa) => { data[f] = src[xa]!; });
  return t;
}

function scatterAdd(shape: readonly number[], axis: number, index: Tensor, src: Tensor): Tensor {
  const { t, data } = empty(shape, src.dtype, true); // accumulates: starts from zeros
  const s = cpuData(copy(src));
  gatherLike(shape, axis, index, t.strides, 0, (f, ya) => { data[ya] = data[ya]! + s[f]!; });
  return t;
}

function copy(x: Tensor): Tensor {
  const { t, data } = empty(x.shape, x.dtype);
  if (x.size > 0) copyInto(x, data, 0);
  return t;
}

export const cpuBackend: Backend = {
  device: 'cpu',
  fromHost: (data, shape, dtype) => {
    const copyData = takeArray(dtype, data.length, false);
    copyData.set(data);
    return wrap(copyData, shape, dtype);
  },
  // a fresh array (never pooled): the caller owns it
  toHost: (x) => {
    const out = allocTyped(x.dtype, x.size);
    if (x.size > 0) copyInto(x, out, 0);
    return out;
  },
  toHostAsync: (x) => Promise.resolve(cpuBackend.toHost(x)),
  full: (shape, value, dtype) => {
    const { t, data } = empty(shape, dtype);
    data.fill(value);
    return t;
  },
  copy,
  unary,
  binary,
  where,
  reduce,
  argReduce,
  matmul,
  concat,
  gather,
  scatterAdd,
  cumulative: (op, x, axis, reverse) => {
    const { t, data } = empty(x.shape, x.dtype);
    scanInto(op, cpuData(x), x, axis, reverse, data);
    return t;
  },
};
