// Self-test of gradcheck: it must FAIL, loudly and precisely, on deliberately wrong backwards made with
// defineOp (a missing `* dy`, a wrong factor, gradients returned in swapped order, a backward that is
// wrong on only some elements, a backward that is right once but not differentiable), in element mode
// and in fast mode; and pass on the corrected versions.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import type { Variable } from '@propel-ts/autograd';
import { failure, parse, thrown, upstream } from '../helpers/gradcheck';

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

// ---- gradcheck(op) on an op made by defineOp ------------------------------------------------------------

/** a·b² as an op, with a configurable backward (it may return anything: the checks are about that). */
function mulSqOp(backward: (dy: Variable, a: Variable, b: Variable) => unknown, onceDifferentiable = false) {
  return A.defineOp({
    name: 'mulSq',
    onceDifferentiable,
    forward: ([a, b]) => ({ out: T.mul(a!, T.square(b!)) }),
    backward: (dy, { inputs: [a, b] }) => backward(dy, a!, b!) as Variable[],
  });
}
const rightMulSq = (dy: Variable, a: Variable, b: Variable) => [A.mul(dy, A.square(b)), A.mul(dy, A.mul(A.mul(a, b), 2))];

/** y = M x for a fixed 3×3 M (not symmetric), as an op whose backward multiplies dy by `back`. */
const M = [[1, 2, 3], [-4, 5, 0.5], [7, -8, 10]];
function matvecOp(back: number[][]) {
  const m = T.tensor(M, f64);
  const b = T.tensor(back, f64);
  return A.defineOp({
    name: 'matvec',
    forward: ([x]) => ({ out: T.matmul(m, x!) }),
    backward: (dy) => [A.matmul(b, dy)], // right: Mᵀ dy
  });
}
const MT = M[0]!.map((_, j) => M.map((row) => row[j]!));

