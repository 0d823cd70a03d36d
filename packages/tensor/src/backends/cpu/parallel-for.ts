// Layer: tensor/backends/cpu. `parallelFor`: any loop whose iterations are independent, over the threads
// (threads.ts's pool), for kernels outside the tensor ops — a fused op's CPU body written with defineOp, the
// PROPEL loss's samples. Like PyTorch's at::parallel_for(begin, end, grain_size, f): the index range
// [0, count) is cut into at most one contiguous range per thread, none shorter than `grain`, and the body
// runs once per range.
//
// How: the arrays the body reads and writes are copied once into the shared memory, every thread (the calling
// one included) runs the body compiled from its source text on views of them, and they are copied back (all
// of them: a write the body makes is kept as it would be on one thread). Hence the body's contract:
//   - it refers to nothing but its arguments and the language's built-ins (Math, typed arrays). A body that
//     refers to a module's constant, a closure's variable or an import fails on the threads; it is then run
//     again on the calling thread from the caller's own function (the same result, without the threads), and
//     every later call with the same text stays there;
//   - a range writes only its own indices' elements, and each index's work does not depend on which range it
//     falls in (no running sum across indices): then the bits are those of one thread whatever the count.
//
// Small loops (count < 2·grain), no ready workers, arrays too large for the shared memory, or arrays that
// overlap (their copies would not alias as the originals do) run the body once on the calling thread over
// [0, count). Imports the pool, the block layout and the option helpers.
import { TensorError } from '../../errors';
import { checkArity, checkOptions, describeValue, optNumber } from '../../options';
import { JOBS, MAX_LOOP_ARRAYS, SLOTS, type BlockKernel } from './blocks';
import { codeBytes, kernelId, runKernelJob, type SharedKernel } from './parallel-map';
import { readyPool, reserveShared, type Pool } from './threads';

/** The arrays a parallelFor body may share with the threads. */
export type LoopArray = Float32Array | Float64Array | Int32Array;

/**
 * A loop body: do indices [start, end) reading and writing `arrays` (views of the same types and lengths as
 * the caller's), and return nothing or an int32 (parallelFor returns each range's, in order).
 */
export type LoopBody<A extends readonly LoopArray[]> = (arrays: A, start: number, end: number) => number | void;

export interface ParallelForOptions {
  /** The loop's indices are 0 … count - 1. */
  count: number;
  /** The fewest indices worth a thread of their own (at least 1): count < 2·grain stays on the calling thread. */
  grain: number;
}

const FN = 'parallelFor';
const USAGE = 'parallelFor(body, arrays, { count, grain })';

/**
 * Each body met so far, by its source text (an arrow written inline is a new function at every call, but
 * one text: compiled once, here and in each worker): its id, UTF-8 source and the copy compiled from it;
 * null when it stays on the calling thread.
 */
const compiled = new Map<string, SharedKernel | null>();

/**
 * Run `body(arrays, start, end)` over the ranges of [0, count) on the CPU threads (setNumThreads, cpuInfo()),
 * or once over all of it on the calling thread when the loop is small or cannot travel (see above). Returns
 * the body's int32 results, one per range in order (an empty array when count is 0). Synchronous, like every op.
 *
 * ```ts
 * const x = Float64Array.from({ length: 1e6 }, (_, i) => i), y = new Float64Array(x.length);
 * parallelFor(([x, y], start, end) => { for (let i = start; i < end; i++) y[i] = Math.sqrt(x[i]); },
 *   [x, y], { count: x.length, grain: 65536 });
 * ```
 */
export function parallelFor<A extends readonly LoopArray[]>(body: LoopBody<A>, arrays: A, options: ParallelForOptions): number[] {
  checkArity(FN, arguments, 3, USAGE);
  if (typeof body !== 'function') throw new TensorError(`${FN}: body got ${describeValue(body)}, expected a function (arrays, start, end) => void`);
  if (!Array.isArray(arrays) || arrays.length > MAX_LOOP_ARRAYS) {
    throw new TensorError(`${FN}: arrays got ${describeValue(arrays)}, expected an array of at most ${MAX_LOOP_ARRAYS} typed arrays`);
  }
  arrays.forEach((a, i) => {
    if (!(a instanceof Float32Array || a instanceof Float64Array || a instanceof Int32Array)) {
      throw new TensorError(`${FN}: arrays[${i}] got ${describeValue(a)}, expected a Float32Array, Float64Array or Int32Array`);
    }
  });
  const o = checkOptions(FN, options, ['count', 'grain'], USAGE);
  if (o.count === undefined || o.grain === undefined) throw new TensorError(`${FN}: options need count and grain: ${USAGE}`);
  const count = optNumber(FN, 'count', o.count, 0, { integer: true, min: 0, max: 2 ** 31 - 1 });
  const grain = optNumber(FN, 'grain', o.grain, 1, { integer: true, min: 1 });
  if (count === 0) return [];
  let failed = false;
  if (count >= 2 * grain) {
    try {
      const results = onThreads(body as unknown as BlockKernel, arrays, count, grain);
      if (results !== null) return results;
    } catch {
      failed = true; // run it here from the caller's function: its own error, if it has one, is thrown there
    }
  }
  const r = checkResult(body(arrays, 0, count));
  // it failed from its source text and not from the caller's function: it does not travel
  if (failed) compiled.set(String(body), null);
  return [r];
}

