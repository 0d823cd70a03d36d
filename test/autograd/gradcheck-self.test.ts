// Self-test of gradcheck: it must FAIL, loudly and precisely, on deliberately wrong backwards made with
// defineOp (a missing `* dy`, a wrong factor, gradients returned in swapped order, a backward that is
// wrong on only some elements, a backward that is right once but not differentiable), in element mode
// and in fast mode; and pass on the corrected versions.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { GradcheckError, type Variable } from '@propel-ts/autograd';

const f64 = { dtype: 'float64' } as const;

/** x² with a configurable backward. */
function square(backward: (dy: Variable, x: Variable) => Variable) {
  const op = A.defineOp({
    name: 'mySquare',
    forward: ([x]) => ({ out: T.square(x!) }),
    backward: (dy, { inputs: [x] }) => [backward(dy, x!)],
  });
  return (x: Variable) => op([x], undefined);
}

/** a·b² with a configurable backward returning [da, db]. */
function mulSq(backward: (dy: Variable, a: Variable, b: Variable) => [Variable, Variable]) {
  const op = A.defineOp({
    name: 'mulSq',
    forward: ([a, b]) => ({ out: T.mul(a!, T.square(b!)) }),
    backward: (dy, { inputs: [a, b] }) => backward(dy, a!, b!),
  });
  return (a: Variable, b: Variable) => op([a, b], undefined);
}

/** What gradcheck's error says, parsed. */
interface Parsed { input: number; name?: string; index: number[]; analytic: number; numeric: number; diff: number; tol: number; fails: number; total: number; seed: number }

function parse(message: string): Parsed {
  const m = /input (\d+)(?: '([^']*)')? mismatch at \[([\d,]*)\]: analytic (\S+), numeric (\S+)\n\s+\|diff\| (\S+) > atol \+ rtol\*\|numeric\| = (\S+) \((\d+) of (\d+) elements fail; seed (\d+)\)/.exec(message);
  if (!m) throw new Error(`gradcheck message not in the documented format:\n${message}`);
  return {
    input: Number(m[1]), name: m[2], index: m[3] === '' ? [] : m[3]!.split(',').map(Number),
    analytic: Number(m[4]), numeric: Number(m[5]), diff: Number(m[6]), tol: Number(m[7]),
    fails: Number(m[8]), total: Number(m[9]), seed: Number(m[10]),
  };
}

function failure(f: () => unknown): GradcheckError {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(GradcheckError);
    return e as GradcheckError;
  }
  throw new Error('expected gradcheck to fail, but it passed');
}

/** The upstream gradient gradcheck draws: `size` standard normals from Generator(seed). */
function upstream(size: number, seed = 0): number[] {
  const g = new T.Generator(seed);
  return Array.from({ length: size }, () => g.normal());
}

const X: Tensor = T.tensor([[0.5, -1.5, 2], [1.25, -0.75, 0.9]], f64);
const B: Tensor = T.tensor([[0.8, -1.1, 1.7], [0.6, 1.3, -0.4]], f64);

