// Layer: tensor. Shape ops (issue #12): flip, roll, pad, tile, triu/tril, oneHot. Each is built from ops
// every backend already has (indexSelect, slices + concat, full, expand + reshape, where, scatterAdd), so
// the 'gpu' device runs them with no kernel of its own. Each returns a new tensor (a copy, as PyTorch's
// do), keeps the input's dtype and reads any view (transposed, sliced, broadcast) in place.
import { backendFor } from './backends';
import { canReadSync, onReadback } from './backends/gpu/storage';
import { allocTyped } from './dtype';
import { fail, fmtShape } from './errors';
import { full } from './creation';
import { checkTensor } from './checks';
import { concat, indexSelect, scatterAdd } from './join';
import { copy, toHost, where } from './ops';
import { axisOptions, checkArity, checkOptions, describeValue, optNumber } from './options';
import { checkSize, normalizeAxes, normalizeAxis, unravelIndex } from './shape';
import type { Tensor } from './tensor';

/** The axis argument of flip and roll: `0`, `[0, 1]` or `{ axis }` (undefined when none is given). */
export type AxesArg = number | readonly number[] | { axis?: number | readonly number[] };

/** `y`, or a copy of `x` when no step changed anything (so every op returns a fresh tensor). */
const fresh = (x: Tensor, y: Tensor): Tensor => (y.storage === x.storage ? copy(y) : y);

// ---- flip ---------------------------------------------------------------------------------------------

/**
 * Reverse the order of the elements along `axis` (one axis or several): `flip(x, 0)`, `flip(x, [0, 1])`
 * or `flip(x, { axis: -1 })`. Without an axis every axis is flipped, as NumPy's `np.flip` (and as `sum`
 * reduces every axis); `torch.flip` requires its dims. A copy, as in PyTorch: views here have positive
 * steps only.
 */
export function flip(x: Tensor, axis?: AxesArg): Tensor {
  checkArity('flip', arguments, 2, 'flip(x, axis) or flip(x, { axis })');
  checkTensor('flip', x);
  const axes = normalizeAxes('flip', axisOptions('flip', axis, 'flip(x, OPTIONS)', true, false).axis, x.ndim, true);
  let y = x;
  for (const ax of axes) {
    const n = x.shape[ax]!;
    // element i of the result is element n-1-i of the input: a gather with the reversed positions
    if (n > 1) y = indexSelect(y, ax, Array.from({ length: n }, (_, i) => n - 1 - i));
  }
  return fresh(x, y);
}

// ---- roll ---------------------------------------------------------------------------------------------

/** Roll one axis by `shift`: `out[i] = x[(i - shift) mod n]`, two slices joined in the other order. */
function rollAxis(x: Tensor, shift: number, ax: number): Tensor {
  const n = x.shape[ax]!;
  const s = n === 0 ? 0 : ((shift % n) + n) % n; // in [0, n): a negative or large shift wraps around
  if (s === 0) return x;
  return concat([x.slice(ax, n - s), x.slice(ax, 0, n - s)], ax);
}

/**
 * Shift the elements along `axis` by `shift` places, wrapping around (torch.roll): `out[i] = x[(i - shift)
 * mod n]`, so a positive shift moves elements to higher indices. `shift` and `axis` may be arrays of equal
 * length (one shift per axis; an axis may repeat, its shifts adding up). Without an axis the flattened
 * tensor is rolled and the shape restored, as PyTorch. `roll(x, 1)`, `roll(x, [1, -2], [0, 1])`,
 * `roll(x, 1, { axis: -1 })`.
 */
export function roll(x: Tensor, shift: number | readonly number[], axis?: AxesArg): Tensor {
  checkArity('roll', arguments, 3, 'roll(x, shift, axis) or roll(x, shift, { axis })');
  checkTensor('roll', x);
  const given = axisOptions('roll', axis, 'roll(x, shift, OPTIONS)', true, false).axis;
  if (typeof shift !== 'number' && !Array.isArray(shift)) fail('roll', `shift got ${describeValue(shift)}, expected an integer or an array of integers`);
  const shifts: readonly number[] = typeof shift === 'number' ? [shift] : shift;
  shifts.forEach((s, i) => optNumber('roll', typeof shift === 'number' ? 'shift' : `shift[${i}]`, s, undefined, { integer: true }));
  if (given === undefined) {
    if (shifts.length !== 1) fail('roll', `shift got ${describeValue(shift)} with no axis, expected one integer (without an axis the flattened tensor is rolled)`);
    const flat = x.reshape([-1]);
    const rolled = rollAxis(flat, shifts[0]!, 0);
    return rolled === flat ? copy(x) : rolled.reshape(x.shape);
  }
  const axes: readonly number[] = typeof given === 'number' ? [given] : given;
  if (axes.length !== shifts.length) {
    fail('roll', `shift ${describeValue(shift)} and axis ${describeValue(given)} have ${shifts.length} and ${axes.length} entries, expected one shift per axis`);
  }
  let y = x;
  axes.forEach((a, i) => { y = rollAxis(y, shifts[i]!, normalizeAxis('roll', a, x.ndim)); });
  return fresh(x, y);
}

