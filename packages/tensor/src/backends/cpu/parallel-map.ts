// Layer: tensor/backends/cpu. Large elementwise ops over the threads (threads.ts's pool): each thread runs the
// op's own CPU row loop (its declaration's `cpu`, sent to the workers as source text) on its range of
// elements. The calling thread does the first range in place, on the caller's arrays; the workers' ranges of
// the operands are copied into the shared memory first, and their range of the result copied out after.
// Elements are independent, so the bits are those of one thread whatever the count.
//
// A row loop travels as source text, so only a loop that refers to nothing outside itself can go: each one
// is checked once, on the calling thread, by compiling its text alone and running both on probe values
// (NaN, ±0, ±∞, tiny and huge numbers) in both dtypes; one that throws or differs in any bit stays on the
// calling thread. Copying costs about what a cheap op (add, mul) does: an op marked `threads: true` in its
// declaration (its per-element work pays for the copies: tanh, exp, sigmoid, erf, ...) comes here from
// PARALLEL_MIN_ELEMENTS elements, any other from PARALLEL_MIN_ELEMENTS_ANY (where the workers' share of the
// work outweighs the calling thread's copies). Imports the pool, the block layout and walk.ts's row copy.
import type { TypedArray } from '../../dtype';
import { JOBS, SLOTS, type BlockKernel } from './blocks';
import { copyRow } from './walk';
import { PARALLEL_MIN_ELEMENTS, PARALLEL_MIN_ELEMENTS_ANY, readyPool, reserveShared, runJob, type LocalPart, type Pool } from './threads';

type Kernel = (...args: never[]) => void;

/** Each checked row loop: its id and UTF-8 source, or null when it cannot run from its source text. */
const portable = new WeakMap<Kernel, SharedKernel | null>();
let nextId = 1;

/** A fresh id for a kernel the workers compile from its source (row loops here and parallelFor's bodies). */
export function kernelId(): number {
  return nextId++;
}

/** A kernel the workers compile from its source: its id, its UTF-8 source, and what the calling thread runs. */
export interface SharedKernel {
  readonly id: number;
  readonly code: Uint8Array;
  readonly local: BlockKernel;
}

/** The bytes a job with kernel `k` needs for its source in the shared memory: none once the workers have it. */
export function codeBytes(p: Pool, k: SharedKernel): number {
  return p.sent.has(k.id) ? 0 : k.code.length;
}

/**
 * runJob with kernel `k` (SLOTS.KERNEL): its source goes to byte `at` of the shared memory (codeBytes
 * reserved there) for workers that have not compiled it yet, and the calling thread runs `k.local`.
 */
export function runKernelJob(p: Pool, k: SharedKernel, at: number, job: number, units: number, align: number, most?: number, here?: LocalPart): void {
  p.ctrl[SLOTS.KERNEL] = k.id;
  if (!p.sent.has(k.id)) {
    new Uint8Array(p.memory.buffer, at, k.code.length).set(k.code);
    p.ctrl[SLOTS.CODE] = at;
    p.ctrl[SLOTS.CODE_LEN] = k.code.length;
  }
  if (!p.cx.kernels.has(k.id)) p.cx.kernels.set(k.id, k.local);
  runJob(p, job, units, align, most, here);
  p.sent.add(k.id);
}

const PROBE = [0, -0, 1, -1, 0.5, -0.5, 2, -3.25, 1e-7, -1e-30, 1e30, -7e12, 88.5, -90, 0.999, 3.14159, NaN, Infinity, -Infinity,
  1.5e-45, 20, -20, 7.9, 1e-4, 65504, -2.5, 0.1, 710, -745, 12];

