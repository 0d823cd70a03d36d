// Test helper: a naive, index-by-index oracle for @propel-ts/tensor, plus fast-check arbitraries for
// random shapes and random non-contiguous layouts, and a counter of generated cases.
//
// Every value here is computed on plain JS numbers (float64), one multi-index at a time, from the raw
// storage of a tensor read through `addressOf`. Nothing here calls a kernel or the kernels' scalar tables:
// each op's formula is written out again with Math.* so that a wrong kernel cannot agree with itself.
import * as fc from 'fast-check';
import {
  addressOf, CpuStorage, tensor, Tensor,
  type BinaryOp, type DType, type TypedArray, type UnaryOp,
} from '@propel-ts/tensor';

// ---- plain arrays -------------------------------------------------------------------------------------

/** A plain row-major array of float64 numbers with a shape: what the oracle computes on. */
export interface NArr {
  shape: number[];
  data: number[];
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major flat position of `idx` in `shape` (Horner's rule). */
export function flatOf(shape: readonly number[], idx: readonly number[]): number {
  let f = 0;
  for (let i = 0; i < shape.length; i++) f = f * shape[i]! + idx[i]!;
  return f;
}

/** Multi-index of the `flat`-th element of `shape` in row-major order. */
export function unflat(shape: readonly number[], flat: number): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i]!;
    flat = (flat - idx[i]!) / shape[i]!;
  }
  return idx;
}

