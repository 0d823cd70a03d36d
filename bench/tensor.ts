// Tensor benchmarks (CPU backend): W3 (matmul 512x512, goal: at most 2x TensorFlow.js's WASM backend,
// ~7 ms on the reference machine, so <= 14 ms), the WebAssembly/JS gemm crossover, and 1M-element
// elementwise ops and reductions (goal: within 2x of a plain typed-array loop). Every workload has its
// reference measured alongside as its own line (name ending in `.ref`). The `.ref` loops allocate their
// output like a tensor op does (`out=fresh`); `out=reused` writes into one preallocated array, which shows
// what a fresh allocation costs on this machine.
import { add, matmul, rand, sum, exp, type Tensor } from '@propel-ts/tensor';
import { gemmJs, setWasmGemm } from '@propel-ts/tensor/internal/backends/cpu/gemm';
import { gemmWasm } from '@propel-ts/tensor/internal/backends/cpu/gemm-wasm';
import type { Report } from './harness';

type DT = 'float32' | 'float64';
const DTYPES: readonly DT[] = ['float32', 'float64'];
type Arr = Float32Array | Float64Array;
const alloc = (dtype: DT, n: number): Arr => (dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));
const data = (t: Tensor): Arr => t.toTypedArray();

/** C = A·B, i-j-p order: the textbook triple loop. */
function naiveMatmul(A: Arr, B: Arr, C: Arr, m: number, n: number, k: number): Arr {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A[i * k + p]! * B[p * n + j]!;
      C[i * n + j] = s;
    }
  }
  return C;
}

/** C = A·B, i-p-j order: the plain typed-array loop with a contiguous inner loop. */
function loopMatmul(A: Arr, B: Arr, C: Arr, m: number, n: number, k: number): Arr {
  C.fill(0);
  for (let i = 0; i < m; i++) {
    const c = i * n;
    for (let p = 0; p < k; p++) {
      const a = A[i * k + p]!, b = p * n;
      for (let j = 0; j < n; j++) C[c + j] = C[c + j]! + a * B[b + j]!;
    }
  }
  return C;
}

function benchMatmul(report: Report): void {
  const n = 512;
  for (const dtype of DTYPES) {
    const params = { dtype, m: n, n, k: n, device: 'cpu' };
    const a = rand([n, n], { dtype, seed: 1 }), b = rand([n, n], { dtype, seed: 2 });
    report.run('W3.matmul', { ...params, target_ms: 14 }, () => matmul(a, b), { warmup: 5, runs: 21 });
    const old = setWasmGemm(false);
    try {
      report.run('W3.matmul-js', params, () => matmul(a, b), { warmup: 2, runs: 7 });
    } finally {
      setWasmGemm(old);
    }
    const A = data(a), B = data(b);
    const naive = monomorphic(naiveMatmul), loop = monomorphic(loopMatmul);
    report.run('W3.ref.naive', params, () => naive(A, B, alloc(dtype, n * n), n, n, n), { warmup: 1, runs: 5 });
    report.run('W3.ref.loop', params, () => loop(A, B, alloc(dtype, n * n), n, n, n), { warmup: 1, runs: 5 });
  }
}

/** WebAssembly vs JS gemm on small square matrices: where WASM_MIN_WORK in gemm.ts comes from. */
function benchCrossover(report: Report): void {
  for (const dtype of DTYPES) {
    for (const s of [4, 8, 12, 16, 24, 32, 64]) {
      const A = data(rand([s, s], { dtype, seed: 3 })), B = data(rand([s, s], { dtype, seed: 4 })), C = alloc(dtype, s * s);
      const reps = Math.max(1, Math.floor(200000 / (s * s * s))); // time a batch of calls: one is too short
      report.run('gemm-crossover', { dtype, size: s, impl: 'wasm', calls: reps }, () => {
        for (let r = 0; r < reps; r++) gemmWasm(s, s, s, A, 0, s, 1, B, 0, s, 1, C, 0, s);
      }, { warmup: 20, runs: 15 });
      report.run('gemm-crossover', { dtype, size: s, impl: 'js', calls: reps }, () => {
        for (let r = 0; r < reps; r++) gemmJs(s, s, s, A, 0, s, B, 0, s, C, 0, s);
      }, { warmup: 20, runs: 15 });
    }
  }
}

/**
 * A fresh copy of `f`, compiled from its source: its own function literal, hence its own type feedback, so
 * each dtype's reference loop is monomorphic like a hand-written loop in user code (one literal called
 * with both Float32Array and Float64Array would be measured polymorphic). `f` must not capture variables.
 */
function monomorphic<F extends (...args: never[]) => unknown>(f: F): F {
  return new Function(`return (${f.toString()});`)() as F;
}