// ---- pad ----------------------------------------------------------------------------------------------

/** How pad's argument reads in its errors: NumPy's order, and the contrast with PyTorch's F.pad. */
const PAD_FORM = "one [before, after] pair per axis, first axis first (NumPy's order: [[0, 0], [1, 2]] pads axis 1 of a 2-D tensor; "
  + "PyTorch's F.pad takes a flat list, last axis first)";

/** Check pad's pairs against `x`: exactly one pair of non-negative integers per axis. */
function padPairs(x: Tensor, pads: unknown): (readonly [number, number])[] {
  if (!Array.isArray(pads) || !pads.every((p) => Array.isArray(p))) fail('pad', `pads got ${describeValue(pads)}, expected ${PAD_FORM}`);
  if (pads.length !== x.ndim) {
    fail('pad', `pads has ${pads.length} pair${pads.length === 1 ? '' : 's'} for a tensor of rank ${x.ndim} (shape ${fmtShape(x.shape)}), expected ${x.ndim}: ${PAD_FORM}; [0, 0] leaves an axis unpadded`);
  }
  return (pads as unknown[][]).map((p, i) => {
    if (p.length !== 2) fail('pad', `pads[${i}] got ${describeValue(p)}, expected a [before, after] pair for axis ${i}`);
    p.forEach((n, j) => {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
        fail('pad', `pads[${i}][${j}] (${j === 0 ? 'before' : 'after'} axis ${i}) got ${describeValue(n)}, expected a non-negative integer (pad does not crop: use slice)`);
      }
    });
    return [p[0] as number, p[1] as number] as const;
  });
}

/**
 * Constant padding: `pads` has one `[before, after]` pair per axis, FIRST axis first (NumPy's `np.pad`
 * order), and every axis needs its pair (`[0, 0]` leaves one alone). PyTorch's `F.pad(x, (l, r, t, b))` is
 * a flat list that starts with the LAST axis: `F.pad(x, (1, 2))` on a 2-D x is `pad(x, [[0, 0], [1, 2]])`
 * here. New elements are `value` (default 0; NaN and ±Infinity allowed). Negative padding is refused.
 */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], options?: { value?: number }): Tensor {
  checkArity('pad', arguments, 3, 'pad(x, [[before, after], ...], { value })');
  checkTensor('pad', x);
  const o = checkOptions('pad', options, ['value'], 'pad(x, pads, OPTIONS)');
  if (o.value !== undefined && typeof o.value !== 'number') fail('pad', `value got ${describeValue(o.value)}, expected a number`);
  const value = (o.value as number | undefined) ?? 0;
  const pairs = padPairs(x, pads);
  checkSize('pad', x.shape.map((d, i) => d + pairs[i]![0] + pairs[i]![1]), 'the result', x.dtype);
  let y = x;
  pairs.forEach(([before, after], ax) => {
    if (before === 0 && after === 0) return;
    // one axis at a time: [value block, y, value block] joined along it (empty blocks left out)
    const block = (n: number) => full(y.shape.map((d, i) => (i === ax ? n : d)), value, { dtype: x.dtype, device: x.device });
    const parts = [block(before), y, block(after)].filter((p) => p.shape[ax]! > 0);
    y = parts.length === 1 ? parts[0]! : concat(parts, ax);
  });
  return fresh(x, y);
}

// ---- tile ---------------------------------------------------------------------------------------------

/** tile's repetitions, one per axis of the result: reps shorter than x's rank get leading 1s. */
function tileReps(op: string, ndim: number, reps: unknown): number[] {
  const list = typeof reps === 'number' ? [reps] : reps;
  if (!Array.isArray(list) || !list.every((r) => typeof r === 'number' && Number.isInteger(r) && r >= 0)) {
    fail(op, `reps got ${describeValue(reps)}, expected an array of non-negative integers (one per axis; fewer get leading 1s, as torch.tile)`);
  }
  return [...new Array<number>(Math.max(0, ndim - list.length)).fill(1), ...(list as number[])];
}

/**
 * Repeat `x` `reps[i]` times along axis i (torch.tile): `tile(x, [2, 3])`. Reps shorter than x's rank get
 * leading 1s (`tile(x, [2])` repeats the last axis); reps longer than the rank give x leading size-1 axes
 * first, so `tile(v, [2, 1])` of a vector is a 2-row matrix.
 */
export function tile(x: Tensor, reps: number | readonly number[]): Tensor {
  checkArity('tile', arguments, 2, 'tile(x, reps)');
  checkTensor('tile', x);
  const r = tileReps('tile', x.ndim, reps);
  const dims = [...new Array<number>(r.length - x.ndim).fill(1), ...x.shape];
  const out = dims.map((d, i) => d * r[i]!);
  checkSize('tile', out, 'the result', x.dtype);
  // x as [1, d0, 1, d1, ...] broadcast to [r0, d0, r1, d1, ...] (a stride-0 view), then one copy merges
  // each (r, d) pair: copy k along axis i is block k of the result
  const y = x.reshape(dims.flatMap((d) => [1, d])).expand(dims.flatMap((d, i) => [r[i]!, d])).reshape(out);
  return fresh(x, y);
}