/** Visit every multi-index of `shape` in row-major order (nothing for a size-0 shape, `[]` once for a scalar). */
export function forEachIndex(shape: readonly number[], visit: (idx: number[]) => void): void {
  if (numel(shape) === 0) return;
  const idx = new Array<number>(shape.length).fill(0);
  for (;;) {
    visit(idx.slice());
    let d = shape.length - 1;
    for (; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/** All multi-indices of `shape`, row-major. */
export function allIndices(shape: readonly number[]): number[][] {
  const out: number[][] = [];
  forEachIndex(shape, (i) => out.push(i));
  return out;
}

export function build(shape: readonly number[], f: (idx: number[]) => number): NArr {
  const data: number[] = [];
  forEachIndex(shape, (idx) => data.push(f(idx)));
  return { shape: shape.slice(), data };
}

export function get(a: NArr, idx: readonly number[]): number {
  return a.data[flatOf(a.shape, idx)]!;
}

/** Nested JS arrays of an NArr (to compare with `toArray()`). */
export function nested(a: NArr): unknown {
  const rec = (dim: number, base: number): unknown => {
    if (dim === a.shape.length) return a.data[base]!;
    const inner = numel(a.shape.slice(dim + 1));
    return Array.from({ length: a.shape[dim]! }, (_, i) => rec(dim + 1, base + i * inner));
  };
  return rec(0, 0);
}

// ---- reading tensors ----------------------------------------------------------------------------------

/** The typed array behind a CPU tensor (the raw storage, not a copy). */
export function rawData(t: Tensor): TypedArray {
  if (!(t.storage instanceof CpuStorage)) throw new Error(`test: expected a cpu tensor, got device '${t.device}'`);
  return (t.storage as CpuStorage).data;
}

/** The storage address of each element of `t`, row-major. */
export function addresses(t: Tensor): number[] {
  return allIndices(t.shape).map((idx) => addressOf(t.offset, t.strides, idx));
}

/** Read a tensor element by element through `addressOf` over its raw storage. */
export function read(t: Tensor): NArr {
  const data = rawData(t);
  return build(t.shape, (idx) => data[addressOf(t.offset, t.strides, idx)]!);
}

/** Round to what `dtype` can hold. */
export function roundTo(dtype: DType, x: number): number {
  return dtype === 'float32' ? Math.fround(x) : x;
}

export function mapArr(a: NArr, f: (x: number, i: number) => number): NArr {
  return { shape: a.shape.slice(), data: a.data.map(f) };
}

// ---- views as index maps --------------------------------------------------------------------------------

/** A view described as an index map: output shape, and the input index each output index reads. */
export interface IndexMap {
  shape: number[];
  source: (outIdx: number[]) => number[];
}

export function applyMap(a: NArr, m: IndexMap): NArr {
  return build(m.shape, (idx) => get(a, m.source(idx)));
}

/** reshape / view / flatten: same row-major order, new shape. */
export function mapReshape(inShape: readonly number[], outShape: readonly number[]): IndexMap {
  return { shape: outShape.slice(), source: (idx) => unflat(inShape, flatOf(outShape, idx)) };
}

export function mapPermute(inShape: readonly number[], dims: readonly number[]): IndexMap {
  const nd = inShape.length;
  const norm = dims.map((d) => (d < 0 ? d + nd : d));
  return {
    shape: norm.map((d) => inShape[d]!),
    source: (idx) => {
      const src = new Array<number>(nd).fill(0);
      norm.forEach((d, i) => { src[d] = idx[i]!; });
      return src;
    },
  };
}

export function mapTranspose(inShape: readonly number[], d0: number, d1: number): IndexMap {
  const nd = inShape.length;
  const a = d0 < 0 ? d0 + nd : d0, b = d1 < 0 ? d1 + nd : d1;
  const dims = inShape.map((_, i) => (i === a ? b : i === b ? a : i));
  return mapPermute(inShape, dims);
}

/** expand: a size-1 input dimension is read at 0; new leading dimensions are ignored. */
export function mapExpand(inShape: readonly number[], target: readonly number[]): IndexMap {
  const lead = target.length - inShape.length;
  const shape = target.map((d, i) => (d === -1 ? inShape[i - lead]! : d));
  return {
    shape,
    source: (idx) => inShape.map((d, j) => (d === 1 ? 0 : idx[j + lead]!)),
  };
}

/** The positions Python's `range(n)[start:end:step]` selects (step > 0), enumerated one by one. */
export function pythonSlicePositions(n: number, start: number, end: number | undefined, step: number): number[] {
  const norm = (v: number) => (v < 0 ? Math.max(v + n, 0) : Math.min(v, n));
  const s = norm(start);
  const e = end === undefined ? n : norm(end);
  const out: number[] = [];
  for (let i = s; i < e; i += step) out.push(i);
  return out;
}

export function mapSlice(inShape: readonly number[], dim: number, start: number, end: number | undefined, step: number): IndexMap {
  const d = dim < 0 ? dim + inShape.length : dim;
  const pos = pythonSlicePositions(inShape[d]!, start, end, step);
  const shape = inShape.slice();
  shape[d] = pos.length;
  return { shape, source: (idx) => idx.map((v, i) => (i === d ? pos[v]! : v)) };
}

export function mapSelect(inShape: readonly number[], dim: number, index: number): IndexMap {
  const d = dim < 0 ? dim + inShape.length : dim;
  const i = index < 0 ? index + inShape[d]! : index;
  return {
    shape: inShape.filter((_, k) => k !== d),
    source: (idx) => [...idx.slice(0, d), i, ...idx.slice(d)],
  };
}

/** squeeze: drop the given size-1 dims (all size-1 dims when omitted). */
export function mapSqueeze(inShape: readonly number[], dims?: readonly number[]): IndexMap {
  const nd = inShape.length;
  const drop = dims === undefined
    ? inShape.map((s, i) => (s === 1 ? i : -1)).filter((i) => i >= 0)
    : dims.map((d) => (d < 0 ? d + nd : d));
  return {
    shape: inShape.filter((_, i) => !drop.includes(i)),
    source: (idx) => {
      const src: number[] = [];
      let j = 0;
      for (let i = 0; i < nd; i++) src.push(drop.includes(i) ? 0 : idx[j++]!);
      return src;
    },
  };
}

export function mapUnsqueeze(inShape: readonly number[], dim: number): IndexMap {
  const d = dim < 0 ? dim + inShape.length + 1 : dim;
  return {
    shape: [...inShape.slice(0, d), 1, ...inShape.slice(d)],
    source: (idx) => idx.filter((_, i) => i !== d),
  };
}

export function mapFlatten(inShape: readonly number[], startDim: number, endDim: number): IndexMap {
  if (inShape.length === 0) return mapReshape(inShape, [1]);
  const nd = inShape.length;
  const s = startDim < 0 ? startDim + nd : startDim;
  const e = endDim < 0 ? endDim + nd : endDim;
  return mapReshape(inShape, [...inShape.slice(0, s), numel(inShape.slice(s, e + 1)), ...inShape.slice(e + 1)]);
}

/**
 * Brute force: can `addrs` (a layout's addresses in row-major order) be produced by some strides over
 * `newShape` from the first address? Returns such strides (0 for size-1 dims), or null. Size 0: always.
 */
export function affineStrides(addrs: readonly number[], newShape: readonly number[]): number[] | null {
  if (numel(newShape) !== addrs.length) throw new Error('test: affineStrides size mismatch');
  if (addrs.length === 0) return newShape.map(() => 0);
  const base = addrs[0]!;
  const strides = newShape.map((d, i) => {
    if (d <= 1) return 0;
    const unit = newShape.map((_, j) => (j === i ? 1 : 0));
    return addrs[flatOf(newShape, unit)]! - base;
  });
  for (let f = 0; f < addrs.length; f++) {
    const idx = unflat(newShape, f);
    let a = base;
    for (let i = 0; i < idx.length; i++) a += strides[i]! * idx[i]!;
    if (a !== addrs[f]) return null;
  }
  return strides;
}

/** A random shape with `n` elements (from a seed): n's prime factors spread over up to 4 dims, some 1s, maybe one -1. */
export function randomShapeOfSize(n: number, seed: number, allowInfer = false): number[] {
  const r = mulberry32(seed);
  const rank = Math.floor(r() * 5); // 0..4
  if (n === 0) {
    const shape = Array.from({ length: Math.max(rank, 1) }, () => Math.floor(r() * 4));
    shape[Math.floor(r() * shape.length)] = 0;
    return shape;
  }
  const factors: number[] = [];
  let m = n;
  for (let p = 2; p <= m; p++) while (m % p === 0) { factors.push(p); m /= p; }
  const k = Math.max(rank, factors.length === 0 ? 0 : 1);
  const shape = new Array<number>(k).fill(1);
  for (const f of factors) { const i = Math.floor(r() * k); shape[i] = shape[i]! * f; }
  if (allowInfer && k > 0 && r() < 0.3) shape[Math.floor(r() * k)] = -1;
  return shape;
}

// ---- elementwise ----------------------------------------------------------------------------------------

/** Each unary op written out again with Math.* (typed so that a new UnaryOp needs an entry here). */
export const NAIVE_UNARY: { [K in UnaryOp]: (x: number) => number } = {
  neg: (x) => -x,
  abs: (x) => Math.abs(x),
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  sqrt: (x) => Math.sqrt(x),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  tanh: (x) => Math.tanh(x),
  // the logistic function in its overflow-free form: e^x/(1+e^x) for x < 0, 1/(1+e^-x) otherwise
  sigmoid: (x) => (x < 0 ? Math.exp(x) / (Math.exp(x) + 1) : 1 / (Math.exp(-x) + 1)),
  relu: (x) => (Number.isNaN(x) ? NaN : Math.max(x, 0)),
  sin: (x) => Math.sin(x),
  cos: (x) => Math.cos(x),
  sign: (x) => (Number.isNaN(x) ? NaN : x === 0 ? 0 : x > 0 ? 1 : -1),
  log1p: (x) => Math.log1p(x),
  expm1: (x) => Math.expm1(x),
  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): exact for every x, no threshold
  softplus: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  tan: (x) => Math.sin(x) / Math.cos(x),
  asin: (x) => Math.asin(x),
  acos: (x) => Math.acos(x),
  atan: (x) => Math.atan(x),
  sinh: (x) => Math.sinh(x),
  cosh: (x) => Math.cosh(x),
  asinh: (x) => Math.asinh(x),
  atanh: (x) => Math.atanh(x),
  erf: naiveErf,
  exp2: (x) => Math.pow(2, x),
  log2: (x) => Math.log2(x),
  log10: (x) => Math.log10(x),
  rsqrt: (x) => 1 / Math.sqrt(x),
  floor: (x) => Math.floor(x),
  ceil: (x) => Math.ceil(x),
  trunc: (x) => (x < 0 ? Math.ceil(x) : Math.floor(x)),
  // halves to even, from the floor and the exact fraction (a different route than the kernel's Math.round)
  round: (x) => {
    const f = Math.floor(x), d = x - f;
    return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  },
};

/**
 * erf by a different route than the kernel's (elementwise/cpu-math.ts): the series of positive terms
 * erf(a) = (2/√π) e^(-a²) Σ (2a²)^n a / (1·3···(2n+1)) for every |x| < 6 (within ~16 ulp: the terms pile up
 * rounding errors at large |x|), ±1 beyond. Python's math.erf checks the kernel to 4 ulp in erf.test.ts.
 */
function naiveErf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  let term = a, sum = a;
  for (let n = 1; n < 400 && term > 1e-18 * sum; n++) {
    term *= (2 * a * a) / (2 * n + 1);
    sum += term;
  }
  const r = Math.min(1, (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * sum);
  return x < 0 ? -r : r;
}

/** Each binary op written out again (typed so that a new BinaryOp needs an entry here). NaN propagates in max/min. */
export const NAIVE_BINARY: { [K in BinaryOp]: (a: number, b: number) => number } = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  // C's pow (PyTorch's): JS's ** gives NaN for 1 ** NaN and (±1) ** ±Infinity, where C gives 1
  pow: (a, b) => (a === 1 || (a === -1 && Math.abs(b) === Infinity) ? 1 : a ** b),
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  eq: (a, b) => Number(a === b),
  ne: (a, b) => Number(a !== b),
  lt: (a, b) => Number(a < b),
  le: (a, b) => Number(a <= b),
  gt: (a, b) => Number(a > b),
  ge: (a, b) => Number(a >= b),
  atan2: (a, b) => Math.atan2(a, b),
};

/** NumPy broadcasting of shapes, written out: right-aligned, sizes equal or one of them 1. */
export function naiveBroadcastShapes(...shapes: (readonly number[])[]): number[] | null {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s.length - n + i;
      const v = k >= 0 ? s[k]! : 1;
      if (v === 1) continue;
      if (d !== 1 && d !== v) return null;
      d = v;
    }
    out.push(d);
  }
  return out;
}

