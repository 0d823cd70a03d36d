// checkGradient: gradient checks of plain JavaScript functions and hand-written gradients. Every case has a
// hand-derived correct gradient (which must pass) and deliberately wrong ones (off by a factor, a transposed
// Jacobian, a missing upstream multiply, one wrong element), whose failure messages are checked against the
// hand-computed analytic and numeric values. Also: several inputs as a record, nested arrays, fast mode on a
// large input, report mode, kinks, a seeded stochastic function, and the validation of every argument.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import { checkGradient, GradcheckError } from '@propel-ts/autograd';
import { failure, parse, thrown, upstream } from '../helpers/gradcheck';

// f(x) = Σ sin(xᵢ)·xᵢ², ∂f/∂xᵢ = cos(xᵢ)·xᵢ² + 2xᵢ·sin(xᵢ)
const f = (x: ArrayLike<number>) => Array.from(x).reduce((s, v) => s + Math.sin(v) * v * v, 0);
const df = (v: number) => Math.cos(v) * v * v + 2 * v * Math.sin(v);
const X = [0.5, -1.5, 2, 1.25, -0.75, 0.9];

// y = M x for a non-symmetric 3×3 M: the vector-Jacobian product is Mᵀ·dy
const M = [[1, 2, 3], [-4, 5, 0.5], [7, -8, 10]];
const matvec = (m: number[][], x: ArrayLike<number>) => m.map((row) => row.reduce((s, a, j) => s + a * x[j]!, 0));
const MT = M[0]!.map((_, j) => M.map((row) => row[j]!));
const x3 = new Float64Array([0.3, -1.2, 0.8]);

