// Test helper (not a test file): the PROPEL reference fixture (test/fixtures/propel/reference-seed15.json,
// copied from ../shared/fixtures/propel with its meta block) and the comparison the PROPEL tests share.
import { expect } from 'chai';
import { readFileSync } from 'fs';
import { join } from 'path';

/** One reference case: inputs, paper-mode and torchpropel-mode values (see the file's meta block). */
export interface FixtureCase {
  name: string;
  B: number;
  I: number;
  n: number;
  sigma: number;
  reduction: 'mean' | 'sum' | 'none';
  output: number[];
  target: number[];
  loss_per_sample: number[];
  log10_T1: number[];
  log10_T2: number[];
  direct_loss_per_sample: (number | 'inf')[];
  grad_output: number[];
  compat_loss_per_sample: number[];
  compat_grad_output: number[];
}

export const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/propel/reference-seed15.json'), 'utf8')) as {
  meta: Record<string, unknown>;
  cases: FixtureCase[];
};

/** Fail unless |got - want| <= rtol·|want| + atol everywhere, naming the worst element (NaN always fails). */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  expect(got.length, `${what}: length`).to.equal(want.length);
  let worst = -Infinity;
  let worstAt = -1;
  for (let k = 0; k < want.length; k++) {
    const excess = Math.abs(got[k]! - want[k]!) - (rtol * Math.abs(want[k]!) + atol);
    if (!(excess <= worst)) { worst = excess; worstAt = k; }
    if (Number.isNaN(got[k]!)) { worst = Infinity; worstAt = k; break; }
  }
  if (worst > 0) {
    expect.fail(`${what}: element ${worstAt} got ${got[worstAt]}, want ${want[worstAt]} (|diff| ${Math.abs(got[worstAt]! - want[worstAt]!).toExponential(2)} > ${rtol}·|want| + ${atol.toExponential(1)})`);
  }
}

/** max |a_k|. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k]!));
  return m;
}