/** Read `a` at output index `idx` of a broadcast to a larger shape. */
export function getBroadcast(a: NArr, idx: readonly number[]): number {
  const lead = idx.length - a.shape.length;
  return get(a, a.shape.map((d, j) => (d === 1 ? 0 : idx[j + lead]!)));
}

export function naiveUnary(op: UnaryOp, a: NArr): NArr {
  return mapArr(a, NAIVE_UNARY[op]);
}

export function naiveBinary(op: BinaryOp, a: NArr, b: NArr): NArr {
  const shape = naiveBroadcastShapes(a.shape, b.shape);
  if (!shape) throw new Error(`test: shapes [${a.shape}] and [${b.shape}] do not broadcast`);
  return build(shape, (idx) => NAIVE_BINARY[op](getBroadcast(a, idx), getBroadcast(b, idx)));
}

export function naiveWhere(c: NArr, a: NArr, b: NArr): NArr {
  const shape = naiveBroadcastShapes(c.shape, a.shape, b.shape);
  if (!shape) throw new Error('test: where shapes do not broadcast');
  return build(shape, (idx) => (getBroadcast(c, idx) !== 0 ? getBroadcast(a, idx) : getBroadcast(b, idx)));
}

/** Limit to [lo, hi]; NaN anywhere gives NaN. */
export function naiveClamp(x: NArr, lo: NArr | undefined, hi: NArr | undefined): NArr {
  const shape = naiveBroadcastShapes(x.shape, lo?.shape ?? [], hi?.shape ?? []);
  if (!shape) throw new Error('test: clamp shapes do not broadcast');
  return build(shape, (idx) => {
    let v = getBroadcast(x, idx);
    if (lo) { const l = getBroadcast(lo, idx); v = Number.isNaN(v) || Number.isNaN(l) ? NaN : v < l ? l : v; }
    if (hi) { const h = getBroadcast(hi, idx); v = Number.isNaN(v) || Number.isNaN(h) ? NaN : v > h ? h : v; }
    return v;
  });
}

