// Layer: tensor/backends/cpu. The reductions' inner loops over one strided row, as a typed table: adding a
// name to ReduceOp in backend.ts fails to compile until it is added here. Each loop is its own function
// literal so V8 specialises it (one shared loop calling `f(x)` through a table is several times slower), and
// an arrow that refers to nothing outside itself, so that its text is an expression the worker threads can
// compile (parallel-reduce.ts sends it inside its loop bodies).
// The elementwise ops' row loops are in their declarations (elementwise/). Imports only types.
import type { ReduceOp } from '../../backend';
import type { TypedArray } from '../../dtype';

type A = TypedArray;

/** A reduction: its identity, and two loops over one strided row into a float64 accumulator. */
export interface ReduceRow {
  readonly init: number;
  /** Fold the row into the single accumulator slot acc[ai]. */
  readonly fold: (x: A, xo: number, xs: number, acc: Float64Array, ai: number, n: number) => void;
  /** Combine the row elementwise into acc[ai + i] (the row's axis is kept). */
  readonly combine: (x: A, xo: number, xs: number, acc: Float64Array, ai: number, n: number) => void;
}

export const REDUCE_ROW = {
  sum: {
    init: 0,
    fold: (x, xo, xs, acc, ai, n) => {
      let s = 0;
      if (xs === 1) for (let i = xo, e = xo + n; i < e; i++) s += x[i]!;
      else for (let i = 0; i < n; i++) s += x[xo + i * xs]!;
      acc[ai] = acc[ai]! + s;
    },
    combine: (x, xo, xs, acc, ai, n) => {
      if (xs === 1) for (let i = 0; i < n; i++) acc[ai + i] = acc[ai + i]! + x[xo + i]!;
      else for (let i = 0; i < n; i++) acc[ai + i] = acc[ai + i]! + x[xo + i * xs]!;
    },
  },
  prod: {
    init: 1,
    fold: (x, xo, xs, acc, ai, n) => {
      let s = 1;
      if (xs === 1) for (let i = xo, e = xo + n; i < e; i++) s *= x[i]!;
      else for (let i = 0; i < n; i++) s *= x[xo + i * xs]!;
      acc[ai] = acc[ai]! * s;
    },
    combine: (x, xo, xs, acc, ai, n) => {
      if (xs === 1) for (let i = 0; i < n; i++) acc[ai + i] = acc[ai + i]! * x[xo + i]!;
      else for (let i = 0; i < n; i++) acc[ai + i] = acc[ai + i]! * x[xo + i * xs]!;
    },
  },
  // NaN propagates: a NaN slot stays NaN (no v beats it), and a NaN element ends a fold
  max: {
    init: -Infinity,
    fold: (x, xo, xs, acc, ai, n) => {
      let m = acc[ai]!;
      for (let i = 0; i < n; i++) { const v = x[xo + i * xs]!; if (v > m) m = v; else if (v !== v) { m = v; break; } }
      acc[ai] = m;
    },
    combine: (x, xo, xs, acc, ai, n) => {
      for (let i = 0; i < n; i++) { const v = x[xo + i * xs]!, m = acc[ai + i]!; if (v > m || v !== v) acc[ai + i] = v; }
    },
  },
  min: {
    init: Infinity,
    fold: (x, xo, xs, acc, ai, n) => {
      let m = acc[ai]!;
      for (let i = 0; i < n; i++) { const v = x[xo + i * xs]!; if (v < m) m = v; else if (v !== v) { m = v; break; } }
      acc[ai] = m;
    },
    combine: (x, xo, xs, acc, ai, n) => {
      for (let i = 0; i < n; i++) { const v = x[xo + i * xs]!, m = acc[ai + i]!; if (v < m || v !== v) acc[ai + i] = v; }
    },
  },
} satisfies { [K in ReduceOp]: ReduceRow };