describe('checkGradient: plain functions and hand-written gradients', () => {
  it('a correct gradient passes, whatever the form of x (typed array, array, nested array, number)', () => {
    expect(checkGradient(f, (x) => Array.from(x, df), new Float64Array(X)).checked).to.equal(6);
    checkGradient(f, (x) => x.map(df), X);
    const nested = [X.slice(0, 3), X.slice(3)];
    const report = checkGradient((x: number[][]) => f(x.flat()), (x) => x.map((row) => row.map(df)), nested);
    expect([report.passed, report.checked]).to.deep.equal([true, 6]);
    checkGradient((x: number) => Math.sin(x) * x * x, df, 0.7);
    // f gets fresh float64 copies in x's form: a Float32Array arrives as a Float64Array
    checkGradient((x: Float64Array) => { expect(x).to.be.instanceOf(Float64Array); return f(x); }, (x) => x.map(df), new Float32Array(X));
  });

  it('off by a factor: every element fails, the worst is reported with the hand-computed values', () => {
    expect(failure(() => checkGradient(f, (x) => x.map((v) => 1.5 * df(v)), X)).message).to.match(/^checkGradient\(f\): /); // named by f.name
    const e = parse(failure(() => checkGradient(f, (x) => x.map((v) => 1.5 * df(v)), X, { name: 'sinSq' })).message);
    const diffs = X.map((v) => Math.abs(0.5 * df(v)));
    const k = diffs.indexOf(Math.max(...diffs));
    expect(e.index).to.deep.equal([k]);
    expect(e.analytic).to.be.closeTo(1.5 * df(X[k]!), 1e-4 * Math.abs(df(X[k]!)));
    expect(e.numeric).to.be.closeTo(df(X[k]!), 1e-4 * Math.abs(df(X[k]!)));
    expect([e.fails, e.total, e.seed]).to.deep.equal([6, 6, 0]);
    expect(failure(() => checkGradient(f, (x) => x.map((v) => 1.5 * df(v)), X, { name: 'sinSq' })).message).to.match(/^checkGradient\(sinSq\): input 0 mismatch at \[/);
  });

  it('one wrong element: exactly that element is named, "1 of 6 elements fail"', () => {
    const nested = [X.slice(0, 3), X.slice(3)];
    const oneOff = (x: number[][]) => x.map((row, i) => row.map((v, j) => df(v) + (i === 1 && j === 2 ? 0.01 : 0)));
    const e = parse(failure(() => checkGradient((x: number[][]) => f(x.flat()), oneOff, nested)).message);
    expect(e.index).to.deep.equal([1, 2]);
    expect([e.fails, e.total]).to.deep.equal([1, 6]);
    expect(e.analytic).to.be.closeTo(df(X[5]!) + 0.01, 1e-4);
  });

  it('a vector output checks the vjp against the seeded random upstream gradient: Mᵀ·dy passes', () => {
    checkGradient((x: Float64Array) => matvec(M, x), (_x, dy) => matvec(MT, dy), x3);
    checkGradient((x: Float64Array) => matvec(M, x), (_x, dy) => matvec(MT, dy), x3, { fast: true });
    // dy is the documented upstream: Generator(seed) normals in the output's form (here an array)
    // then, for the full Jacobian, once per output element j with dy = v[j]·e_j (its row, weighted by v[j])
    const seen: number[][] = [];
    checkGradient((x: Float64Array) => matvec(M, x), (_x, dy) => { seen.push(dy); return matvec(MT, dy); }, x3, { seed: 5 });
    const v = upstream(3, 5);
    expect(seen).to.deep.equal([v, ...v.map((vj, j) => v.map((_, i) => (i === j ? vj : 0)))]);
  });

  it('a transposed Jacobian (M·dy) fails; analytic (M v)_k, numeric (Mᵀ v)_k', () => {
    const e = parse(failure(() => checkGradient((x: Float64Array) => matvec(M, x), (_x, dy) => matvec(M, dy), x3)).message);
    const v = upstream(3);
    const an = matvec(M, v);
    const num = matvec(MT, v);
    const k = e.index[0]!;
    expect(e.analytic).to.be.closeTo(an[k]!, 1e-4 * Math.abs(an[k]!));
    expect(e.numeric).to.be.closeTo(num[k]!, 1e-4 * Math.abs(num[k]!));
    const diffs = an.map((a, i) => Math.abs(a - num[i]!));
    expect(k).to.equal(diffs.indexOf(Math.max(...diffs)));
  });

  it('a missing upstream multiply (Mᵀ·1 whatever dy) fails, also in fast mode', () => {
    const ones = matvec(MT, [1, 1, 1]);
    const e = parse(failure(() => checkGradient((x: Float64Array) => matvec(M, x), () => ones, x3)).message);
    expect(e.analytic).to.be.closeTo(ones[e.index[0]!]!, 1e-4 * Math.abs(ones[e.index[0]!]!));
    for (const seed of [0, 1, 2]) {
      expect(failure(() => checkGradient((x: Float64Array) => matvec(M, x), () => ones, x3, { fast: true, seed })).message)
        .to.match(/^checkGradient\(f\): input 0 directional derivative mismatch: analytic \S+, numeric \S+\n  \|diff\| \S+ > atol \+ rtol\*\|numeric\| = \S+ \(fast mode; seed \d\)$/);
    }
  });

  it('several inputs as a record: named by key; a wrong gradient of one input names it', () => {
    // loss(W, b) = Σᵢ (W x + b)ᵢ² for a fixed x: dW = 2 r xᵀ, db = 2 r with r = W x + b
    const x = [0.5, -1, 2];
    const loss = (p: { W: number[][]; b: Float64Array }) => matvec(p.W, x).reduce((s, wx, i) => s + (wx + p.b[i]!) ** 2, 0);
    const grad = (p: { W: number[][]; b: Float64Array }, factor = 2) => {
      const r = matvec(p.W, x).map((wx, i) => wx + p.b[i]!);
      return { W: r.map((ri) => x.map((xj) => 2 * ri * xj)), b: r.map((ri) => factor * ri) };
    };
    const at = { W: [[0.1, 0.2, -0.3], [0.4, -0.5, 0.6]], b: new Float64Array([0.05, -0.1]) };
    expect(checkGradient(loss, (p) => grad(p), at).checked).to.equal(8);
    const err = failure(() => checkGradient(loss, (p) => grad(p, 1), at));
    const e = parse(err.message);
    expect([e.input, e.name, e.fails, e.total]).to.deep.equal([1, 'b', 2, 2]);
    expect(failure(() => checkGradient(loss, (p) => ({ W: grad(p).W }), at)).message)
      .to.equal('checkGradient(loss): grad returned a record with keys W, expected one gradient per input: W, b');
    expect(failure(() => checkGradient(loss, (p) => ({ ...grad(p), c: [1] }), at)).message)
      .to.equal('checkGradient(loss): grad returned a record with keys W, b, c, expected one gradient per input: W, b');
  });

  it('a gradient of the wrong shape is named (a flat typed array is accepted for a nested input, row-major)', () => {
    const nested = [[1, 2], [3, 4]];
    const prod = (x: number[][]) => x[0]![1]! * x[1]![0]!;
    checkGradient(prod, (x) => new Float64Array([0, x[1]![0]!, x[0]![1]!, 0]), nested);
    expect(failure(() => checkGradient(prod, (x) => [0, x[1]![0]!, x[0]![1]!, 0], nested)).message)
      .to.equal("checkGradient(prod): the gradient for input 0 has shape [4], expected shape [2,2] (the input's)");
    expect(failure(() => checkGradient(prod, () => new Float64Array(3), nested)).message)
      .to.equal("checkGradient(prod): the gradient for input 0 has a typed array of 3, expected shape [2,2] (the input's)");
    expect(failure(() => checkGradient(prod, () => [[0, 1], [1]], nested)).message)
      .to.match(/^checkGradient\(prod\): the gradient for input 0 is malformed: is ragged/);
  });

  it('fast mode on a large input: one random direction, few evaluations, catches one wrong element', () => {
    const n = 20000;
    const big = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    let calls = 0;
    const counted = (x: Float64Array) => { calls++; return f(x); };
    const report = checkGradient(counted, (x) => x.map(df), big, { fast: true });
    expect([report.checked, calls]).to.deep.equal([1, 1 + 2 + 2]); // the first value, the determinism check, ±eps
    const oneOff = (x: Float64Array) => x.map((v, i) => df(v) + (i === 1234 ? 1 : 0));
    failure(() => checkGradient(f, oneOff, big, { fast: true }));
  });

  it('report mode returns every row instead of throwing', () => {
    const report = checkGradient(f, (x) => x.map((v, i) => (i % 2 === 0 ? df(v) : 2 * df(v))), X, { report: true });
    expect(report.passed).to.equal(false);
    expect(report.failures).to.equal(3);
    expect(report.rows!.map((r) => r.status)).to.deep.equal(['pass', 'fail', 'pass', 'fail', 'pass', 'fail']);
    report.rows!.forEach((r, i) => {
      expect(r.numeric).to.be.closeTo(df(X[i]!), 1e-6);
      expect(r.value).to.equal(X[i]);
    });
    expect(report.message).to.equal(failure(() => checkGradient(f, (x) => x.map((v, i) => (i % 2 === 0 ? df(v) : 2 * df(v))), X)).message);
    expect(report.table).to.match(/^checkGradient\(f\): FAILED, 3 of 6 fail \(seed 0\)\n/);
  });

  it('kinks: |x| at 0 passes with subgradient 0; relu at 0 gets a kink message; nondifferentiableAt declares it', () => {
    const absSum = (x: number[]) => x.reduce((s, v) => s + Math.abs(v), 0);
    checkGradient(absSum, (x) => x.map(Math.sign), [0, 1.5, -0.5]); // central difference at 0 is 0 = sign(0)
    const reluSum = (x: number[]) => x.reduce((s, v) => s + Math.max(v, 0), 0);
    const step = (x: number[]) => x.map((v) => (v > 0 ? 1 : 0));
    expect(failure(() => checkGradient(reluSum, step, [0.5, 0, -1])).message).to.equal(
      'checkGradient(reluSum): input 0 at [1] is within eps = 1e-6 of a kink: slope 0.0000 on the left, 1.0000 on the right, so the central difference 0.50000 is no derivative (analytic 0.0000)\n' +
      '  move the input more than eps away from the kink, or declare it with nondifferentiableAt (then the analytic value must lie between the two slopes) (1 of 3 elements fail; seed 0)');
    checkGradient(reluSum, step, [0.5, 0, -1], { nondifferentiableAt: [0] });
    checkGradient(reluSum, step, [0.5, 3e-7, -1], { nondifferentiableAt: [0] }); // within eps of the kink counts
    const err = failure(() => checkGradient(reluSum, (x) => x.map((v) => (v > 0 ? 1 : 2)), [0.5, 0, -1], { nondifferentiableAt: [0] }));
    expect(err.message).to.match(/^checkGradient\(reluSum\): input 0 mismatch at \[2\]: analytic 2\.0000, numeric 0\.0000\n/); // the smooth element first
    const atKinkOnly = failure(() => checkGradient(reluSum, (x) => x.map((v) => (v > 0 ? 1 : v === 0 ? 2 : 0)), [0.5, 0, -1], { nondifferentiableAt: [0] }));
    expect(atKinkOnly.message).to.equal('checkGradient(reluSum): input 0 at [1] (declared nondifferentiable): analytic 2.0000 is not between the one-sided slopes 0.0000 (left) and 1.0000 (right)\n' +
      '  distance 1.0e+0 > atol + rtol*max|slope| = 1.0e-3 (1 of 3 elements fail; seed 0)');
  });

  it('max with ties: the predicate form of nondifferentiableAt', () => {
    const max2 = (x: number[]) => Math.max(x[0]!, x[1]!) + 3 * x[2]!;
    const pick = () => [1, 0, 3]; // a valid choice at the tie x0 = x1
    failure(() => checkGradient(max2, pick, [1, 1, 2]));
    checkGradient(max2, pick, [1, 1, 2], { nondifferentiableAt: (_v, [i]) => i! < 2 });
  });

  it('a seeded stochastic function (the same seed in every evaluation) is checked; an unseeded one is refused', () => {
    // f(x) = Σ xᵢ² · nᵢ with noise nᵢ drawn from a generator seeded inside f: ∂f/∂xᵢ = 2 xᵢ nᵢ
    const noise = (n: number, g: T.Generator) => Array.from({ length: n }, () => g.normal());
    const seeded = (x: number[]) => { const nz = noise(x.length, new T.Generator(11)); return x.reduce((s, v, i) => s + v * v * nz[i]!, 0); };
    const grad = (x: number[]) => { const nz = noise(x.length, new T.Generator(11)); return x.map((v, i) => 2 * v * nz[i]!); };
    checkGradient(seeded, grad, X);
    checkGradient(seeded, grad, X, { fast: true });
    failure(() => checkGradient(seeded, (x) => x.map((v) => 2 * v), X)); // the noise is part of the gradient
    const shared = new T.Generator(11);
    const unseeded = (x: number[]) => { const nz = noise(x.length, shared); return x.reduce((s, v, i) => s + v * v * nz[i]!, 0); };
    const m = /^checkGradient\(unseeded\): two evaluations at the same point gave (\S+), then (\S+), expected a deterministic function/.exec(failure(() => checkGradient(unseeded, grad, X)).message);
    expect(m).to.not.equal(null);
    // both are values of f with consecutive draws of the shared generator (the first few calls' noise)
    const replay = new T.Generator(11);
    const values = Array.from({ length: 4 }, () => { const nz = noise(X.length, replay); return String(X.reduce((s, v, i) => s + v * v * nz[i]!, 0)); });
    expect(values).to.include(m![1]);
    expect(values).to.include(m![2]);
    expect(m![1]).to.not.equal(m![2]);
  });

  it('arguments and options are validated', () => {
    const ok = (x: number[]) => x.map(df);
    const accepted = 'accepted options: eps, atol, rtol, fast, seed, name, report, nondifferentiableAt';
    expect(thrown(() => checkGradient(f, ok, X, { tol: 1e-6 } as never)).message).to.equal(`checkGradient: unknown option 'tol' (did you mean 'atol'?); ${accepted}`);
    expect(thrown(() => checkGradient(f, ok, X, { names: ['x'] } as never)).message).to.contain("unknown option 'names' (did you mean 'name'?)");
    expect(thrown(() => checkGradient(f, ok, X, { eps: -1 })).message).to.equal('checkGradient: eps got -1, expected a finite number > 0');
    expect(thrown(() => checkGradient(f, ok, X, { fast: 'yes' } as never)).message).to.equal('checkGradient: fast got "yes", expected true or false');
    expect(thrown(() => checkGradient(f, ok, X, { nondifferentiableAt: [NaN] })).message).to.match(/^checkGradient: nondifferentiableAt got \[NaN\], expected an array of finite numbers/);
    expect(thrown(() => checkGradient(f, ok, X, 3 as never)).message).to.match(/^checkGradient: options got 3, expected checkGradient\(f, grad, x, \{ eps/);
    expect(thrown(() => checkGradient(f, ok, [[1, 2], [3]] as never)).message).to.equal('checkGradient: x is ragged: [1] got [3], expected an array of 2 (shape [2,2])');
    expect(thrown(() => checkGradient(f, ok, [1, '2'] as never)).message).to.equal('checkGradient: x[1] got "2", expected a number');
    expect(thrown(() => checkGradient(f, ok, 'x' as never)).message).to.equal('checkGradient: x got "x", expected a number, a typed array or a nested array of numbers');
    expect(thrown(() => checkGradient(f as never, ok as never, {})).message).to.equal('checkGradient: x got an empty record, expected at least one input');
    expect(thrown(() => checkGradient(f as never, 3 as never, X)).message).to.match(/^checkGradient: grad got 3, expected a function/);
    expect(thrown(() => checkGradient(null as never, ok, X)).message).to.match(/^checkGradient: f got null, expected a function/);
    expect(thrown(() => checkGradient(() => 'a' as never, ok, X)).message).to.equal('checkGradient: the output f(x) got "a", expected a number, a typed array or a nested array of numbers');
    expect(thrown(() => (checkGradient as (...a: unknown[]) => unknown)(f, ok, X, {}, {})).message).to.match(/^checkGradient: got 5 arguments, expected at most 4/);
    // these are usage errors (TensorError), not gradient failures
    expect(thrown(() => checkGradient(f, ok, X, { eps: -1 }))).to.not.be.instanceOf(GradcheckError);
  });
});

describe('checkGradient audit fixes', () => {
  it('fast mode with a declared kink: the kink cannot hide an 11% error in another element (20 seeds)', () => {
    // f = Σ relu(xᵢ) + x₁³: ∂f/∂x₁ = 1 + 3·0.8² = 2.92 by hand; the wrong gradient says 1 + 2.5·0.8² = 2.6
    const f = (x: number[]) => x.reduce((s, v) => s + Math.max(v, 0), 0) + x[1]! ** 3;
    const grad = (c: number) => (x: number[]) => x.map((v, i) => (v > 0 ? 1 : 0) + (i === 1 ? c * v * v : 0));
    for (let seed = 0; seed < 20; seed++) {
      const opts = { fast: true, nondifferentiableAt: [0], seed, report: true };
      expect(checkGradient(f, grad(2.5), [0, 0.8, 1.3], opts).passed).to.equal(false);
      expect(checkGradient(f, grad(3), [0, 0.8, 1.3], opts).passed).to.equal(true);
    }
    // the declared element is checked on its own by the one-sided rule: 0.5 lies between 0 and 1, 2 does not
    const r = checkGradient(f, (x: number[]) => grad(3)(x).map((g, i) => (i === 0 ? 2 : g)), [0, 0.8, 1.3], { fast: true, nondifferentiableAt: [0], report: true });
    expect(r.rows!.map((row) => [row.index, row.status])).to.deep.equal([[null, 'pass'], [[0], 'fail']]);
  });

  it('a steep smooth function with a wrong gradient is a mismatch, not a kink', () => {
    // exp(-x²/2σ²), σ = 0.01, at 1e-5: by hand f'(x) = -(x/σ²)·exp(-x²/2σ²); the gradient says twice that
    const s2 = 2 * 0.01 ** 2;
    const gauss = (x: number[]) => Math.exp(-x[0]! * x[0]! / s2);
    const right = (x: number[]) => [(-2 * x[0]! / s2) * Math.exp(-x[0]! * x[0]! / s2)];
    const e = parse(failure(() => checkGradient(gauss, (x: number[]) => right(x).map((g) => 2 * g), [1e-5])).message);
    const hand = -(1e-5 / 1e-4) * Math.exp(-1e-10 / s2);
    expect(e.numeric).to.be.closeTo(hand, 1e-6);
    expect(e.analytic).to.be.closeTo(2 * hand, 1e-6);
    // a real kink is still called one
    expect(failure(() => checkGradient((x: number[]) => Math.abs(x[0]!), () => [0.3], [0])).message).to.match(/within eps = 1e-6 of a kink/);
  });

  it('an array of typed arrays arrives as an array of Float64Arrays', () => {
    const seen: string[] = [];
    const f = (rows: Float64Array[]) => { seen.push(rows[0]!.constructor.name); return rows[0]![0]! * 2 + rows[1]![1]! ** 2; };
    // ∂f/∂x[0][0] = 2, ∂f/∂x[1][1] = 2·x[1][1] = 8 by hand
    const r = checkGradient(f, () => [[2, 0], [0, 8]], [new Float32Array([1, 2]), new Float32Array([3, 4])]);
    expect(r.checked).to.equal(4);
    expect([...new Set(seen)]).to.deep.equal(['Float64Array']);
  });
});
