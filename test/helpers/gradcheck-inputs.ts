// Inputs for gradient-check cases (test/autograd/gradcheck-suite.test.ts and the case files in
// test/autograd/gradcheck-cases/): float64 tensors with a fresh seed per call, ranges that avoid kinks,
// and non-contiguous views. Also the Case type every case file exports.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import type { GradcheckOptions, Variable } from '@propel-ts/autograd';

/** One gradient-check case. */
export interface Case {
  /** The exported op under test (must appear in `fn`'s source). */
  op: string;
  /** What this case varies. */
  what: string;
  fn: (...xs: Variable[]) => Variable;
  /** When `fn` is the exported op itself (cases derived from a table): the suite checks it is. */
  calls?: (...xs: Variable[]) => Variable;
  inputs: Tensor[];
  options?: GradcheckOptions;
}

/**
 * What a file in test/autograd/gradcheck-cases/ exports: its first-order cases, its second-order
 * (gradgradcheck) cases, and the exports it adds that are not differentiable ops (with why, in a comment).
 */
export interface CaseFile {
  cases: Case[];
  secondOrder?: Case[];
  notOps?: string[];
}

let nextSeed = 1;
export const f64 = { dtype: 'float64' } as const;

/** Uniform in [lo, hi), float64, a fresh seed per call (so every case gets its own numbers). */
export function u(shape: readonly number[], lo = -1, hi = 1): Tensor {
  const g = new T.Generator(nextSeed++);
  return T.tensor(Float64Array.from({ length: shapeSize(shape) }, () => lo + (hi - lo) * g.uniform()), { shape });
}

/** Magnitudes in [lo, hi) with random signs: away from the kink at 0 (abs, relu, sign, clamp). */
export function awayFromZero(shape: readonly number[], lo = 0.2, hi = 1.5): Tensor {
  const g = new T.Generator(nextSeed++);
  return T.tensor(Float64Array.from({ length: shapeSize(shape) }, () => (g.uniform() < 0.5 ? -1 : 1) * (lo + (hi - lo) * g.uniform())), { shape });
}

/** A random permutation of evenly spaced values 0.1 apart: no ties anywhere (max/min/maximum). */
export function distinct(shape: readonly number[]): Tensor {
  const g = new T.Generator(nextSeed++);
  const n = shapeSize(shape);
  const vals = Array.from({ length: n }, (_, i) => -0.5 * n * 0.1 + 0.1 * i + 0.01);
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(i + 1);
    [vals[i], vals[j]] = [vals[j]!, vals[i]!];
  }
  return T.tensor(Float64Array.from(vals), { shape });
}

/** `a` moved by ±[0.1, 0.5) elementwise: a partner for maximum/minimum with no near-ties. */
export function partner(a: Tensor): Tensor {
  const g = new T.Generator(nextSeed++);
  const src = a.toTypedArray();
  return T.tensor(Float64Array.from(src, (x) => x + (g.uniform() < 0.5 ? -1 : 1) * (0.1 + 0.4 * g.uniform())), { shape: a.shape });
}

/** Integer index tensor (float64, as the tensor package stores indices) with entries in [0, n). */
export function indices(shape: readonly number[], n: number): Tensor {
  const g = new T.Generator(nextSeed++);
  return T.tensor(Float64Array.from({ length: shapeSize(shape) }, () => g.int(n)), { shape });
}

export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A 0/1 condition tensor. */
export function mask(shape: readonly number[]): Tensor {
  const g = new T.Generator(nextSeed++);
  return T.tensor(Float64Array.from({ length: shapeSize(shape) }, () => (g.uniform() < 0.5 ? 0 : 1)), { shape });
}

/** A non-contiguous tensor: the transpose of a contiguous [n, m] one (so shape [m, n]). */
export function transposed(t: Tensor): Tensor {
  const p = t.transpose(0, 1);
  expect(p.isContiguous(), 'transposed() must give a non-contiguous tensor').to.equal(false);
  return p;
}

/** A non-contiguous tensor: every other row of a [2n, ...] tensor. */
export function everyOtherRow(t: Tensor): Tensor {
  const s = t.slice(0, 0, undefined, 2);
  expect(s.isContiguous(), 'everyOtherRow() must give a non-contiguous tensor').to.equal(false);
  return s;
}

/** Uniform in [0.5, 2): positive, away from 0. */
export const pos = (shape: readonly number[]) => u(shape, 0.5, 2);