/** How many distinct bodies (source texts) have been met (tests: an inline arrow is compiled once). */
export function loopBodiesMet(): number {
  return compiled.size;
}

function checkResult(r: number | void): number {
  const v = r ?? 0;
  if (v !== (v | 0)) throw new TensorError(`${FN}: the body returned ${describeValue(r)}, expected an int32 or nothing`);
  return v;
}

/** The types a loop array may have, by their code in the ARRAYS slots (blocks.ts's loopBlock: 0, 1, 2). */
const VIEWS = [Float32Array, Float64Array, Int32Array] as const;
/** A loop array's type and length. */
export type LoopShare = readonly [(typeof VIEWS)[number], number];

/**
 * Lay out arrays of these types and lengths in the pool's shared memory, each on a 16-byte boundary, and
 * describe them in the ARRAYS slots for a loop job (loopBlock) whose body is `k`: their views there, and the
 * byte address after them, where k's source goes (codeBytes reserved); null when there is not room.
 */
export function shareLoopArrays(p: Pool, k: SharedKernel, shares: readonly LoopShare[]): { views: LoopArray[]; end: number } | null {
  const at: number[] = [];
  let end = 0;
  for (const [View, length] of shares) {
    at.push(end);
    end += Math.ceil((length * View.BYTES_PER_ELEMENT) / 16) * 16;
  }
  if (!reserveShared(p, end + codeBytes(p, k))) return null;
  const buffer = p.memory.buffer as ArrayBuffer, { ctrl } = p;
  const views = shares.map(([View, length], i) => {
    ctrl.set([VIEWS.indexOf(View), at[i]!, length], SLOTS.ARRAYS + 3 * i);
    return new View(buffer, at[i]!, length);
  });
  ctrl[SLOTS.NARRAYS] = shares.length;
  return { views, end };
}

/** The results per range, or null (having done nothing) when the loop stays on the calling thread. */
function onThreads(body: BlockKernel, arrays: readonly LoopArray[], count: number, grain: number): number[] | null {
  const p = readyPool();
  if (p === null || overlapping(arrays)) return null;
  const source = String(body);
  let k = compiled.get(source);
  if (k === undefined) {
    k = null;
    try {
      // eslint-disable-next-line no-new-func
      // the calling thread runs this copy compiled from the text too, so every range runs the same code
      k = { id: kernelId(), code: new TextEncoder().encode(source), local: new Function(`return (${source});`)() as BlockKernel };
    } catch {
      // not a function expression's text (a native or bound function): it stays on the calling thread
    }
    compiled.set(source, k);
  }
  if (k === null) return null;
  const shared = shareLoopArrays(p, k, arrays.map((a) => [VIEWS.find((V) => a instanceof V)!, a.length] as const));
  if (shared === null) return null;
  const { views, end } = shared, { ctrl } = p;
  arrays.forEach((a, i) => views[i]!.set(a));
  const parts = Math.min(p.workers.length + 1, Math.floor(count / grain));
  runKernelJob(p, k, end, JOBS.LOOP, count, 1, parts);
  arrays.forEach((a, i) => a.set(views[i]!));
  const results: number[] = [];
  for (let part = 0; part < parts; part++) {
    if (ctrl[SLOTS.PARTS + part + 1]! > ctrl[SLOTS.PARTS + part]!) results.push(ctrl[SLOTS.RESULTS + part]!);
  }
  return results;
}

/** Whether two of the arrays share memory. */
function overlapping(arrays: readonly LoopArray[]): boolean {
  return arrays.some((a, i) => arrays.some((b, j) => j > i && a.buffer === b.buffer &&
    a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength));
}