/** The row loop's id and source when it runs the same from its text alone (checked once); else null. */
function portableKernel(kernel: Kernel, arity: 1 | 2): SharedKernel | null {
  let known = portable.get(kernel);
  if (known !== undefined) return known;
  known = null;
  try {
    const source = kernel.toString();
    // eslint-disable-next-line no-new-func
    const copy = new Function(`return (${source});`)() as Kernel;
    let same = true;
    for (const C of [Float32Array, Float64Array]) {
      const x = C.from(PROBE), w = C.from([...PROBE].reverse()), n = PROBE.length;
      const run = (f: Kernel) => {
        const y = new C(n);
        const call = f as unknown as (...a: unknown[]) => void;
        if (arity === 1) call(x, 0, 1, y, 0, n);
        else call(x, 0, 1, w, 0, 1, y, 0, n);
        return y;
      };
      const a = run(kernel), b = run(copy);
      for (let i = 0; i < n; i++) if (!Object.is(a[i], b[i])) same = false;
    }
    // the calling thread runs the kernel from its own reference, not from the text: the same code, checked above
    if (same) known = { id: kernelId(), code: new TextEncoder().encode(source), local: kernel as unknown as BlockKernel };
  } catch {
    // it refers to something outside itself (an import): it stays on the calling thread
  }
  portable.set(kernel, known);
  return known;
}

interface Operand { readonly data: TypedArray; readonly off: number; readonly stride: number }

/**
 * y[i] = kernel(x[i]) (or kernel(x[i], w[i])) for i < n over the threads, y contiguous from 0. False, having
 * done nothing, when it stays on the calling thread: too small (under PARALLEL_MIN_ELEMENTS for an op
 * `marked` for threads, PARALLEL_MIN_ELEMENTS_ANY for another), no ready workers, a kernel that cannot
 * travel, mixed dtypes, or too large for the shared memory.
 */
export function parallelMap(kernel: Kernel, inputs: readonly Operand[], y: TypedArray, n: number, marked = true): boolean {
  if (n < (marked ? PARALLEL_MIN_ELEMENTS : PARALLEL_MIN_ELEMENTS_ANY)) return false;
  const p = readyPool();
  if (p === null) return false;
  const f64 = y instanceof Float64Array;
  if (inputs.some((o) => (o.data instanceof Float64Array) !== f64 || o.stride < 0)) return false;
  const k = portableKernel(kernel, inputs.length as 1 | 2);
  if (k === null) return false;
  const es = f64 ? 8 : 4;
  // element addresses: each input (one element when broadcast), then y, then the kernel's source (bytes)
  const lengths = inputs.map((o) => (o.stride === 0 ? 1 : n));
  const at: number[] = [];
  let end = 0;
  for (const len of lengths) {
    at.push(end);
    end += Math.ceil(len / 16) * 16;
  }
  const yAt = end, codeAt = (yAt + Math.ceil(n / 16) * 16) * es;
  if (!reserveShared(p, codeAt + codeBytes(p, k))) return false;
  const heap = f64 ? new Float64Array(p.memory.buffer) : new Float32Array(p.memory.buffer);
  const { ctrl } = p, S = SLOTS;
  ctrl[S.F64] = f64 ? 1 : 0; ctrl[S.ARITY] = inputs.length; ctrl[S.Y] = yAt;
  ctrl[S.X] = at[0]!; ctrl[S.XS] = inputs[0]!.stride === 0 ? 0 : 1;
  if (inputs.length === 2) { ctrl[S.W] = at[1]!; ctrl[S.WS2] = inputs[1]!.stride === 0 ? 0 : 1; }
  // the calling thread does the first part in place; only the workers' part (from element e1) is copied in and out
  let e1 = 0;
  const call = kernel as unknown as (...a: unknown[]) => void;
  runKernelJob(p, k, codeAt, JOBS.MAP, n, 64, undefined, {
    stage(bounds) {
      e1 = bounds[1]!;
      inputs.forEach((o, i) => {
        const dst = at[i]!;
        if (o.stride === 0) heap[dst] = o.data[o.off]!;
        else copyRow(o.data, o.off + e1 * o.stride, o.stride, heap, dst + e1, n - e1);
      });
    },
    run(s, e) {
      const x = inputs[0]!, w = inputs[1];
      if (w === undefined) call(x.data, x.off + s * x.stride, x.stride, y, s, e - s);
      else call(x.data, x.off + s * x.stride, x.stride, w.data, w.off + s * w.stride, w.stride, y, s, e - s);
    },
  });
  y.set(heap.subarray(yAt + e1, yAt + n), e1);
  return true;
}