describe('gradcheck(op): an op made by defineOp, checked without writing a test', () => {
  it('a correct op passes first and second order (every element of each input, once per order)', () => {
    const report = A.gradcheck(mulSqOp(rightMulSq), [X, B]);
    expect(report.passed).to.equal(true);
    expect(report.checked).to.equal(2 * (6 + 6));
    A.gradgradcheck(mulSqOp(rightMulSq), [X, B]); // gradgradcheck takes the op too
  });

  it('a wrong factor fails with the message gradcheck gives the same op called from a function (the op is named)', () => {
    const wrong = mulSqOp((dy, a, b) => [A.mul(dy, A.mul(A.square(b), 3)), A.mul(dy, A.mul(A.mul(a, b), 2))]);
    const viaOp = failure(() => A.gradcheck(wrong, [X, B], { names: ['a', 'b'] })).message;
    const viaFn = failure(() => A.gradcheck((a, b) => wrong([a, b], undefined), [X, B], { names: ['a', 'b'], name: 'mulSq' })).message;
    expect(viaOp).to.equal(viaFn);
    const e = parse(viaOp);
    expect(viaOp).to.match(/^gradcheck\(mulSq\): input 0 'a' mismatch/);
    // analytic 3·b²·v against numeric b²·v, at the element of largest |2 b² v|
    const v = upstream(6);
    const b = Array.from(B.toTypedArray());
    const k = e.index[0]! * 3 + e.index[1]!;
    const diffs = b.map((bi, i) => Math.abs(2 * bi * bi * v[i]!));
    expect(k).to.equal(diffs.indexOf(Math.max(...diffs)));
    expect(e.analytic).to.be.closeTo(3 * b[k]! ** 2 * v[k]!, 1e-4 * Math.abs(3 * b[k]! ** 2 * v[k]!));
    expect(e.numeric).to.be.closeTo(b[k]! ** 2 * v[k]!, 1e-4 * Math.abs(b[k]! ** 2 * v[k]!));
    expect(e.fails).to.equal(6);
  });

  it('a transposed Jacobian (M dy instead of Mᵀ dy) fails; the numbers are (M v)_k and (Mᵀ v)_k', () => {
    const x = T.tensor([[0.3], [-1.2], [0.8]], f64);
    A.gradcheck(matvecOp(MT), [x]);
    const e = parse(failure(() => A.gradcheck(matvecOp(M), [x])).message);
    const v = upstream(3);
    const times = (m: number[][]) => m.map((row) => row.reduce((s, a, j) => s + a * v[j]!, 0));
    const k = e.index[0]!;
    expect(e.index[1]).to.equal(0);
    expect(e.analytic).to.be.closeTo(times(M)[k]!, 1e-4 * Math.abs(times(M)[k]!));
    expect(e.numeric).to.be.closeTo(times(MT)[k]!, 1e-4 * Math.abs(times(MT)[k]!));
    const failing = times(M).filter((an, i) => Math.abs(an - times(MT)[i]!) > 1e-5 + 1e-3 * Math.abs(times(MT)[i]!)).length;
    expect(e.fails).to.equal(failing);
  });

  it('a missing upstream multiply fails', () => {
    const noDy = mulSqOp((_dy, a, b) => [A.square(b), A.mul(A.mul(a, b), 2)]);
    expect(parse(failure(() => A.gradcheck(noDy, [X, B])).message).input).to.equal(0);
  });

  it('one gradient per input: too few is named', () => {
    const err = failure(() => A.gradcheck(mulSqOp((dy, _a, b) => [A.mul(dy, A.square(b))]), [X, B]));
    expect(err.message).to.equal("gradcheck(mulSq): the backward of 'mulSq' returned 1 gradient for 2 inputs, expected one per input (null for an input that needs none)");
    const notArray = failure(() => A.gradcheck(mulSqOp((dy, _a, b) => A.mul(dy, A.square(b))), [X, B]));
    expect(notArray.message).to.equal("gradcheck(mulSq): the backward of 'mulSq' returned a Variable, expected an array with one gradient per input (2)");
  });

  it('a gradient of the wrong shape, the wrong dtype, null or not a tensor is named by input', () => {
    const summed = failure(() => A.gradcheck(mulSqOp((dy, a, b) => [A.mul(dy, A.square(b)), A.sum(A.mul(dy, A.mul(a, b)))]), [X, B], { names: ['a', 'b'] }));
    expect(summed.message).to.equal("gradcheck(mulSq): the backward of 'mulSq' returned malformed gradients:\n  input 1 'b': gradient has shape [], expected [2,3] (the input's shape)");
    const f32 = failure(() => A.gradcheck(mulSqOp((dy, a, b) => [A.astype(A.mul(dy, A.square(b)), 'float32'), null]), [X, B]));
    expect(f32.message).to.equal("gradcheck(mulSq): the backward of 'mulSq' returned malformed gradients:\n" +
      "  input 0: gradient has dtype float32, expected float64 (the input's dtype)\n" +
      '  input 1: got null, but the input requires a gradient (pass a constant input as a Variable without requiresGrad)');
    const num = failure(() => A.gradcheck(mulSqOp((dy, _a, b) => [A.mul(dy, A.square(b)), 2]), [X, B]));
    expect(num.message).to.contain('input 1: got 2, expected a Variable or Tensor');
  });

  it('second order: a backward right once but not differentiable fails, unless the op is onceDifferentiable', () => {
    const frozen = (dy: Variable, a: Variable, b: Variable) => [A.mul(dy, T.square(b.value)), A.mul(dy, A.mul(A.mul(a, b), 2))];
    const err = failure(() => A.gradcheck(mulSqOp(frozen), [X, B]));
    expect(err.message).to.match(/^gradcheck\(grad of mulSq\): input 1 mismatch at \[/);
    const once = A.gradcheck(mulSqOp(frozen, true), [X, B]);
    expect(once.checked).to.equal(12); // first order only
  });

  it('a Variable without requiresGrad is a constant: not perturbed, not checked, its gradient may be null', () => {
    // y = x[idx] for an index input: the index has no gradient, and perturbing it would be meaningless
    const pick = (backward: (dy: Variable, x: Variable, idx: Variable) => unknown) => A.defineOp({
      name: 'pick',
      forward: ([x, idx]) => ({ out: T.indexSelect(x!, 0, idx!) }),
      backward: (dy, { inputs: [x, idx] }) => backward(dy, x!, idx!) as Variable[],
    });
    const idx = A.variable(T.tensor([2, 0, 2], f64));
    const x = T.tensor([0.5, -1.5, 2], f64);
    const right = pick((dy, xv, i) => [A.scatterAdd(xv.shape, 0, i.value, dy), null]);
    const report = A.gradcheck(right, [x, idx]);
    expect(report.checked).to.equal(3 + 3); // x only, both orders
    // dx = dy scattered to the picked positions, [dy1, 0, dy0 + dy2]; one that overwrites instead of adding,
    // [dy1, 0, dy2], is wrong at the repeated index only
    const v = upstream(3);
    const overwrite = pick((dy) => [A.mul(A.indexSelect(dy, 0, [1, 1, 2]), T.tensor([1, 0, 1], f64)), null]);
    const e = parse(failure(() => A.gradcheck(overwrite, [x, idx])).message);
    expect([e.input, e.index, e.fails]).to.deep.equal([0, [2], 1]);
    expect(e.numeric).to.be.closeTo(v[0]! + v[2]!, 1e-4 * Math.abs(v[0]! + v[2]!)); // printed to 5 digits
    // passed as a Tensor, the index is an input to check, so the null gradient is named
    expect(failure(() => A.gradcheck(right, [x, idx.value])).message).to.contain('input 1: got null, but the input requires a gradient');
    // on a function of Variables too; nothing to check at all is refused
    expect(A.gradcheck((a, b) => A.mul(a, b), [X, A.variable(B)]).checked).to.equal(6);
    expect(thrown(() => A.gradcheck((a) => A.mul(a, 2), [A.variable(X)])).message)
      .to.equal('gradcheck: every input is a Variable without requiresGrad (a constant), expected at least one Tensor or Variable with requiresGrad to check');
  });

  it('params: handed to the op; a backward that ignores them fails; params on a plain function is refused', () => {
    const scale = (backward: (dy: Variable, k: number) => Variable) => A.defineOp<{ k: number }>({
      name: 'scale',
      forward: ([x], { k }) => ({ out: T.mul(x!, k) }),
      backward: (dy, { params }) => [backward(dy, params.k)],
    });
    A.gradcheck(scale((dy, k) => A.mul(dy, k)), [X], { params: { k: 3 } });
    const e = parse(failure(() => A.gradcheck(scale((dy) => dy), [X], { params: { k: 3 } })).message);
    expect(e.analytic).to.be.closeTo(e.numeric / 3, 1e-4 * Math.abs(e.numeric));
    expect(thrown(() => A.gradcheck((x) => A.mul(x, 3), [X], { params: { k: 3 } } as never)).message)
      .to.equal('gradcheck: params is only for an op made by defineOp, got a plain function (close over its parameters instead)');
  });
});

// ---- options are validated ----------------------------------------------------------------------------

describe('gradcheck options are validated (no silently ignored option)', () => {
  const sq = (x: Variable) => A.mul(x, x);
  const accepted = 'accepted options: eps, atol, rtol, fast, seed, name, report, nondifferentiableAt, names, params';

  it("an unknown option throws with a did-you-mean and the accepted keys (tol is not atol)", () => {
    expect(thrown(() => A.gradcheck(sq, [X], { tol: 1e-6 } as never)).message)
      .to.equal(`gradcheck: unknown option 'tol' (did you mean 'atol'?); ${accepted}`);
    expect(thrown(() => A.gradgradcheck(sq, [X], { tol: 1e-6 } as never)).message)
      .to.equal(`gradgradcheck: unknown option 'tol' (did you mean 'atol'?); ${accepted}`);
    expect(thrown(() => A.gradcheck(sq, [X], { Fast: true } as never)).message).to.contain("unknown option 'Fast' (did you mean 'fast'?)");
  });

  it('wrong-typed or out-of-range values throw naming the option, what was given and what was expected', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ eps: '1e-6' }, 'gradcheck: eps got "1e-6", expected a finite number > 0'],
      [{ eps: 0 }, 'gradcheck: eps got 0, expected a finite number > 0'],
      [{ atol: -1 }, 'gradcheck: atol got -1, expected a finite number >= 0'],
      [{ rtol: NaN }, 'gradcheck: rtol got NaN, expected a finite number >= 0'],
      [{ fast: 1 }, 'gradcheck: fast got 1, expected true or false'],
      [{ seed: 1.5 }, 'gradcheck: seed got 1.5, expected an integer >= 0 <= 4294967295'],
      [{ seed: -1 }, 'gradcheck: seed got -1, expected an integer >= 0 <= 4294967295'],
      [{ report: 'yes' }, 'gradcheck: report got "yes", expected true or false'],
      [{ name: 3 }, 'gradcheck: name got 3, expected a string'],
      [{ names: 'x' }, 'gradcheck: names got "x", expected an array of strings (one per input)'],
      [{ names: ['x', 'y'] }, 'gradcheck: names got 2 names for 1 inputs, expected at most one per input'],
      [{ nondifferentiableAt: 0 }, 'gradcheck: nondifferentiableAt got 0, expected an array of finite numbers (the kinks\' input values) or a function (value, index, input) => boolean'],
    ];
    for (const [options, message] of cases) expect(thrown(() => A.gradcheck(sq, [X], options as never)).message).to.equal(message);
    expect(thrown(() => A.gradcheck(sq, [X], 5 as never)).message).to.match(/^gradcheck: options got 5, expected gradcheck\(fn, inputs, \{ eps/);
    expect(thrown(() => A.gradcheck(sq, X as never)).message).to.equal('gradcheck: inputs got a Tensor, expected an array of Tensors or Variables');
    expect(thrown(() => A.gradcheck(sq, [[1, 2]] as never)).message).to.equal('gradcheck: inputs[0] got [1, 2], expected a Tensor or Variable');
    expect(thrown(() => (A.gradcheck as (...a: unknown[]) => unknown)(sq, [X], {}, {})).message).to.match(/^gradcheck: got 4 arguments, expected at most 3/);
  });
});