// ---- triu, tril ---------------------------------------------------------------------------------------

/** The diagonal argument: positional (`triu(x, 1)`, as PyTorch) or `{ diagonal }`; default 0. */
function diagonalArg(op: string, arg: unknown): number {
  const value = typeof arg === 'number' ? arg : checkOptions(op, arg, ['diagonal'], `${op}(x, OPTIONS)`).diagonal;
  return optNumber(op, 'diagonal', value, 0, { integer: true });
}

/** Keep x where the mask (over the last two axes, shared by the batch) says so, 0 elsewhere. */
function triangle(op: 'triu' | 'tril', x: Tensor, diagonal: unknown): Tensor {
  checkTensor(op, x);
  const k = diagonalArg(op, diagonal);
  if (x.ndim < 2) fail(op, `expects a tensor of rank >= 2 (the last two axes are the matrices), got shape ${fmtShape(x.shape)}`);
  const m = x.shape[x.ndim - 2]!, n = x.shape[x.ndim - 1]!;
  // element (i, j) is on diagonal j - i: 0 the main one, > 0 above it, < 0 below it
  const mask = allocTyped(x.dtype, m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) mask[i * n + j] = (op === 'triu' ? j - i >= k : j - i <= k) ? 1 : 0;
  }
  // where, not a product with the mask: an inf or NaN outside the triangle must become 0, not NaN
  return where(backendFor(x.device).fromHost(mask, [m, n], x.dtype), x, 0);
}

/**
 * The upper triangle of the matrices in the last two axes (batched over the others), 0 elsewhere: element
 * (i, j) is kept when `j - i >= diagonal`. `triu(x)`, `triu(x, 1)` (strictly above the main diagonal),
 * `triu(x, { diagonal: -1 })`. A diagonal beyond the matrix keeps everything or nothing, as torch.triu.
 */
export function triu(x: Tensor, diagonal?: number | { diagonal?: number }): Tensor {
  checkArity('triu', arguments, 2, 'triu(x, diagonal) or triu(x, { diagonal })');
  return triangle('triu', x, diagonal);
}

/** The lower triangle (`j - i <= diagonal` kept, 0 elsewhere) of the last two axes; see `triu`. */
export function tril(x: Tensor, diagonal?: number | { diagonal?: number }): Tensor {
  checkArity('tril', arguments, 2, 'tril(x, diagonal) or tril(x, { diagonal })');
  return triangle('tril', x, diagonal);
}

// ---- oneHot -------------------------------------------------------------------------------------------

/** Throw at the first value of a host `indices` that is not an integer in [0, n), naming its position. */
function checkClassIndices(indices: Tensor, n: number, data: ArrayLike<number> = toHost(indices, 'oneHot')): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isInteger(v) && v >= 0 && v < n) continue;
    const why = Number.isInteger(v) ? 'is out of range' : 'is not an integer';
    fail('oneHot', `indices value ${v} at position ${fmtShape(unravelIndex(i, indices.shape))} ${why}, expected an integer in [0, ${n - 1}] (numClasses ${n})`);
  }
}

/**
 * One-hot encoding (F.one_hot): shape `[...indices.shape, numClasses]`, 1 at each index's class and 0
 * elsewhere, as floats in indices' dtype. `numClasses` is required (PyTorch's -1, inferring the largest
 * index + 1, is not supported). Indices on 'cpu' are checked (an index out of range or not an integer
 * throws, naming it and its position); a 'gpu' index tensor is not read back at the call (as gather's, see
 * docs/gpu.md): such an index gives a row of NaN there, and reading the result back throws the CPU's error.
 */
export function oneHot(indices: Tensor, numClasses: number): Tensor {
  checkArity('oneHot', arguments, 2, 'oneHot(indices, numClasses)');
  checkTensor('oneHot', indices, 'indices');
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < 1) {
    fail('oneHot', `numClasses got ${describeValue(numClasses)}, expected a positive integer (it is required: PyTorch's -1, inferring the largest index + 1, is not supported)`);
  }
  checkSize('oneHot', [...indices.shape, numClasses], 'the result', indices.dtype);
  if (indices.device === 'cpu') checkClassIndices(indices, numClasses);
  // PyTorch's own construction: zeros with a 1 scattered to each index's class along a new last axis
  const ones = full([...indices.shape, 1], 1, { dtype: indices.dtype, device: indices.device });
  const shape = [...indices.shape, numClasses];
  if (indices.device === 'cpu') return scatterAdd(shape, indices.ndim, indices.unsqueeze(-1), ones);
  // 'gpu' (the checks above are scatterAdd's): the kernel gives NaN on the row of an index out of range;
  // reading the result back then checks the indices, so the error is oneHot's, as on the CPU
  const y = backendFor(indices.device).scatterAdd(shape, indices.ndim, indices.unsqueeze(-1), ones);
  onReadback(y, (values) => {
    if (!values.some(Number.isNaN)) return;
    if (!canReadSync(indices)) return indices.data().then((data) => checkClassIndices(indices, numClasses, data));
    checkClassIndices(indices, numClasses);
  });
  return y;
}
