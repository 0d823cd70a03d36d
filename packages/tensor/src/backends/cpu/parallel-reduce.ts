// Layer: tensor/backends/cpu. Large reductions (sum, prod, max, min, and what is built on them: mean, var,
// logsumexp, softmax) over the threads (threads.ts's pool), in the three shapes of the merged walk (layout.ts's
// planWalk) that cover a dense tensor, each with the bits of one thread whatever the thread count:
//   all    one row folded to one number (sum(x) of a dense x): the row is cut into fixed chunks of
//          REDUCE_CHUNK elements, each folded to a partial, and the partials folded in order;
//   rows   rows folded each to its own slot (reducing the trailing axes, as softmax and logsumexp do): a
//          thread folds whole rows;
//   cols   rows combined elementwise into one row of slots (reducing the leading axes: a bias gradient): a
//          thread takes a range of columns through every row, in the rows' order.
// A row longer than REDUCE_CHUNK is always folded chunk by chunk, threads or not (`foldRow`), so a sum's last
// bits depend only on its shape: a float64 sum of 2^20 numbers is 16 chunk sums added, not one running sum.
//
// The calling thread does the first part in place on the caller's arrays; only the workers' part of the input
// is copied into the shared memory, and only their slots come back (copying costs about what folding does, so
// copying everything would cancel the gain). Other walks (three or more merged dimensions, negative strides)
// and reductions under PARALLEL_MIN_ELEMENTS stay on the calling thread. The loop bodies carry kernels.ts's
// REDUCE_ROW loops by their text, so each refers to nothing outside itself. Imports the pool, the block
// layout, the loop table, parallel-for.ts's shared-array layout and walk.ts's row copy.
import type { ReduceOp } from '../../backend';
import type { TypedArray } from '../../dtype';
import type { WalkPlan } from '../../layout';
import { sizeOf } from '../../shape';
import { JOBS, type BlockKernel } from './blocks';
import { REDUCE_ROW, type ReduceRow } from './kernels';
import { shareLoopArrays } from './parallel-for';
import { copyRow } from './walk';
import { kernelId, runKernelJob, type SharedKernel } from './parallel-map';
import { PARALLEL_MIN_ELEMENTS, readyPool } from './threads';

/** The chunk a long row is folded in (its partials are then folded in order). */
export const REDUCE_CHUNK = 2 ** 16;
/** Each thread gets at least this many elements of a reduction. */
const GRAIN = 2 ** 16;
/** A thread's columns of a column reduction: at least this many (each row's segment is copied on its own). */
const MIN_COLS = 64;

type Kind = 'all' | 'rows' | 'cols' | 'parts';
type Body = (arrays: readonly (TypedArray | Float64Array)[], start: number, end: number) => void;

/**
 * The loop bodies' texts: each an expression that makes the body once, with its own copies of the row loops (a
 * loop called on one array type stays fast; the partials get a copy of their own). Each body reads its
 * parameters from p: the input's offset and strides, the sizes, and `base`, the first unit whose input is at
 * the offset (0 in place; the workers' first unit in their copy). They are read as int32 (`| 0`: a tensor
 * has fewer than 2^31 elements), so the hot loops index in integers, not doubles.
 */
