// Layer: tensor/backends/cpu. Buffer reuse for CPU results. Fresh large typed arrays are expensive here
// (zeroing and page faults cost more than the arithmetic of an elementwise op), but a buffer can only be
// reused when nothing can still see it. `recycleScope` gives that guarantee for one well-defined region:
// it tracks the storages the CPU backend creates while `fn` runs and, when `fn` returns, hands back to a
// pool every one that the caller does not keep. Autograd's backward runs inside it (only the leaves'
// gradients are kept), so a training loop's gradient temporaries are reused step after step. A recycled
// storage throws on any later access (storage.ts), so a mistake is loud, never a wrong number.
// Imports dtype.ts, storage.ts and types.
import { allocTyped, type DType, type TypedArray } from '../../dtype';
import { CpuStorage } from '../../storage';
import type { Tensor } from '../../tensor';

/** Buffers smaller than this are cheap to allocate and are never pooled. */
const MIN_POOLED = 1024;
/** At most this many bytes wait in the pool; the rest are left to the garbage collector. */
const MAX_POOLED_BYTES = 256 * 2 ** 20;

const free = new Map<string, TypedArray[]>();
let pooledBytes = 0;
let tracked: CpuStorage[] | null = null;

const key = (dtype: DType, length: number) => `${dtype}:${length}`;

/** A typed array for a new result: a pooled one (stale contents!) when `zero` is false, else zero-filled. */
export function takeArray(dtype: DType, length: number, zero: boolean): TypedArray {
  if (length >= MIN_POOLED) {
    const list = free.get(key(dtype, length));
    const data = list?.pop();
    if (data) {
      pooledBytes -= data.byteLength;
      if (zero) data.fill(0);
      return data;
    }
  }
  return allocTyped(dtype, length);
}

/** A storage for a new CPU result; tracked when a recycle scope is open. */
export function newStorage(data: TypedArray): CpuStorage {
  const s = new CpuStorage(data);
  if (tracked !== null && data.length >= MIN_POOLED) tracked.push(s);
  return s;
}

/**
 * Run `fn`; afterwards every CPU storage created while it ran, except those behind the tensors
 * `keep(result)` returns, goes back to the pool for later results. Tensors created inside `fn` that are
 * not kept must not be used afterwards (they throw if they are). Nested scopes join the outer one. On an
 * exception nothing is recycled.
 *
 * ```ts
 * const g = recycleScope(() => mul(square(x), 2), (r) => [r]);   // square's result is reused later
 * ```
 */
export function recycleScope<R>(fn: () => R, keep: (result: R) => Iterable<Tensor>): R {
  if (tracked !== null) return fn();
  tracked = [];
  let created: CpuStorage[];
  let result: R;
  try {
    result = fn();
  } finally {
    created = tracked;
    tracked = null;
  }
  const kept = new Set<unknown>();
  for (const t of keep(result)) kept.add(t.storage);
  for (const s of created) {
    if (kept.has(s)) continue;
    const data = s.recycle();
    if (pooledBytes + data.byteLength > MAX_POOLED_BYTES) continue;
    const k = key(data instanceof Float64Array ? 'float64' : 'float32', data.length);
    let list = free.get(k);
    if (!list) free.set(k, (list = []));
    list.push(data);
    pooledBytes += data.byteLength;
  }
  return result;
}

/** Bytes waiting in the pool (for tests and benchmarks). */
export function pooledBufferBytes(): number {
  return pooledBytes;
}
