// The chai plugin '@propel-ts/autograd/chai': `expect(f).to.haveGradient(grad).at(x)` and
// `expect(op).to.passGradcheck(inputs)` pass on correct gradients (hand-derived), fail on wrong ones with
// an AssertionError whose message is exactly the message checkGradient / gradcheck throw, honour `.not`
// and the options, and the failure output shown in docs/gradcheck.md is the real one. The plugin is also
// used here on some of the package's own ops (dogfooding).
import * as chai from 'chai';
import { readFileSync } from 'fs';
import { join } from 'path';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import type { Variable } from '@propel-ts/autograd';
import { propelChai } from '@propel-ts/autograd/chai';
import { thrown } from '../helpers/gradcheck';

chai.use(propelChai);
const { expect, AssertionError } = chai;
const f64 = { dtype: 'float64' } as const;

// f(x) = Σ xᵢ³, ∇f = 3x²
const cube = (x: number[]) => x.reduce((s, v) => s + v ** 3, 0);
const right = (x: number[]) => x.map((v) => 3 * v * v);
const wrong = (x: number[]) => x.map((v) => v * v); // forgot the 3

/** x² as an op made by defineOp, with a configurable factor in its backward (2 is right). */
const squareOp = (factor: number) => A.defineOp({
  name: 'mySquare',
  forward: ([x]) => ({ out: T.square(x!) }),
  backward: (dy: Variable, { inputs: [x] }) => [A.mul(dy, A.mul(x!, factor))],
});
const X = T.tensor([[0.5, -1.5, 2], [1.25, -0.75, 0.9]], f64);

/** The AssertionError `f` throws. */
function assertionFailure(f: () => unknown): Error {
  const e = thrown(f);
  expect(e).to.be.instanceOf(AssertionError);
  return e;
}