// ---- reductions -----------------------------------------------------------------------------------------

export type NaiveReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'mean' | 'logsumexp' | 'sumAbs';

/**
 * Random reduction axes for a rank: all (undefined), one (maybe negative), or a non-empty subset in random
 * order, each maybe negative. An empty list is an error for a tensor with axes (reduce.property.test.ts)
 * and every axis of a 0-d tensor.
 */
export function arbAxes(rank: number): fc.Arbitrary<number | number[] | undefined> {
  if (rank === 0) return fc.constantFrom<number[] | undefined>(undefined, []);
  const dims = Array.from({ length: rank }, (_, i) => i);
  return fc.oneof(
    fc.constant(undefined),
    fc.integer({ min: -rank, max: rank - 1 }),
    fc.tuple(fc.shuffledSubarray(dims, { minLength: 1 }), fc.array(fc.boolean(), { minLength: rank, maxLength: rank }))
      .map(([axes, neg]) => axes.map((a, i) => (neg[i] ? a - rank : a))),
  );
}

/** Axes normalised, sorted, all axes when undefined. */
export function naiveAxes(axes: number | readonly number[] | undefined, ndim: number): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  return list.map((a) => (a < 0 ? a + ndim : a)).sort((x, y) => x - y);
}

/** The shape after reducing `axes`. */
export function naiveReducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/** The values `a` holds over the reduced axes for each output position (row-major over the reduced axes). */
export function reductionGroups(a: NArr, axes: readonly number[]): { outShape: number[]; groups: number[][] } {
  const outShape = naiveReducedShape(a.shape, axes, false);
  const redShape = axes.map((ax) => a.shape[ax]!);
  const groups: number[][] = [];
  forEachIndex(outShape, (o) => {
    const vals: number[] = [];
    forEachIndex(redShape, (r) => {
      const idx: number[] = [];
      let oi = 0, ri = 0;
      for (let i = 0; i < a.shape.length; i++) idx.push(axes.includes(i) ? r[ri++]! : o[oi++]!);
      vals.push(get(a, idx));
    });
    groups.push(vals);
  });
  return { outShape, groups };
}