describe('gradcheck self-test: it fails on wrong backwards', () => {
  it('passes on the correct backwards (control)', () => {
    A.gradcheck(square((dy, x) => A.mul(dy, A.mul(x, 2))), [X]);
    A.gradcheck(mulSq((dy, a, b) => [A.mul(dy, A.square(b)), A.mul(dy, A.mul(A.mul(a, b), 2))]), [X, B]);
    A.gradcheck(square((dy, x) => A.mul(dy, A.mul(x, 2))), [X], { fast: true });
    A.gradgradcheck(square((dy, x) => A.mul(dy, A.mul(x, 2))), [X]);
  });

  it('missing dy: caught by the random upstream gradient, even for a scalar output', () => {
    const wrong = square((_dy, x) => A.mul(x, 2)); // forgot "* dy"
    const e = parse(failure(() => A.gradcheck(wrong, [X], { names: ['x'] })).message);
    expect(e.input).to.equal(0);
    expect(e.name).to.equal('x');
    expect(e.total).to.equal(6);
    // analytic is 2x, numeric is 2x·v (v the upstream gradient): check the reported pair is one element's
    const v = upstream(6);
    const k = e.index[0]! * 3 + e.index[1]!;
    const x = X.toTypedArray()[k]!;
    expect(e.analytic).to.be.closeTo(2 * x, 1e-4 * Math.abs(2 * x));
    expect(e.numeric).to.be.closeTo(2 * x * v[k]!, 1e-4 * Math.abs(2 * x * v[k]!) + 1e-6);
    // the count: every element where |2x - 2xv| exceeds the threshold
    const failing = Array.from(X.toTypedArray()).filter((xi, i) => Math.abs(2 * xi - 2 * xi * v[i]!) > 1e-5 + 1e-3 * Math.abs(2 * xi * v[i]!)).length;
    expect(e.fails).to.equal(failing);
    // a scalar output: the upstream gradient is a random number, not 1, so the missing dy still shows
    const sumSq = (xv: Variable) => A.sum(wrong(xv));
    failure(() => A.gradcheck(sumSq, [X]));
  });

  it('wrong factor: 3x instead of 2x, every element fails, the worst is reported', () => {
    const wrong = square((dy, x) => A.mul(dy, A.mul(x, 3)));
    const err = failure(() => A.gradcheck(wrong, [X], { names: ['x'], name: 'mySquare' }));
    expect(err.message).to.match(/^gradcheck\(mySquare\): input 0 'x' mismatch at \[/);
    const e = parse(err.message);
    expect(e.fails).to.equal(6);
    expect(e.total).to.equal(6);
    expect(e.seed).to.equal(0);
    // analytic 3xv vs numeric 2xv: |diff| = |x v|, worst where |x v| is largest
    const v = upstream(6);
    const xs = Array.from(X.toTypedArray());
    const diffs = xs.map((x, i) => Math.abs(x * v[i]!));
    const worst = diffs.indexOf(Math.max(...diffs));
    expect(e.index).to.deep.equal([Math.floor(worst / 3), worst % 3]);
    // printed to 5 significant digits
    expect(e.analytic).to.be.closeTo(3 * xs[worst]! * v[worst]!, 1e-4 * Math.abs(3 * xs[worst]! * v[worst]!));
    expect(e.numeric).to.be.closeTo(2 * xs[worst]! * v[worst]!, 1e-4 * Math.abs(2 * xs[worst]! * v[worst]!));
    expect(e.diff).to.be.closeTo(diffs[worst]!, 0.05 * diffs[worst]!);
    // the threshold printed is atol + rtol·|numeric| with the defaults
    expect(e.tol).to.be.closeTo(1e-5 + 1e-3 * Math.abs(2 * xs[worst]! * v[worst]!), 0.05 * e.tol);
  });

  it('the threshold follows atol and rtol (a tiny error passes a loose check, fails a tight one)', () => {
    const slightly = square((dy, x) => A.mul(dy, A.mul(x, 2 * (1 + 1e-4))));
    A.gradcheck(slightly, [X]); // relative error 1e-4 < rtol 1e-3
    const e = parse(failure(() => A.gradcheck(slightly, [X], { rtol: 1e-6, atol: 1e-9 })).message);
    expect(e.tol).to.be.closeTo(1e-9 + 1e-6 * Math.abs(e.numeric), 0.05 * e.tol);
    expect(e.fails).to.equal(6);
  });

  it('wrong on some elements only: the count says how many', () => {
    // right where x < 0, doubled where x > 0 (X has 4 positive entries)
    const wrong = square((dy, x) => A.mul(dy, A.mul(x, A.add(2, A.mul(T.gt(x.value, 0), 2)))));
    const e = parse(failure(() => A.gradcheck(wrong, [X])).message);
    expect(e.fails).to.equal(4);
    expect(e.total).to.equal(6);
    const positive = X.toTypedArray()[e.index[0]! * 3 + e.index[1]!]!;
    expect(positive).to.be.greaterThan(0);
  });

  it('swapped inputs: a·b² returning [db, da] is caught and input 0 is named', () => {
    const swapped = mulSq((dy, a, b) => [A.mul(dy, A.mul(A.mul(a, b), 2)), A.mul(dy, A.square(b))]);
    const err = failure(() => A.gradcheck(swapped, [X, B], { names: ['a', 'b'] }));
    const e = parse(err.message);
    expect(e.input).to.equal(0);
    expect(e.name).to.equal('a');
    expect(err.message).to.contain("input 0 'a' mismatch");
  });

  it('a wrong gradient for the second input names input 1 and its name', () => {
    const wrongB = mulSq((dy, a, b) => [A.mul(dy, A.square(b)), A.mul(dy, A.mul(a, b))]); // forgot the 2
    const err = failure(() => A.gradcheck(wrongB, [X, B], { names: ['a', 'b'] }));
    expect(err.message).to.contain("input 1 'b' mismatch at [");
    expect(parse(err.message).fails).to.equal(6);
    // without names the input is still identified by its index
    const plain = failure(() => A.gradcheck(wrongB, [X, B]));
    expect(plain.message).to.match(/input 1 mismatch at \[/);
  });

  it('the seed is reported', () => {
    const wrong = square((_dy, x) => A.mul(x, 2));
    expect(parse(failure(() => A.gradcheck(wrong, [X], { seed: 7 })).message).seed).to.equal(7);
  });

  it('fast mode catches all three too', () => {
    const cases: [string, (...xs: Variable[]) => Variable, Tensor[]][] = [
      ['missing dy', square((_dy, x) => A.mul(x, 2)), [X]],
      ['wrong factor', square((dy, x) => A.mul(dy, A.mul(x, 3))), [X]],
      ['swapped inputs', mulSq((dy, a, b) => [A.mul(dy, A.mul(A.mul(a, b), 2)), A.mul(dy, A.square(b))]), [X, B]],
    ];
    for (const [what, fn, inputs] of cases) {
      for (const seed of [0, 1, 2]) {
        const err = failure(() => A.gradcheck(fn, inputs, { fast: true, seed }));
        expect(err.message, what).to.match(/directional derivative mismatch: analytic \S+, numeric \S+\n\s+\|diff\| \S+ > atol \+ rtol\*\|numeric\| = \S+ \(fast mode; seed \d\)/);
      }
    }
  });

  it('gradgradcheck catches a backward that is right once but not differentiable (uses x as a constant)', () => {
    const frozen = square((dy, x) => A.mul(dy, T.mul(x.value, 2))); // x.value: no second-order path through x
    A.gradcheck(frozen, [X]);
    const err = failure(() => A.gradgradcheck(frozen, [X], { names: ['x'] }));
    expect(err.message).to.match(/^gradcheck\(grad of fn\): input 0 'x' mismatch/);
  });

  it('gradcheck works on non-float64 outputs and inputs (checks in float64, reports in the input shape)', () => {
    const x32 = T.tensor([[0.5, -1.5], [2, 1.25]]);
    expect(x32.dtype).to.equal('float32');
    A.gradcheck((x) => A.mul(x, x), [x32]);
    // fn returning float32: the upstream gradient must follow the output's dtype
    A.gradcheck((x) => A.mul(A.astype(x, 'float32'), 2), [x32], { eps: 1e-2, atol: 1e-3 });
  });
});