describe('chai plugin: haveGradient / passGradcheck', () => {
  it('haveGradient(grad).at(x) passes on a correct gradient and can be chained on', () => {
    expect(cube).to.haveGradient(right).at([0.5, -1, 2]);
    expect(cube).to.haveGradient(right).at([0.5, -1, 2]).and.to.be.a('function');
    // a vector output with its vjp, several inputs as a record
    const mv = (x: Float64Array) => [2 * x[0]! + x[1]!, -x[1]!];
    expect(mv).to.haveGradient((_x: Float64Array, dy: number[]) => [2 * dy[0]!, dy[0]! - dy[1]!]).at(new Float64Array([1, 2]));
    expect((p: { a: number; b: number[] }) => p.a * p.b[0]!).to.haveGradient((p: { a: number; b: number[] }) => ({ a: p.b[0]!, b: [p.a] })).at({ a: 2, b: [3] });
  });

  it('a wrong gradient fails with exactly the checkGradient message', () => {
    const expected = thrown(() => A.checkGradient(cube, wrong, [0.5, -1, 2])).message;
    expect(expected).to.match(/^checkGradient\(cube\): input 0 mismatch at \[2\]: analytic 4\.0000, numeric 12\.000\n/);
    expect(assertionFailure(() => expect(cube).to.haveGradient(wrong).at([0.5, -1, 2])).message).to.equal(expected);
    // a transposed vjp
    const mv = (x: Float64Array) => [2 * x[0]! + x[1]!, -x[1]!];
    const transposed = (_x: Float64Array, dy: number[]) => [2 * dy[0]!, -dy[1]!]; // uses J, not Jᵀ
    const message = thrown(() => A.checkGradient(mv, transposed, new Float64Array([1, 2]))).message;
    expect(assertionFailure(() => expect(mv).to.haveGradient(transposed).at(new Float64Array([1, 2]))).message).to.equal(message);
  });

  it('.not inverts it: a wrong gradient satisfies .not, a right one fails it with the measured error', () => {
    expect(cube).not.to.haveGradient(wrong).at([0.5, -1, 2]);
    const e = assertionFailure(() => expect(cube).not.to.haveGradient(right).at([0.5, -1, 2]));
    expect(e.message).to.match(/^expected the gradient check to fail, but it passed \(3 compared, max \|diff\| \S+\)$/);
  });

  it('options go to the check (in haveGradient or in at); wrong options throw, they are not ignored', () => {
    const slightly = (x: number[]) => x.map((v) => 3 * v * v * (1 + 1e-2));
    assertionFailure(() => expect(cube).to.haveGradient(slightly).at([0.5, -1, 2]));
    expect(cube).to.haveGradient(slightly, { rtol: 0.05 }).at([0.5, -1, 2]);
    expect(cube).to.haveGradient(slightly).at([0.5, -1, 2], { rtol: 0.05 });
    expect(thrown(() => expect(cube).to.haveGradient(right).at([1], { tol: 1 } as never)).message).to.match(/^checkGradient: unknown option 'tol' \(did you mean 'atol'\?\)/);
    expect(thrown(() => expect(cube).to.haveGradient(right).at([1], 5 as never)).message).to.equal('at: options got 5, expected an options object');
    expect(thrown(() => expect(X).to.passGradcheck([X], 'fast' as never)).message).to.equal('passGradcheck: options got "fast", expected an options object');
  });

  it('passGradcheck(inputs) on an op made by defineOp: passes when right, fails with the gradcheck message', () => {
    expect(squareOp(2)).to.passGradcheck([X]);
    const expected = thrown(() => A.gradcheck(squareOp(3), [X], { names: ['x'] })).message;
    expect(expected).to.match(/^gradcheck\(mySquare\): input 0 'x' mismatch at \[/);
    expect(assertionFailure(() => expect(squareOp(3)).to.passGradcheck([X], { names: ['x'] })).message).to.equal(expected);
    expect(squareOp(3)).not.to.passGradcheck([X]);
  });

  it('passGradcheck on functions of Variables: the package\'s own ops (dogfooding), including at a kink', () => {
    expect((x: Variable) => A.softplus(x)).to.passGradcheck([X]);
    expect((a: Variable, b: Variable) => A.matmul(a, A.transpose(b))).to.passGradcheck([X, T.tensor([[0.1, 0.2, 0.3]], f64)]);
    expect((x: Variable) => A.logsumexp(x, 1)).to.passGradcheck([X], { fast: true });
    const atZero = T.tensor([0, 1, -2], f64);
    const e = assertionFailure(() => expect((x: Variable) => A.abs(A.relu(x))).to.passGradcheck([atZero]));
    expect(e.message).to.match(/^gradcheck\(fn\): input 0 at \[0\] is within eps = 1e-6 of a kink/);
    expect((x: Variable) => A.abs(A.relu(x))).to.passGradcheck([atZero], { nondifferentiableAt: [0] });
  });

  it('the failure output shown in docs/gradcheck.md is the real one', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'gradcheck.md'), 'utf8');
    // the documented snippet is this assertion; the ```text block after the marker is its output
    expect(doc).to.contain('expect(cube).to.haveGradient(wrong).at([0.5, -1, 2]);');
    expect(doc).to.contain('const wrong = (x: number[]) => x.map((v) => v * v);');
    const shown = /<!-- chai failure output -->\s*```text\n([\s\S]*?)\n```/.exec(doc);
    expect(shown, 'docs/gradcheck.md shows the chai failure output after <!-- chai failure output -->').to.not.equal(null);
    expect(shown![1]).to.equal(assertionFailure(() => expect(cube).to.haveGradient(wrong).at([0.5, -1, 2])).message);
  });
});

describe('chai plugin: haveGradient without .at', () => {
  const cube = (x: number[]) => x.reduce((s, v) => s + v ** 3, 0);
  /** The callbacks haveGradient queues (run by hand here, instead of failing this test from a microtask). */
  const queued = (f: () => void): (() => void)[] => {
    const original = globalThis.queueMicrotask;
    const calls: (() => void)[] = [];
    globalThis.queueMicrotask = (cb) => { calls.push(cb); };
    try {
      f();
    } finally {
      globalThis.queueMicrotask = original;
    }
    return calls;
  };

  it('throws right after the test step that forgot .at, naming the gradient', () => {
    const wrong = (x: number[]) => x.map(() => 0);
    const calls = queued(() => chai.expect(cube).to.haveGradient(wrong));
    expect(calls.length).to.equal(1);
    expect(thrown(calls[0]!).message).to.equal('haveGradient: haveGradient(wrong) was never given a point, expected .haveGradient(grad).at(x): without .at nothing is checked');
  });

  it('is silent when .at follows', () => {
    const calls = queued(() => chai.expect(cube).to.haveGradient((x: number[]) => x.map((v) => 3 * v * v)).at([1, 2]));
    calls.forEach((cb) => cb());
  });
});