// ---- kinks, randomness, report mode -------------------------------------------------------------------

describe('gradcheck on non-smooth and stochastic functions, and its report mode', () => {
  const atKink = T.tensor([0, 1.5, -0.5], f64);

  it('relu at 0 without a declaration: a kink message with the two slopes, not a confusing mismatch', () => {
    const err = failure(() => A.gradcheck((x) => A.relu(x), [atKink]));
    const v = upstream(3);
    const m = /^gradcheck\(fn\): input 0 at \[0\] is within eps = 1e-6 of a kink: slope (\S+) on the left, (\S+) on the right, so the central difference (\S+) is no derivative \(analytic (\S+)\)\n  move the input more than eps away from the kink, or declare it with nondifferentiableAt .* \(1 of 3 elements fail; seed 0\)$/.exec(err.message);
    expect(m, err.message).to.not.equal(null);
    // <v, relu(x)> near x0 = 0: slope 0 on the left, v0 on the right, central v0/2, relu'(0) = 0 analytic
    expect(Number(m![1])).to.be.closeTo(0, 1e-6);
    expect(Number(m![2])).to.be.closeTo(v[0]!, 1e-4);
    expect(Number(m![3])).to.be.closeTo(v[0]! / 2, 1e-4);
    expect(Number(m![4])).to.equal(0);
    // fast mode says the random direction crosses it
    expect(failure(() => A.gradcheck((x) => A.relu(x), [atKink], { fast: true })).message).to.match(/input 0: the random direction crosses a kink: slope/);
  });

  it('nondifferentiableAt: a declared kink passes when the analytic value lies between the slopes, fails when not', () => {
    A.gradcheck((x) => A.relu(x), [atKink], { nondifferentiableAt: [0] });
    A.gradcheck((x) => A.relu(x), [atKink], { nondifferentiableAt: [0], fast: true });
    // a relu whose gradient at 0 is 2 (no subgradient of relu): declared or not, it fails
    const bad = A.defineOp({
      name: 'badRelu',
      forward: ([x]) => ({ out: T.maximum(x!, 0) }),
      backward: (dy, { inputs: [x] }) => [A.mul(dy, T.where(T.eq(x!.value, 0), 2, T.gt(x!.value, 0)))],
    });
    const err = failure(() => A.gradcheck(bad, [atKink], { nondifferentiableAt: [0] }));
    expect(err.message).to.match(/^gradcheck\(badRelu\): input 0 at \[0\] \(declared nondifferentiable\): analytic \S+ is not between the one-sided slopes \S+ \(left\) and \S+ \(right\)\n  distance \S+ > atol \+ rtol\*max\|slope\| = \S+ \(1 of 3 elements fail; seed 0\)$/);
  });

  it('max with ties: a predicate declares the tied elements (the even split lies between the slopes)', () => {
    // three-way tie: max splits 1/3 each, but the central difference is (1 + 0) / 2: a kink, not a wrong gradient
    const tied = T.tensor([1, 0.25, 1, 1], f64);
    expect(failure(() => A.gradcheck((x) => A.max(x), [tied])).message).to.match(/input 0 at \[0\] is within eps = 1e-6 of a kink/);
    const report = A.gradcheck((x) => A.max(x), [tied], { nondifferentiableAt: (value) => value === 1, report: true });
    expect(report.passed, report.table).to.equal(true);
    expect(report.rows!.map((r) => r.nondifferentiable)).to.deep.equal([true, false, true, true]);
  });

  it('a wrong gradient next to a kink is still reported as the mismatch (the kink is noted)', () => {
    const wrongScale = (x: Variable) => A.mul(A.relu(x), 2);
    const wrong = A.defineOp({
      name: 'twiceRelu',
      forward: ([x]) => ({ out: T.mul(T.maximum(x!, 0), 2) }),
      backward: (dy, { inputs: [x] }) => [A.mul(dy, T.mul(T.gt(x!.value, 0), 3))], // 3 instead of 2
    });
    A.gradcheck(wrongScale, [T.tensor([1, 1.5, -0.5], f64)]);
    const err = failure(() => A.gradcheck(wrong, [atKink]));
    expect(parse(err.message).index).to.deep.equal([1]);
    expect(err.message).to.contain('(1 of the failing elements are within eps of a kink, the first at [0]: see nondifferentiableAt)');
  });

  it('a seeded stochastic function (fixed seed per evaluation) is checked; an unseeded one is refused as nondeterministic', () => {
    const dropout = (gen: () => T.Generator) => (x: Variable) => {
      const g = gen();
      const keep = T.tensor(Float64Array.from({ length: x.size }, () => (g.uniform() < 0.5 ? 0 : 2)), { shape: x.shape });
      return A.mul(x, keep);
    };
    A.gradcheck(dropout(() => new T.Generator(7)), [X]);
    A.gradcheck(dropout(() => new T.Generator(7)), [X], { fast: true });
    const shared = new T.Generator(7);
    const err = failure(() => A.gradcheck(dropout(() => shared), [X]));
    expect(err.message).to.match(/^gradcheck\(fn\): two evaluations at the same point gave \S+, then \S+, expected a deterministic function .*: give its random part a fixed seed in every evaluation$/);
  });

  it('report mode returns the table instead of throwing: rows, failures, the message', () => {
    const wrong = square((dy, x) => A.mul(dy, A.mul(x, A.add(2, A.mul(T.gt(x.value, 0), 2))))); // wrong where x > 0
    const report = A.gradcheck(wrong, [X], { report: true, names: ['x'] });
    expect(report.passed).to.equal(false);
    expect(report.failures).to.equal(4);
    expect(report.rows!.length).to.equal(6);
    const xs = Array.from(X.toTypedArray());
    expect(report.rows!.map((r) => r.status)).to.deep.equal(xs.map((x) => (x > 0 ? 'fail' : 'pass')));
    const v = upstream(6);
    report.rows!.forEach((r, k) => {
      expect(r.index).to.deep.equal([Math.floor(k / 3), k % 3]);
      expect(r.value).to.equal(xs[k]);
      expect(r.numeric).to.be.closeTo(2 * xs[k]! * v[k]!, 1e-6);
      expect(r.analytic).to.be.closeTo((xs[k]! > 0 ? 4 : 2) * xs[k]! * v[k]!, 1e-12);
    });
    expect(report.message).to.equal(failure(() => A.gradcheck(wrong, [X], { names: ['x'] })).message);
    expect(report.table!.split('\n')[0]).to.equal('gradcheck(fn): FAILED, 4 of 6 fail (seed 0)');
    expect(report.table).to.contain(report.message!);
    const ok = A.gradcheck(square((dy, x) => A.mul(dy, A.mul(x, 2))), [X], { report: true });
    expect([ok.passed, ok.failures, ok.message, ok.rows!.length]).to.deep.equal([true, 0, null, 6]);
    // without report mode a passing check returns no rows
    expect(A.gradcheck(square((dy, x) => A.mul(dy, A.mul(x, 2))), [X]).rows).to.equal(undefined);
  });
});

