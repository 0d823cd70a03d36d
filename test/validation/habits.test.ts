// The habitual calls of PyTorch and TF.js users that issue 13 found returning a silently wrong number,
// each with what it must do now: the PyTorch meaning where it is unambiguous (values computed by hand in
// the comments), or a TensorError whose message shows the correct form.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { propelLoss } from '@propel-ts/propel';

const f64 = { dtype: 'float64' } as const;
/** x = [[1, 2, 3], [4, 5, 6]] */
const x = () => T.tensor([[1, 2, 3], [4, 5, 6]], f64);
const v = () => A.variable(x(), { requiresGrad: true });

/** A call and the values it must return (row sums etc. by hand). */
const MEANS: [string, () => T.Tensor | A.Variable, number | number[]][] = [
  ['sum(x, 1)', () => T.sum(x(), 1), [6, 15]],
  ['x.sum(1)', () => x().sum(1), [6, 15]],
  ['sum(x, -1)', () => T.sum(x(), -1), [6, 15]],
  ['sum(x, [0, 1])', () => T.sum(x(), [0, 1]), 21],
  ['sum(x, 0)', () => T.sum(x(), 0), [5, 7, 9]],
  ['x.max(-1)', () => x().max(-1), [3, 6]],
  ['x.min(0)', () => x().min(0), [1, 2, 3]],
  ['mean(x, 0)', () => T.mean(x(), 0), [2.5, 3.5, 4.5]],
  ['prod(x, 1)', () => T.prod(x(), 1), [6, 120]],
  ['argmax(x, 1)', () => T.argmax(x(), 1), [2, 2]],
  ['x.argmin(0)', () => x().argmin(0), [0, 0, 0]],
  ['argmax(x) (flat)', () => T.argmax(x()), 5],
  ['logsumexp(x, 1)', () => T.logsumexp(x(), 1), [3 + Math.log(Math.exp(-2) + Math.exp(-1) + 1), 6 + Math.log(Math.exp(-2) + Math.exp(-1) + 1)]],
  ['A.sum(v, 1)', () => A.sum(v(), 1), [6, 15]],
  ['y.max(-1) on a Variable', () => v().max(-1), [3, 6]],
  ['A.argmax(v, 1)', () => A.argmax(v(), 1), [2, 2]],
  // softmax over axis 0 of each column [a, a + 3]: [1 / (1 + e³), e³ / (1 + e³)]
  ['softmax(v, 0)', () => A.softmax(v(), 0), [0, 0, 0, 1, 1, 1].map((r) => (r === 0 ? 1 : Math.exp(3)) / (1 + Math.exp(3)))],
  ['softmax(v, { axis: 0 })', () => A.softmax(v(), { axis: 0 }), [0, 0, 0, 1, 1, 1].map((r) => (r === 0 ? 1 : Math.exp(3)) / (1 + Math.exp(3)))],
  ['mseLoss(a, b, "sum")', () => A.mseLoss(v(), T.zeros([2, 3], f64), 'sum'), 1 + 4 + 9 + 16 + 25 + 36],
  ['mseLoss(a, b, { reduction: "sum" })', () => A.mseLoss(v(), T.zeros([2, 3], f64), { reduction: 'sum' }), 91],
  ['arange(3, { dtype })', () => T.arange(3, f64), [0, 1, 2]],
  ['eye(2, { dtype })', () => T.eye(2, f64), [1, 0, 0, 1]],
];