// The reference loops: plain typed-array code, one output element per iteration.
const REF = {
  exp: (x: Arr, o: Arr, size: number) => { for (let i = 0; i < size; i++) o[i] = Math.exp(x[i]!); return o; },
  add: (x: Arr, y: Arr, o: Arr, size: number) => { for (let i = 0; i < size; i++) o[i] = x[i]! + y[i]!; return o; },
  /** [N,N] + [1,N]: the row vector repeats down the rows. */
  addRow: (x: Arr, r: Arr, o: Arr, n: number) => {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) o[i * n + j] = x[i * n + j]! + r[j]!;
    return o;
  },
  /** [N,N] + [N,1]: one scalar per row. */
  addCol: (x: Arr, c: Arr, o: Arr, n: number) => {
    for (let i = 0; i < n; i++) { const v = c[i]!; for (let j = 0; j < n; j++) o[i * n + j] = x[i * n + j]! + v; }
    return o;
  },
  /** xᵀ + y for square [N,N]: a strided read. */
  addT: (x: Arr, y: Arr, o: Arr, n: number) => {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) o[i * n + j] = x[j * n + i]! + y[i * n + j]!;
    return o;
  },
  sumAll: (x: Arr, size: number) => { let s = 0; for (let i = 0; i < size; i++) s += x[i]!; return s; },
  /** Column sums of [N,N] (reduce axis 0), accumulated in float64 like the backend. */
  sumAxis0: (x: Arr, acc: Float64Array, n: number) => {
    acc.fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) acc[j] = acc[j]! + x[i * n + j]!;
    return acc;
  },
  /** Row sums of [N,N] (reduce axis 1). */
  sumAxis1: (x: Arr, o: Arr, n: number) => {
    for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < n; j++) s += x[i * n + j]!; o[i] = s; }
    return o;
  },
};

function benchElementwise(report: Report): void {
  const N = 1000, size = N * N;
  const opts = { warmup: 5, runs: 21 };
  for (const dtype of DTYPES) {
    const x = rand([N, N], { dtype, seed: 5 }), y = rand([N, N], { dtype, seed: 6 });
    const row = rand([1, N], { dtype, seed: 7 }), col = rand([N, 1], { dtype, seed: 8 });
    const X = data(x), Y = data(y), R = data(row), Cc = data(col);
    const ref = Object.fromEntries(Object.entries(REF).map(([k, f]) => [k, monomorphic(f)])) as typeof REF;
    const reused = alloc(dtype, size);
    const p = { dtype, n: size };
    // what one fresh output costs: allocation alone, and allocation plus first touch of every page
    report.run('E.alloc.ref', p, () => { const o = alloc(dtype, size); o[size - 1] = 1; return o; }, opts);
    report.run('E.alloc-touch.ref', p, () => alloc(dtype, size).fill(1), opts);

    report.run('E.exp', p, () => exp(x), opts);
    report.run('E.exp.ref', { ...p, out: 'fresh' }, () => ref.exp(X, alloc(dtype, size), size), opts);
    report.run('E.exp.ref', { ...p, out: 'reused' }, () => ref.exp(X, reused, size), opts);

    report.run('E.add', p, () => add(x, y), opts);
    report.run('E.add.ref', { ...p, out: 'fresh' }, () => ref.add(X, Y, alloc(dtype, size), size), opts);
    report.run('E.add.ref', { ...p, out: 'reused' }, () => ref.add(X, Y, reused, size), opts);

    report.run('E.add-bcast-row', p, () => add(x, row), opts);
    report.run('E.add-bcast-row.ref', { ...p, out: 'fresh' }, () => ref.addRow(X, R, alloc(dtype, size), N), opts);
    report.run('E.add-bcast-row.ref', { ...p, out: 'reused' }, () => ref.addRow(X, R, reused, N), opts);

    report.run('E.add-bcast-col', p, () => add(x, col), opts);
    report.run('E.add-bcast-col.ref', { ...p, out: 'fresh' }, () => ref.addCol(X, Cc, alloc(dtype, size), N), opts);
    report.run('E.add-bcast-col.ref', { ...p, out: 'reused' }, () => ref.addCol(X, Cc, reused, N), opts);

    const xt = x.transpose(0, 1);
    report.run('E.add-transposed', p, () => add(xt, y), opts);
    report.run('E.add-transposed.ref', { ...p, out: 'fresh' }, () => ref.addT(X, Y, alloc(dtype, size), N), opts);
    report.run('E.add-transposed.ref', { ...p, out: 'reused' }, () => ref.addT(X, Y, reused, N), opts);

    report.run('R.sum-all', p, () => sum(x), opts);
    report.run('R.sum-all.ref', p, () => ref.sumAll(X, size), opts);

    const acc = new Float64Array(N);
    report.run('R.sum-axis0', p, () => sum(x, { axis: 0 }), opts);
    report.run('R.sum-axis0.ref', p, () => ref.sumAxis0(X, acc, N), opts);

    report.run('R.sum-axis1', p, () => sum(x, { axis: 1 }), opts);
    report.run('R.sum-axis1.ref', p, () => ref.sumAxis1(X, alloc(dtype, N), N), opts);
  }
}

/** All tensor workloads, filtered by the report's --only prefixes. */
export async function runTensorBench(report: Report): Promise<void> {
  if (report.wants('W3')) benchMatmul(report);
  if (report.wants('gemm-crossover')) benchCrossover(report);
  if (report.wants('E') || report.wants('R')) benchElementwise(report);
}