/** One reduction of a list of values in float64, written out naively. */
export function reduceValues(op: NaiveReduceOp, vals: readonly number[]): number {
  switch (op) {
    case 'sum': { let s = 0; for (const v of vals) s += v; return s; }
    case 'sumAbs': { let s = 0; for (const v of vals) s += Math.abs(v); return s; }
    case 'prod': { let p = 1; for (const v of vals) p *= v; return p; }
    case 'max': {
      if (vals.some((v) => Number.isNaN(v))) return NaN;
      let m = -Infinity; for (const v of vals) if (v > m) m = v; return m;
    }
    case 'min': {
      if (vals.some((v) => Number.isNaN(v))) return NaN;
      let m = Infinity; for (const v of vals) if (v < m) m = v; return m;
    }
    case 'mean': return reduceValues('sum', vals) / vals.length;
    case 'logsumexp': {
      if (vals.some((v) => Number.isNaN(v))) return NaN;
      const m = reduceValues('max', vals);
      if (m === Infinity) return Infinity;
      if (m === -Infinity) return -Infinity; // all -inf, or no values: log(0)
      let s = 0;
      for (const v of vals) s += Math.exp(v - m);
      return m + Math.log(s);
    }
    default: {
      const never: never = op;
      throw new Error(`test: unknown reduction ${String(never)}`);
    }
  }
}

export function naiveReduce(op: NaiveReduceOp, a: NArr, axes: number | readonly number[] | undefined, keepDims = false): NArr {
  const ax = naiveAxes(axes, a.shape.length);
  const { groups } = reductionGroups(a, ax);
  return { shape: naiveReducedShape(a.shape, ax, keepDims), data: groups.map((g) => reduceValues(op, g)) };
}

/** Index of the max/min along `axis` (flattened when undefined); first occurrence wins; the first NaN wins. */
export function naiveArgReduce(op: 'argmax' | 'argmin', a: NArr, axis: number | undefined, keepDims = false): NArr {
  const pick = (vals: readonly number[]): number => {
    const nan = vals.findIndex((v) => Number.isNaN(v));
    if (nan >= 0) return nan;
    let best = 0;
    for (let i = 1; i < vals.length; i++) {
      if (op === 'argmax' ? vals[i]! > vals[best]! : vals[i]! < vals[best]!) best = i;
    }
    return best;
  };
  if (axis === undefined) {
    return { shape: keepDims ? a.shape.map(() => 1) : [], data: [pick(a.data)] };
  }
  const ax = axis < 0 ? axis + a.shape.length : axis;
  const { groups } = reductionGroups(a, [ax]);
  return { shape: naiveReducedShape(a.shape, [ax], keepDims), data: groups.map(pick) };
}

// ---- linear algebra and indexing ------------------------------------------------------------------------

/**
 * torch.matmul by triple loop in float64, with 1-D promotion and broadcast batch dimensions.
 * Also returns sum_k |a_ik * b_kj| per output element (for error bounds).
 */
export function naiveMatmul(a: NArr, b: NArr): { out: NArr; absOut: NArr; k: number } {
  const A = a.shape.length === 1 ? { shape: [1, a.shape[0]!], data: a.data } : a;
  const B = b.shape.length === 1 ? { shape: [b.shape[0]!, 1], data: b.data } : b;
  const ra = A.shape.length, rb = B.shape.length;
  const m = A.shape[ra - 2]!, k = A.shape[ra - 1]!, n = B.shape[rb - 1]!;
  if (B.shape[rb - 2] !== k) throw new Error('test: matmul inner dimensions differ');
  const batch = naiveBroadcastShapes(A.shape.slice(0, -2), B.shape.slice(0, -2));
  if (!batch) throw new Error('test: matmul batch shapes do not broadcast');
  const aBatch = { shape: A.shape.slice(0, -2), data: [] as number[] };
  const bBatch = { shape: B.shape.slice(0, -2), data: [] as number[] };
  const shape = [...batch, m, n];
  const data: number[] = [];
  const abs: number[] = [];
  forEachIndex(shape, (idx) => {
    const bi = idx.slice(0, -2), i = idx[idx.length - 2]!, j = idx[idx.length - 1]!;
    const lead = (s: readonly number[]) => bi.length - s.length;
    const ai = aBatch.shape.map((d, q) => (d === 1 ? 0 : bi[q + lead(aBatch.shape)]!));
    const bj = bBatch.shape.map((d, q) => (d === 1 ? 0 : bi[q + lead(bBatch.shape)]!));
    let s = 0, t = 0;
    for (let p = 0; p < k; p++) {
      const prod = get(A, [...ai, i, p]) * get(B, [...bj, p, j]);
      s += prod;
      t += Math.abs(prod);
    }
    data.push(s);
    abs.push(t);
  });
  let outShape = shape;
  if (a.shape.length === 1) outShape = outShape.filter((_, q) => q !== outShape.length - 2);
  if (b.shape.length === 1) outShape = outShape.slice(0, -1);
  return { out: { shape: outShape, data }, absOut: { shape: outShape, data: abs }, k };
}