/** A call and the text its TensorError must contain. */
const REFUSES: [string, () => unknown, string][] = [
  ['sum(x, { dim: 1 })', () => T.sum(x(), { dim: 1 } as never), "sum: unknown option 'dim' (did you mean 'axis'?)"],
  ['sum(x, { keepdim: true })', () => T.sum(x(), { keepdim: true } as never), "sum: unknown option 'keepdim' (did you mean 'keepDims'?)"],
  ['x.sum(1, true)', () => (x().sum as (...a: unknown[]) => unknown)(1, true), 'sum: got 2 arguments, expected at most 1'],
  ["sum(x, '1')", () => T.sum(x(), '1' as never), 'sum: expected sum(x, { axis?, keepDims? }), got sum(x, "1")'],
  ["zeros([2], 'float64')", () => T.zeros([2], 'float64' as never), 'zeros: expected zeros(shape, { dtype: "float64" }), got zeros(shape, "float64")'],
  ['zeros(2, 3)', () => T.zeros(2 as never, 3 as never), 'zeros: shape must be an array of non-negative integers, got 2'],
  ['randn([3], 42)', () => T.randn([3], 42 as never), 'randn: expected randn(shape, { seed: 42 }), got randn(shape, 42)'],
  ['randn([3], { seed: NaN })', () => T.randn([3], { seed: NaN }), 'randn: seed got NaN, expected an integer'],
  ["tensor([1], { dtype: 'float16' })", () => T.tensor([1], { dtype: 'float16' as never }), "tensor: dtype got \"float16\", expected one of 'float32', 'float64'"],
  ['new Adam(params, { learningRate: 0.1 })', () => new A.optim.Adam([v()], { learningRate: 0.1 } as never), "Adam: unknown option 'learningRate' (did you mean 'lr'?)"],
  ['new Adam(params, { eps: NaN })', () => new A.optim.Adam([v()], { eps: NaN }), 'Adam: eps got NaN'],
  ['new Adam(params, { betas: [0.9] })', () => new A.optim.Adam([v()], { betas: [0.9] as never }), 'Adam: betas got [0.9]'],
  ['new SGD(params, { lr: 0.1, momentum: NaN })', () => new A.optim.SGD([v()], { lr: 0.1, momentum: NaN }), 'SGD: momentum got NaN'],
  ["new SGD(params, { lr: 0.1, weightDecay: 'abc' })", () => new A.optim.SGD([v()], { lr: 0.1, weightDecay: 'abc' as never }), 'SGD: weightDecay got "abc"'],
  ['new SGD(params, { lr: 0.1, nesterov: true })', () => new A.optim.SGD([v()], { lr: 0.1, nesterov: true }), 'SGD: nesterov needs momentum > 0 and dampening 0'],
  ['new SGD(params)', () => new (A.optim.SGD as unknown as new (p: unknown) => unknown)([v()]), 'SGD: lr is required'],
  ["propelLoss(o, t, { sigm: 0.2 })", () => propelLoss(out(), tgt(), { sigm: 0.2 } as never), "propelLoss: unknown option 'sigm' (did you mean 'sigma'?)"],
  ["propelLoss(o, t, { reduce: 'sum' })", () => propelLoss(out(), tgt(), { reduce: 'sum' } as never), "propelLoss: unknown option 'reduce' (did you mean 'reduction'?)"],
  ['propelLoss(o, t, 0.2)', () => propelLoss(out(), tgt(), 0.2 as never), 'propelLoss: expected propelLoss(output, target, { sigma: 0.2 }), got propelLoss(output, target, 0.2)'],
  ["propelLoss(o, t, { sigma: '0.1' })", () => propelLoss(out(), tgt(), { sigma: '0.1' as never }), 'got "0.1"'],
  ["mseLoss(a, b, 'summ')", () => A.mseLoss(v(), x(), 'summ' as never), "mseLoss: reduction got \"summ\", expected one of 'mean', 'sum', 'none' (did you mean 'sum'?)"],
  ['gradcheck(f, xs, { tol: 1e-6 })', () => A.gradcheck((a) => A.sum(a), [x()], { tol: 1e-6 } as never), "unknown option 'tol'"],
  ['variable(t, true)', () => A.variable(x(), true as never), 'variable: expected variable(value, { requiresGrad: true }), got variable(value, true)'],
  ['y.backward(2)', () => A.sum(v()).backward(2 as never), 'backward: dy got 2, expected a Tensor'],
  ['a defineOp backward that returns []', () => {
    const op = A.defineOp({ name: 'noGradients', forward: ([t]) => ({ out: T.mul(t!, 2) }), backward: () => [] });
    op([v()], undefined).sum().backward();
  }, "backward: the backward of 'noGradients' returned 0 gradients, expected an array of 1"],
  ['argmax(x, [0, 1])', () => T.argmax(x(), [0, 1] as never), 'argmax: expected argmax(x, { axis?, keepDims? }), got argmax(x, [0, 1])'],
  ['clamp(x, NaN)', () => T.clamp(x(), NaN), 'clamp: min got NaN'],
  ["x.reshape(3, '2')", () => x().reshape(3, '2' as never), 'reshape: shape [3,"2"] has an invalid dimension "2"'],
  ["x.slice(0, '1')", () => x().slice(0, '1' as never), 'slice: start and end must be integers, got start="1"'],
  ["x.squeeze('0')", () => x().squeeze('0' as never), 'squeeze: dim got "0", expected an integer or an array of integers'],
  ["concat([x], '0')", () => T.concat([x()], '0' as never), 'concat: expected concat(tensors, { axis? }), got concat(tensors, "0")'],
  ['flatten(v, 2, 1)', () => A.flatten(A.reshape(v(), [1, 2, 3]), 2, 1), 'flatten: startDim 2 comes after endDim 1'],
];