const TEXT: Record<Kind, (k: ReduceRow) => string> = {
  // partial c = chunk c of the row folded from the identity
  all: ({ init, fold }) => `(() => { const fold = ${String(fold)};
    return ([x, part, p], s, e) => {
      const xo = p[0] | 0, xs = p[1] | 0, n = p[2] | 0, base = p[3] | 0, C = ${REDUCE_CHUNK};
      for (let c = s; c < e; c++) { part[c] = ${init}; fold(x, xo + (c * C - base) * xs, xs, part, c, Math.min(C, n - c * C)); }
    }; })()`,
  // row r into acc[r]; a row longer than C chunk by chunk, as `all` and `parts` do it
  rows: ({ init, fold }) => `(() => { const fold = ${String(fold)}, foldParts = ${String(fold)};
    return ([x, acc, p], s, e) => {
      const xo = p[0] | 0, rs = p[1] | 0, xs = p[2] | 0, n = p[3] | 0, base = p[4] | 0, C = ${REDUCE_CHUNK};
      const chunks = Math.ceil(n / C), part = chunks > 1 ? new Float64Array(chunks) : null;
      for (let r = s; r < e; r++) {
        const o = xo + (r - base) * rs;
        if (part === null) { fold(x, o, xs, acc, r, n); continue; }
        for (let c = 0; c < chunks; c++) { part[c] = ${init}; fold(x, o + c * C * xs, xs, part, c, Math.min(C, n - c * C)); }
        foldParts(part, 0, 1, acc, r, chunks);
      }
    }; })()`,
  // columns [s, e) of every row, row after row, into acc[s], ...
  cols: ({ combine }) => `(() => { const combine = ${String(combine)};
    return ([x, acc, p], s, e) => {
      const xo = p[0] | 0, rs = p[1] | 0, cs = p[2] | 0, rows = p[3] | 0, base = p[4] | 0;
      for (let r = 0; r < rows; r++) combine(x, xo + r * rs + (s - base) * cs, cs, acc, s, e - s);
    }; })()`,
  // the partials folded in order (a body of its own so that its loop only ever meets float64 arrays)
  parts: ({ fold }) => `(() => { const fold = ${String(fold)}; return ([part, acc], s, e) => fold(part, s, 1, acc, 0, e - s); })()`,
};

const bodies = new Map<string, SharedKernel>();
/** The body for `op`, `kind` and the input's dtype: its id, its source for the workers, and the same text compiled here. */
function body(op: ReduceOp, kind: Kind, f64: boolean): SharedKernel {
  const key = `${op} ${kind} ${f64 ? 'float64' : 'float32'}`;
  let k = bodies.get(key);
  if (k === undefined) {
    const text = TEXT[kind](REDUCE_ROW[op]);
    // eslint-disable-next-line no-new-func
    k = { id: kernelId(), code: new TextEncoder().encode(text), local: new Function(`return (${text});`)() as BlockKernel };
    bodies.set(key, k);
  }
  return k;
}

/** The loop `reduce` folds one row of n elements with on the calling thread: REDUCE_ROW's, or chunk by chunk past REDUCE_CHUNK. */
export function foldRow(op: ReduceOp, n: number): ReduceRow['fold'] {
  if (n <= REDUCE_CHUNK) return REDUCE_ROW[op].fold;
  const rows = body(op, 'rows', false).local as unknown as Body, rows64 = body(op, 'rows', true).local as unknown as Body;
  const p = new Float64Array(5);
  return (x, xo, xs, acc, ai, len) => {
    p[0] = xo; p[1] = 0; p[2] = xs; p[3] = len; p[4] = ai;
    (x instanceof Float64Array ? rows64 : rows)([x, acc, p], ai, ai + 1);
  };
}

/** One array of a job in the shared memory: its type and length (parallel-for.ts lays them out). */
type Share = readonly [Float32ArrayConstructor | Float64ArrayConstructor, number];

/**
 * Fold the walk `plan` of x (data `src` from `xo`) into `acc` (filled with the op's identity) over the threads
 * when it is one of the three shapes above and large enough; false, having done nothing, otherwise (the caller
 * walks it on the calling thread, with foldRow).
 */
