// Test helper for the gradient checkers' own tests: parse the documented failure message, catch the
// GradcheckError of a check that must fail, and redraw the seeded upstream gradient the checkers use.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import { GradcheckError } from '@propel-ts/autograd';

/** What a gradcheck / checkGradient mismatch message says, parsed. */
export interface Parsed { input: number; name?: string; index: number[]; analytic: number; numeric: number; diff: number; tol: number; fails: number; total: number; seed: number }

/** Parse "…: input I 'name' mismatch at [i,j]: analytic A, numeric N\n  |diff| D > atol + rtol*|numeric| = T (F of N elements fail; seed S)". */
export function parse(message: string): Parsed {
  const m = /input (\d+)(?: '([^']*)')? mismatch at \[([\d,]*)\]: analytic (\S+), numeric (\S+)\n\s+\|diff\| (\S+) > atol \+ rtol\*\|numeric\| = (\S+) \((\d+) of (\d+) elements fail; seed (\d+)\)/.exec(message);
  if (!m) throw new Error(`gradcheck message not in the documented format:\n${message}`);
  return {
    input: Number(m[1]), name: m[2], index: m[3] === '' ? [] : m[3]!.split(',').map(Number),
    analytic: Number(m[4]), numeric: Number(m[5]), diff: Number(m[6]), tol: Number(m[7]),
    fails: Number(m[8]), total: Number(m[9]), seed: Number(m[10]),
  };
}

/** The GradcheckError `f` throws; fails the test when it passes or throws something else. */
export function failure(f: () => unknown): GradcheckError {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(GradcheckError);
    return e as GradcheckError;
  }
  throw new Error('expected the gradient check to fail, but it passed');
}

/** The upstream gradient the checkers draw: `size` standard normals from Generator(seed). */
export function upstream(size: number, seed = 0): number[] {
  const g = new T.Generator(seed);
  return Array.from({ length: size }, () => g.normal());
}

/** The error (of any kind) `f` throws. */
export function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}