export function naiveConcat(xs: readonly NArr[], axis: number): NArr {
  const nd = xs[0]!.shape.length;
  const ax = axis < 0 ? axis + nd : axis;
  const shape = xs[0]!.shape.slice();
  shape[ax] = xs.reduce((s, x) => s + x.shape[ax]!, 0);
  return build(shape, (idx) => {
    let p = idx[ax]!;
    for (const x of xs) {
      if (p < x.shape[ax]!) return get(x, idx.map((v, i) => (i === ax ? p : v)));
      p -= x.shape[ax]!;
    }
    throw new Error('test: concat position out of range');
  });
}

export function naiveStack(xs: readonly NArr[], axis: number): NArr {
  const nd = xs[0]!.shape.length + 1;
  const ax = axis < 0 ? axis + nd : axis;
  const shape = [...xs[0]!.shape.slice(0, ax), xs.length, ...xs[0]!.shape.slice(ax)];
  return build(shape, (idx) => get(xs[idx[ax]!]!, idx.filter((_, i) => i !== ax)));
}

/** The chunks `split` returns, as index ranges along `axis`. */
export function naiveSplit(x: NArr, sizeOrSections: number | readonly number[], axis: number): NArr[] {
  const ax = axis < 0 ? axis + x.shape.length : axis;
  const n = x.shape[ax]!;
  const sizes: number[] = [];
  if (typeof sizeOrSections === 'number') {
    // an empty axis is one empty chunk, as torch.split
    for (let left = n; left > 0; left -= sizeOrSections) sizes.push(Math.min(left, sizeOrSections));
    if (n === 0) sizes.push(0);
  } else sizes.push(...sizeOrSections);
  let start = 0;
  return sizes.map((s) => {
    const from = start;
    start += s;
    const shape = x.shape.slice();
    shape[ax] = s;
    return build(shape, (idx) => get(x, idx.map((v, i) => (i === ax ? v + from : v))));
  });
}

/** torch.gather: out[idx] = x[idx with idx[axis] replaced by index[idx]]. */
export function naiveGather(x: NArr, axis: number, index: NArr): NArr {
  const ax = axis < 0 ? axis + x.shape.length : axis;
  return build(index.shape, (idx) => get(x, idx.map((v, i) => (i === ax ? get(index, idx) : v))));
}

/** torch.index_select with a 1-D index. */
export function naiveIndexSelect(x: NArr, axis: number, index: readonly number[]): NArr {
  const ax = axis < 0 ? axis + x.shape.length : axis;
  const shape = x.shape.slice();
  shape[ax] = index.length;
  return build(shape, (idx) => get(x, idx.map((v, i) => (i === ax ? index[v]! : v))));
}

/** Zeros of `shape`, then out[idx with idx[axis] = index[idx]] += src[idx] for every idx of index. */
export function naiveScatterAdd(shape: readonly number[], axis: number, index: NArr, src: NArr): { out: NArr; absOut: NArr } {
  const ax = axis < 0 ? axis + shape.length : axis;
  const out = build(shape, () => 0);
  const absOut = build(shape, () => 0);
  forEachIndex(index.shape, (idx) => {
    const f = flatOf(shape, idx.map((v, i) => (i === ax ? get(index, idx) : v)));
    out.data[f] = out.data[f]! + get(src, idx);
    absOut.data[f] = absOut.data[f]! + Math.abs(get(src, idx));
  });
  return { out, absOut };
}

// ---- comparing ------------------------------------------------------------------------------------------

export const U64 = 2 ** -53; // unit roundoff of float64
export const U32 = 2 ** -24; // unit roundoff of float32

/** floor(log2(a)) for a finite a > 0, corrected for rounding in Math.log2. */
function exponentOf(a: number): number {
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  return e;
}

/** The spacing of float64 numbers at |x| (NaN for non-finite x). */
export function ulp64(x: number): number {
  const a = Math.abs(x);
  if (!Number.isFinite(a)) return NaN;
  if (a < 2 ** -1022) return 2 ** -1074;
  return 2 ** (exponentOf(a) - 52);
}

/** The spacing of float32 numbers at |x| (NaN for non-finite x). */
export function ulp32(x: number): number {
  const a = Math.abs(Math.fround(x));
  if (!Number.isFinite(a)) return NaN;
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (exponentOf(a) - 23);
}

/** Absolute tolerance for element `i` whose expected value is `want`. */
export type Tolerance = (want: number, i: number) => number;
export const exact: Tolerance = () => 0;

/**
 * Equal within `tol` (NaN matches NaN, infinities match only themselves, 0 matches -0). A tolerance of
 * Infinity means the result is unspecified there (e.g. a float32 accumulation that overflows): anything goes.
 */
export function closeEnough(got: number, want: number, tol: number): boolean {
  if (tol === Infinity) return true;
  if (Number.isNaN(want) || Number.isNaN(got)) return Number.isNaN(want) && Number.isNaN(got);
  if (got === want) return true;
  if (!Number.isFinite(want) || !Number.isFinite(got)) return false;
  return Math.abs(got - want) <= tol;
}