export function parallelReduce(op: ReduceOp, src: TypedArray, xo: number, plan: WalkPlan, acc: Float64Array): boolean {
  const { shape } = plan;
  const xs = plan.strides[0]!, as = plan.strides[1]!;
  if (shape.length > 2 || sizeOf(shape) < PARALLEL_MIN_ELEMENTS || xs.some((s) => s < 0)) return false;
  const X = (src instanceof Float64Array ? Float64Array : Float32Array) as Float32ArrayConstructor;
  if (shape.length === 1) {
    if (as[0] !== 0) return false;
    const n = shape[0]!, xs0 = xs[0]!, chunks = Math.ceil(n / REDUCE_CHUNK), part = new Float64Array(chunks);
    let first = 0;
    const ok = launch(op, 'all', chunks, Math.ceil(GRAIN / REDUCE_CHUNK), 1, [[X, n], [Float64Array, chunks], [Float64Array, 4]], {
      stage([x, , p], bounds) {
        first = bounds[1]!;
        const base = first * REDUCE_CHUNK;
        copyRow(src, xo + base * xs0, xs0, x!, 0, n - base);
        p!.set([0, 1, n, base]);
      },
      local: [src, part, Float64Array.of(xo, xs0, n, 0)],
      back([, shared]) { part.set(shared!.subarray(first, chunks), first); },
    });
    if (ok) (body(op, 'parts', true).local as unknown as Body)([part, acc], 0, chunks);
    return ok;
  }
  const [rows, n] = shape as [number, number];
  const rs = xs[0]!, cs = xs[1]!;
  if (as[0] === 1 && as[1] === 0) {
    let first = 0;
    return launch(op, 'rows', rows, Math.ceil(GRAIN / n), 1, [[X, rows * n], [Float64Array, rows], [Float64Array, 5]], {
      stage([x, a, p], bounds) {
        first = bounds[1]!;
        for (let r = first; r < rows; r++) copyRow(src, xo + r * rs, cs, x!, (r - first) * n, n);
        a!.set(acc.subarray(first, rows), first);
        p!.set([0, n, 1, n, first]);
      },
      local: [src, acc, Float64Array.of(xo, rs, cs, n, 0)],
      back([, a]) { acc.set(a!.subarray(first, rows), first); },
    });
  }
  if (as[0] === 0 && as[1] === 1) {
    let first = 0;
    const fewest = Math.max(MIN_COLS, Math.ceil(GRAIN / rows));
    return launch(op, 'cols', n, fewest, 16, [[X, rows * n], [Float64Array, n], [Float64Array, 5]], {
      stage([x, a, p], bounds) {
        first = bounds[1]!;
        const w = n - first;
        for (let r = 0; r < rows; r++) copyRow(src, xo + r * rs + first * cs, cs, x!, r * w, w);
        a!.set(acc.subarray(first, n), first);
        p!.set([0, w, 1, rows, first]);
      },
      local: [src, acc, Float64Array.of(xo, rs, cs, rows, 0)],
      back([, a]) { acc.set(a!.subarray(first, n), first); },
    });
  }
  return false;
}

interface Parts {
  /** Fill the shared arrays the workers read, knowing the parts' bounds (part 0, the caller's, is not copied). */
  stage(shared: readonly TypedArray[], bounds: readonly number[]): void;
  /** The arrays the calling thread's part runs on, in place. */
  local: readonly TypedArray[];
  /** Take the workers' results from the shared arrays. */
  back(shared: readonly TypedArray[]): void;
}

/**
 * Run body(op, kind) over `units` units on the threads, each thread at least `fewest` units (in multiples of
 * `align`), with `shares` laid out in the shared memory; false, having done nothing, when there are not two
 * threads' worth of units, no ready workers, or not room enough.
 */
function launch(op: ReduceOp, kind: Kind, units: number, fewest: number, align: number, shares: readonly Share[], parts: Parts): boolean {
  const p = readyPool();
  const most = Math.floor(units / fewest);
  if (p === null || most < 2) return false;
  const k = body(op, kind, shares[0]![0] === Float64Array);
  const laid = shareLoopArrays(p, k, shares);
  if (laid === null) return false;
  // float32 and float64 views only: the shares are (Share)
  const shared = laid.views as TypedArray[], { end } = laid;
  const local = k.local as unknown as Body;
  runKernelJob(p, k, end, JOBS.REDUCE, units, align, most, {
    stage: (bounds) => parts.stage(shared, bounds),
    run: (s, e) => local(parts.local, s, e),
  });
  parts.back(shared);
  return true;
}