describe('gradcheck audit fixes: defects that used to pass', () => {
  /** x² whose backward cuts dy out of the graph: right values, d(vjp)/d(dy) = 0 instead of 2x. */
  const sqCutDy = A.defineOp({
    name: 'sqCutDy',
    forward: ([x]) => ({ out: T.mul(x!, x!) }),
    backward: (dy, { inputs: [x] }) => [A.mul(new A.Variable(dy.value), A.mul(x!, 2))],
  });
  const x3 = T.tensor([0.5, -1.2, 0.8], f64);

  it('second order differentiates with respect to dy too (torch gradgradcheck: False, gradgrad-dy.py)', () => {
    // the consequence being guarded: grad(grad(sin(sq(x)))) at 0.7 is wrong; by hand 2cos(x²) - 4x²sin(x²)
    const f = (v: Variable) => A.sin(sqCutDy([v], undefined)).sum();
    const hand = 2 * Math.cos(0.49) - 4 * 0.49 * Math.sin(0.49);
    expect(A.grad((v) => A.grad(f)(v).sum())(T.tensor([0.7], f64)).item()).to.not.be.closeTo(hand, 1e-3);
    const msg = failure(() => A.gradgradcheck(sqCutDy, [x3])).message;
    expect(msg).to.match(/^gradcheck\(grad of sqCutDy\): input 1 'dy' mismatch at \[\d\]/);
    // d<w, dy ⊙ 2x>/d(dy_k) = w_k·2x_k with w the second order's upstream (Generator(seed), 3 normals)
    const e = parse(msg);
    const k = e.index[0]!;
    expect(e.analytic).to.equal(0);
    expect(e.numeric).to.be.closeTo(upstream(3)[k]! * 2 * x3.toTypedArray()[k]!, 1e-3);
    expect(failure(() => A.gradcheck(sqCutDy, [x3])).message).to.match(/input 1 'dy' mismatch/);
    // the correct backward passes, and `checked` still counts the input's elements once per order
    const ok = A.defineOp({ name: 'sq', forward: ([x]) => ({ out: T.mul(x!, x!) }), backward: (dy, { inputs: [x] }) => [A.mul(dy, A.mul(x!, 2))] });
    expect(A.gradcheck(ok, [x3]).checked).to.equal(6);
  });

  it('element mode compares every row of the Jacobian: a 1% error in the last of 400 rows fails (seeds 0-2; it passed seed 0 before)', () => {
    // torch's slow gradcheck fails it too (projection.py: "Jacobian mismatch for output 0 with respect to input 0")
    const m = 400;
    const scale = T.tensor(Array.from({ length: m }, (_, i) => (i === m - 1 ? 1.01 : 1)), { shape: [m, 1], ...f64 });
    const rowsOp = (s: Tensor) => A.defineOp({
      name: 'scaleRows', onceDifferentiable: true,
      forward: ([x, a]) => ({ out: T.mul(a!, x!) }),
      backward: (dy, { inputs: [, a] }) => [A.sum(A.mul(A.mul(dy, a!), s), { axis: 0 }), null],
    });
    const aVals = Array.from({ length: m }, (_, i) => 1 + (i % 7) / 7);
    const a = A.variable(T.tensor(aVals, { shape: [m, 1], ...f64 }));
    const x = T.tensor([0.3, -1.2, 0.8, 2.0], f64);
    for (let seed = 0; seed < 3; seed++) expect(A.gradcheck(rowsOp(scale), [x, a], { seed, report: true }).passed).to.equal(false);
    const msg = failure(() => A.gradcheck(rowsOp(scale), [x, a])).message;
    const e = parse(msg);
    const k = e.index[0]!;
    expect(msg).to.contain(`output [${m - 1},${k}] w.r.t. input 0 mismatch at [${k}]`);
    // the entry: d(v[399,k]·a[399]·x[k])/dx[k] = v[399,k]·a[399]; the backward says 1.01 times that
    const want = upstream(m * 4)[(m - 1) * 4 + k]! * aVals[m - 1]!;
    expect(e.numeric).to.be.closeTo(want, 1e-4 * Math.abs(want) + 1e-6);
    expect(e.analytic).to.be.closeTo(1.01 * want, 1e-4 * Math.abs(want) + 1e-6);
    expect(A.gradcheck(rowsOp(T.ones([m, 1], f64)), [x, a]).passed).to.equal(true);
  });

  it('a forward that mutates its input is reported, and the caller\'s tensor is left alone', () => {
    const sqInPlace = A.defineOp({
      name: 'sq_', onceDifferentiable: true,
      forward: ([x]) => { const d = (x!.storage as T.CpuStorage).data; for (let i = 0; i < d.length; i++) d[i] = d[i]! * d[i]!; T.bumpVersion(x!); return { out: T.add(x!, 0) }; },
      backward: (dy, { inputs: [x] }) => [A.mul(A.mul(dy, x!), 2)],
    });
    const x0 = T.tensor([0.5, 1.5, -2], f64);
    // by hand: the backward gives 2x² = [0.5, 4.5, 8] where d(x²)/dx = 2x = [1, 3, -4]
    const msg = failure(() => A.gradcheck(sqInPlace, [x0])).message;
    expect(msg).to.equal("gradcheck(sq_): the forward mutated input 0 (its values changed while fn ran), expected fn to leave its inputs unchanged: its backward would see another point than the one checked (write to a copy: x.contiguous() or T.add(x, 0))");
    expect(x0.toArray()).to.deep.equal([0.5, 1.5, -2]);
  });

  it("inputs keep their layout: a backward assuming contiguity fails on a transposed view (torch: False, layout.py)", () => {
    const sqRaw = A.defineOp({
      name: 'sqRaw', onceDifferentiable: true,
      forward: ([x]) => ({ out: T.mul(x!, x!) }),
      backward: (dy, { inputs: [x] }) => {
        const raw = (x!.value.storage as T.CpuStorage).data;   // wrongly reads the storage as contiguous
        return [A.mul(A.mul(dy, new A.Variable(T.tensor(Float64Array.from(raw.subarray(0, x!.size)), { shape: x!.shape, ...f64 }))), 2)];
      },
    });
    const xt = T.tensor([[1, 2, 3], [4, 5, 6]], f64).transpose(0, 1);
    expect(A.gradcheck(sqRaw, [xt], { report: true }).passed).to.equal(false);
    expect(A.gradcheck(sqRaw, [xt.contiguous()]).passed).to.equal(true);
    // the function sees the caller's strides and offset
    const sliced = T.tensor([0, 1, 2, 3, 4, 5, 6, 7], f64).slice(0, 1, 7, 2);
    let seen: Tensor | undefined;
    A.gradcheck((x: Variable) => { seen = x.value; return A.mul(x, x); }, [sliced]);
    expect([seen!.strides, seen!.offset, seen!.dtype]).to.deep.equal([sliced.strides, sliced.offset, 'float64']);
    // an expanded input (stride 0) cannot be perturbed one element at a time: refused
    const ex = T.tensor([1, 2], f64).reshape([2, 1]).expand([2, 3]);
    expect(thrown(() => A.gradcheck((x: Variable) => A.mul(x, x), [ex])).message).to.match(/^gradcheck: inputs\[0\] has elements sharing memory \(shape \[2,3\], strides \[1,0\]/);
  });

  it('float constants become float64 with the checked inputs (an all-float32 call works)', () => {
    const masked = A.defineOp({ name: 'masked', forward: ([x, m]) => ({ out: T.mul(x!, m!) }), backward: (dy, { inputs: [, m] }) => [A.mul(dy, m!), null] });
    const x = T.randn([3], { seed: 1 });   // float32
    const mask = A.variable(T.tensor([1, 0, 1]));
    expect(A.gradcheck(masked, [x, mask]).checked).to.equal(6);
    expect(A.gradcheck((a: Variable, m: Variable) => A.mul(a, m), [x, mask]).passed).to.equal(true);
  });

  it('a backward returning a Tensor: the second-order failure names the cause', () => {
    const sq = A.defineOp({ name: 'sqTensorBwd', forward: ([x]) => ({ out: T.mul(x!, x!) }), backward: (dy, { inputs: [x] }) => [T.mul(T.mul(dy.value, x!.value), 2)] });
    const msg = failure(() => A.gradcheck(sq, [x3])).message;
    expect(msg).to.match(/^gradcheck\(grad of sqTensorBwd\):/);
    expect(msg).to.contain("(the backward of 'sqTensorBwd' returned a Tensor, not a Variable, for input 0: a constant to the second order");
    expect(msg).to.contain('mark the op onceDifferentiable');
  });

  it('seeds: beyond 2^32 - 1 refused (they would alias), 2^32 - 1 works at second order too', () => {
    const cube = A.defineOp({ name: 'cube', forward: ([x]) => ({ out: T.mul(T.mul(x!, x!), x!) }), backward: (dy, { inputs: [x] }) => [A.mul(dy, A.mul(A.mul(x!, x!), 3))] });
    expect(thrown(() => A.gradcheck(cube, [x3], { seed: 2 ** 32 })).message).to.equal('gradcheck: seed got 4294967296, expected an integer >= 0 <= 4294967295');
    expect(A.gradcheck(cube, [x3], { seed: 2 ** 32 - 1 }).passed).to.equal(true);
  });
});