/** Throw a readable mismatch report unless `got` matches `want` in shape and every element. */
export function assertMatches(got: NArr, want: NArr, tol: Tolerance, what: string): void {
  if (got.shape.length !== want.shape.length || got.shape.some((d, i) => d !== want.shape[i])) {
    throw new Error(`${what}: shape [${got.shape}], expected [${want.shape}]`);
  }
  if (got.data.length !== want.data.length) throw new Error(`${what}: ${got.data.length} elements, expected ${want.data.length}`);
  for (let i = 0; i < want.data.length; i++) {
    const g = got.data[i]!, w = want.data[i]!, t = tol(w, i);
    if (!closeEnough(g, w, t)) {
      throw new Error(`${what}: mismatch at [${unflat(want.shape, i)}] of [${want.shape}]: got ${g}, expected ${w} (|diff| ${Math.abs(g - w)} > tol ${t})`);
    }
  }
}

/** A tensor's own metadata against an expectation (shape, dtype, device). */
export function assertShape(t: Tensor, shape: readonly number[], what: string): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${what}: shape [${t.shape}], expected [${shape}]`);
  }
}

// ---- random values --------------------------------------------------------------------------------------

/** mulberry32: a tiny seeded generator for filling test tensors (independent of the package's Generator). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * What the elements look like: small integers in [-4, 4] (exact arithmetic), floats in [-3, 3], positives
 * in [0.05, 4.05], floats with a quarter of specials (NaN, ±inf, ±0, huge, tiny, ±25), or indices in [0, range).
 */
export type ValueKind = 'int' | 'float' | 'positive' | 'special' | 'index';
const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 1e30, -1e-30, 25, -25, 0.5];

export function fillValues(n: number, kind: ValueKind, seed: number, range = 1): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => {
    switch (kind) {
      case 'int': return Math.floor(r() * 9) - 4;
      case 'float': return r() * 6 - 3;
      case 'positive': return 0.05 + r() * 4;
      case 'special': return r() < 0.25 ? SPECIALS[Math.floor(r() * SPECIALS.length)]! : r() * 6 - 3;
      case 'index': return Math.floor(r() * range);
      default: {
        const never: never = kind;
        throw new Error(`test: unknown value kind ${String(never)}`);
      }
    }
  });
}

// ---- arbitraries ----------------------------------------------------------------------------------------

/** A dimension size: mostly 2..5, sometimes 1, rarely 0. */
export function arbDim(maxDim = 5): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 4, arbitrary: fc.constant(1) },
    { weight: 15, arbitrary: fc.integer({ min: 2, max: Math.max(2, maxDim) }) },
  );
}

export function arbShape({ minRank = 0, maxRank = 4, maxDim = 5, minDim = 0 } = {}): fc.Arbitrary<number[]> {
  const dim = minDim > 0 ? arbDim(maxDim).map((d) => Math.max(d, minDim)) : arbDim(maxDim);
  return fc.array(dim, { minLength: minRank, maxLength: maxRank });
}

/**
 * How a tensor of a given shape is laid out: made as a bigger contiguous base, permuted by `perm`, sliced
 * in every dimension from `starts` with `steps` (leaving `extras` unused at the end), then dimensions
 * marked in `expand` are broadcast from size 1 (stride 0).
 */
export interface Layout {
  perm: number[];
  starts: number[];
  steps: number[];
  extras: number[];
  expand: boolean[];
}

export function contiguousLayout(rank: number): Layout {
  return {
    perm: Array.from({ length: rank }, (_, i) => i),
    starts: new Array<number>(rank).fill(0),
    steps: new Array<number>(rank).fill(1),
    extras: new Array<number>(rank).fill(0),
    expand: new Array<boolean>(rank).fill(false),
  };
}

export function arbLayout(rank: number, { allowExpand = true } = {}): fc.Arbitrary<Layout> {
  const list = <T>(a: fc.Arbitrary<T>) => fc.array(a, { minLength: rank, maxLength: rank });
  const random = fc.record({
    perm: fc.shuffledSubarray(Array.from({ length: rank }, (_, i) => i), { minLength: rank, maxLength: rank }),
    starts: list(fc.integer({ min: 0, max: 2 })),
    steps: list(fc.integer({ min: 1, max: 3 })),
    extras: list(fc.integer({ min: 0, max: 1 })),
    expand: list(allowExpand ? fc.integer({ min: 0, max: 3 }).map((v) => v === 0) : fc.constant(false)),
  });
  return fc.oneof({ weight: 1, arbitrary: fc.constant(contiguousLayout(rank)) }, { weight: 3, arbitrary: random });
}

/** A recipe for a test tensor: plain data, so fast-check prints it and shrinks it. */
export interface TSpec {
  shape: number[];
  dtype: DType;
  layout: Layout;
  kind: ValueKind;
  seed: number;
  /** For kind 'index': values in [0, range). */
  range?: number;
}

export const arbDType: fc.Arbitrary<DType> = fc.constantFrom<DType>('float32', 'float64');
export const arbKind = (kinds: readonly ValueKind[] = ['int', 'float', 'float', 'special']): fc.Arbitrary<ValueKind> => fc.constantFrom(...kinds);

export function arbSpecOfShape(shape: readonly number[], opts: { dtype?: DType; kinds?: readonly ValueKind[]; allowExpand?: boolean } = {}): fc.Arbitrary<TSpec> {
  return fc.record({
    shape: fc.constant(shape.slice()),
    dtype: opts.dtype ? fc.constant(opts.dtype) : arbDType,
    layout: arbLayout(shape.length, { allowExpand: opts.allowExpand }),
    kind: arbKind(opts.kinds),
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
  });
}

export function arbSpec(opts: { dtype?: DType; kinds?: readonly ValueKind[]; allowExpand?: boolean; minRank?: number; maxRank?: number; maxDim?: number; minDim?: number } = {}): fc.Arbitrary<TSpec> {
  return arbShape(opts).chain((shape) => arbSpecOfShape(shape, opts));
}

/** The layout's base shape (before permuting) and, per dimension, the slice that is taken. */
function planLayout(shape: readonly number[], l: Layout) {
  const pre = shape.map((d, i) => (l.expand[i] ? 1 : d));
  const ends = pre.map((d, i) => (d === 0 ? l.starts[i]! : l.starts[i]! + (d - 1) * l.steps[i]! + 1));
  const sliced = ends.map((e, i) => e + l.extras[i]!);
  const base = new Array<number>(shape.length).fill(0);
  l.perm.forEach((p, i) => { base[p] = sliced[i]!; });
  return { pre, ends, base };
}

/** Build the tensor a spec describes (a view over a bigger base whose every element is filled). */
export function makeTensor(spec: TSpec): { t: Tensor; base: Tensor } {
  const { shape, layout: l } = spec;
  const { ends, base: baseShape } = planLayout(shape, l);
  const values = fillValues(numel(baseShape), spec.kind, spec.seed, spec.range);
  const data = spec.dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
  const base = tensor(data, { shape: baseShape, dtype: spec.dtype });
  let t = base.permute(l.perm);
  for (let i = 0; i < shape.length; i++) t = t.slice(i, l.starts[i]!, ends[i]!, l.steps[i]!);
  t = t.expand(shape);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`test: makeTensor built shape [${t.shape}], expected [${shape}]`);
  }
  return { t, base };
}

export const make = (spec: TSpec): Tensor => makeTensor(spec).t;

/** Two shapes that broadcast: an output shape, and each input drops leading dims and turns some dims to 1. */
export function arbBroadcastShapes(count: number, opts: { maxRank?: number } = {}): fc.Arbitrary<number[][]> {
  return arbShape({ maxRank: opts.maxRank ?? 4 }).chain((out) => {
    const one = fc.record({
      drop: fc.integer({ min: 0, max: out.length }),
      ones: fc.array(fc.integer({ min: 0, max: 3 }).map((v) => v === 0), { minLength: out.length, maxLength: out.length }),
    }).map(({ drop, ones }) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
    return fc.array(one, { minLength: count, maxLength: count });
  });
}

// ---- counting generated cases -----------------------------------------------------------------------------

let suiteTotal = 0;

/** Counts the cases a file's properties generate; `report` logs and asserts the planned number. */
export class CaseCounter {
  n = 0;
  constructor(readonly name: string) {}
  tick(): void {
    this.n++;
    suiteTotal++;
  }
  report(planned: number): void {
    planned = Math.round(planned * runsScale());
    // eslint-disable-next-line no-console
    console.log(`      [${this.name}] ${this.n} generated cases (planned >= ${planned}; suite total so far ${suiteTotal})`);
    if (this.n < planned) throw new Error(`${this.name}: only ${this.n} generated cases ran, planned at least ${planned}`);
  }
}

function runsScale(): number {
  return Number(process.env.FC_RUNS_SCALE ?? '1');
}

/** fast-check parameters: FC_SEED reproduces a run; FC_RUNS_SCALE scales every numRuns. */
export function fcParams(numRuns: number): fc.Parameters<unknown> {
  const scale = runsScale();
  const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : undefined;
  return { numRuns: Math.max(1, Math.round(numRuns * scale)), ...(seed !== undefined ? { seed } : {}) };
}

/** Run a property over `arb` for `numRuns` cases, counting each generated case. */
export function checkProperty<T>(counter: CaseCounter, arb: fc.Arbitrary<T>, numRuns: number, predicate: (v: T) => void): void {
  fc.assert(fc.property(arb, (v) => { counter.tick(); predicate(v); }), fcParams(numRuns) as fc.Parameters<[T]>);
}