function out(): T.Tensor { return T.tensor([[[0.1, 0.5]], [[0.2, 0.4]]], f64); }
function tgt(): T.Tensor { return T.tensor([[0.1], [0.3]], f64); }

describe('habitual PyTorch / TF.js calls: the PyTorch meaning, or an error with the correct form', () => {
  for (const [call, run, want] of MEANS) {
    it(`${call} means what PyTorch means`, () => {
      const r = run();
      const got = Array.from((r instanceof A.Variable ? r.value : r).toTypedArray());
      const w = typeof want === 'number' ? [want] : want;
      expect(got.length, call).to.equal(w.length);
      got.forEach((g, i) => expect(g, `${call}[${i}]`).to.be.closeTo(w[i]!, 1e-12 * Math.max(1, Math.abs(w[i]!))));
    });
  }

  for (const [call, run, text] of REFUSES) {
    it(`${call} throws`, () => {
      let caught: unknown;
      try { run(); } catch (e) { caught = e; }
      expect(caught, call).to.be.instanceOf(T.TensorError);
      expect((caught as Error).message, call).to.include(text);
    });
  }

  it("new Adam(params, 0.1) trains with lr 0.1 (PyTorch's positional lr): Adam's first step moves by lr·g/(|g| + eps)", () => {
    const p = A.variable(T.tensor([1, -2], f64), { requiresGrad: true });
    const opt = new A.optim.Adam([p], 0.1);
    p.grad = T.tensor([0.5, -4], f64);
    opt.step();
    const got = Array.from(p.value.toTypedArray());
    // m̂ = g, v̂ = g², so p ← p - 0.1 · g / (|g| + 1e-8)
    expect(got[0]).to.be.closeTo(1 - 0.1 * 0.5 / (0.5 + 1e-8), 1e-15);
    expect(got[1]).to.be.closeTo(-2 + 0.1 * 4 / (4 + 1e-8), 1e-15);
  });

  it("new SGD(params, 0.5) is { lr: 0.5 }: p ← p - 0.5 g", () => {
    const p = A.variable(T.tensor([1, -2], f64), { requiresGrad: true });
    const opt = new A.optim.SGD([p], 0.5);
    p.grad = T.tensor([0.5, -4], f64);
    opt.step();
    expect(Array.from(p.value.toTypedArray())).to.deep.equal([0.75, 0]);
  });

  it('randn with a seed is reproducible, and differs from another seed', () => {
    const a = Array.from(T.randn([4], { seed: 42 }).toTypedArray());
    expect(Array.from(T.randn([4], { seed: 42 }).toTypedArray())).to.deep.equal(a);
    expect(Array.from(T.randn([4], { seed: 0 }).toTypedArray())).to.not.deep.equal(a);
  });
});
