// The tape: what gets recorded, how backward walks it, how gradients accumulate (within one backward and
// across several), retainGraph, noGrad, detach, higher-order gradients, once-differentiable ops, and the
// error messages for misuse.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { Variable, variable } from '@propel-ts/autograd';

const f64 = { dtype: 'float64' } as const;
const leaf = (data: number[] | number[][], dtype: 'float32' | 'float64' = 'float64') => variable(T.tensor(data, { dtype }), { requiresGrad: true });
const arr = (t: Tensor | null | undefined): number[] => {
  if (!t) throw new Error('expected a gradient, got null');
  return Array.from(t.toTypedArray());
};
const close = (got: number[], want: number[], tol = 1e-12) => {
  expect(got.length).to.equal(want.length);
  got.forEach((g, i) => expect(g, `element ${i}`).to.be.closeTo(want[i]!, tol));
};

function throwsWith(f: () => unknown, text: string | RegExp): Error {
  try {
    f();
  } catch (e) {
    const m = (e as Error).message;
    if (typeof text === 'string') expect(m).to.contain(text);
    else expect(m).to.match(text);
    return e as Error;
  }
  throw new Error(`expected an error matching ${String(text)}`);
}

describe('tape: recording', () => {
  it('records a node only when an input requires a gradient', () => {
    const x = leaf([1, 2]);
    const c = variable(T.tensor([3, 4], f64));
    const y = A.mul(x, c);
    expect(y.requiresGrad).to.equal(true);
    expect(y.node?.name).to.equal('mul');
    expect(y.isLeaf).to.equal(false);
    const z = A.mul(c, c);
    expect(z.requiresGrad).to.equal(false);
    expect(z.node).to.equal(null);
  });

  it('noGrad: nothing is recorded (requiresGrad false, node null), recording restored afterwards', () => {
    const x = leaf([1, 2, 3]);
    const y = A.noGrad(() => {
      expect(A.isRecording()).to.equal(false);
      return A.sum(A.exp(A.mul(x, x)));
    });
    expect(y.requiresGrad).to.equal(false);
    expect(y.node).to.equal(null);
    expect(A.isRecording()).to.equal(true);
    throwsWith(() => y.backward(), 'does not require a gradient');
  });

  it('noGrad restores recording when fn throws; enableGrad records inside noGrad', () => {
    expect(() => A.noGrad(() => { throw new Error('boom'); })).to.throw('boom');
    expect(A.isRecording()).to.equal(true);
    const x = leaf([2]);
    const y = A.noGrad(() => A.enableGrad(() => A.mul(x, 3)));
    expect(y.requiresGrad).to.equal(true);
    expect(y.node).to.not.equal(null);
  });
});

describe('tape: backward', () => {
  it('reuse of a value: x * x accumulates both uses (2x)', () => {
    const x = leaf([1, -2, 3]);
    A.sum(A.mul(x, x)).backward();
    close(arr(x.grad), [2, -4, 6]);
  });

  it('a value used by several ops in one graph accumulates every path', () => {
    const x = leaf([0.5, -1]);
    // y = sum(2x + e^x + x·x): dy/dx = 2 + e^x + 2x
    const y = A.sum(A.add(A.add(A.mul(x, 2), A.exp(x)), A.mul(x, x)));
    y.backward();
    close(arr(x.grad), [0.5, -1].map((v) => 2 + Math.exp(v) + 2 * v));
  });

  it('unused branches: no gradient flows, no error; unused leaves keep grad null', () => {
    const x = leaf([1, 2]);
    const w = leaf([5, 6]);
    const unused = A.exp(A.mul(x, w)); // built but never reaches the output
    const y = A.sum(A.mul(x, 3));
    y.backward();
    close(arr(x.grad), [3, 3]);
    expect(w.grad).to.equal(null);
    expect(unused.node?.ctx, 'the unused branch is untouched').to.not.equal(null);
    // grads() of an unreached input is zeros of its shape
    const x2 = leaf([1, 2]);
    const w2 = leaf([[1, 2, 3]]);
    const [gx, gw] = A.grads(A.sum(A.square(x2)), [x2, w2]);
    close(arr(gx!.value), [2, 4]);
    expect(gw!.shape).to.deep.equal([1, 3]);
    close(arr(gw!.value), [0, 0, 0]);
  });

  it('accumulates into leaf.grad across two backward calls (until zeroGrad)', () => {
    const x = leaf([1, 2]);
    A.sum(A.mul(x, 3)).backward();
    A.sum(A.mul(x, x)).backward();
    close(arr(x.grad), [3 + 2, 3 + 4]);
    x.zeroGrad();
    expect(x.grad).to.equal(null);
    A.sum(x).backward();
    close(arr(x.grad), [1, 1]);
  });

  it('retainGraph: a second backward works only with it; without it, a clear error', () => {
    const x = leaf([1, 2]);
    const y = A.sum(A.exp(x));
    y.backward({ retainGraph: true });
    y.backward();
    close(arr(x.grad), [1, 2].map((v) => 2 * Math.exp(v)));
    // the graph is released now
    throwsWith(() => y.backward(), /backward: the graph through '\w+' was already released by an earlier backward.*retainGraph: true/);
    // and releasing frees what the nodes saved
    expect(y.node?.ctx).to.equal(null);
    const z = A.sum(A.exp(x));
    z.backward({ retainGraph: true });
    expect(z.node?.ctx).to.not.equal(null);
  });

  it('non-scalar backward without dy errors with a clear message; with dy it works', () => {
    const x = leaf([[1, 2, 3], [4, 5, 6]]);
    const y = A.mul(x, 2);
    throwsWith(() => y.backward(), 'backward: output has shape [2,3], expected a scalar (pass dy of that shape for a non-scalar output)');
    y.backward(T.tensor([[1, 0, 2], [0, 1, 3]], f64));
    close(arr(x.grad), [2, 0, 4, 0, 2, 6]);
  });

  it('dy of the wrong shape or dtype is refused', () => {
    const x = leaf([[1, 2, 3], [4, 5, 6]]);
    const y = A.mul(x, 2);
    throwsWith(() => y.backward(T.ones([3], f64)), 'backward: dy has shape [3], expected [2,3] (the output\'s shape)');
    throwsWith(() => y.backward(T.ones([3, 2], f64)), 'dy has shape [3,2], expected [2,3]');
    throwsWith(() => y.backward(T.ones([2, 3])), /dtype/);
  });

  it('backward of an output that does not require a gradient is an error', () => {
    const c = variable(T.tensor([1, 2], f64));
    throwsWith(() => A.sum(c).backward(), 'backward: the output does not require a gradient');
    throwsWith(() => A.grads(A.sum(c), [c]), 'grads: inputs[0] does not require a gradient');
  });

  it('indexSelect of a JS array past 2^24 into a float32 tensor reads that element, and its gradient goes back there', () => {
    const n = 2 ** 24 + 3;
    const data = new Float32Array(n);
    data[2 ** 24 + 1] = 1; // a float32 index 2^24 + 1 would round to 2^24, whose element is 0
    const x = variable(T.fromTypedArray(data, [n]), { requiresGrad: true });
    const y = A.indexSelect(x, 0, [2 ** 24 + 1]);
    expect(Array.from(y.value.toTypedArray())).to.deep.equal([1]);
    A.sum(y).backward();
    const g = x.grad!.toTypedArray();
    expect([g[2 ** 24], g[2 ** 24 + 1], g[2 ** 24 + 2]]).to.deep.equal([0, 1, 0]);
  });

  it('grads and backward name themselves and what they got', () => {
    const x = leaf([1, 2]);
    throwsWith(() => A.grads(T.ones([1], f64) as never, [x]), 'grads: output got a Tensor, expected a Variable');
    throwsWith(() => A.backward(T.ones([1], f64) as never), 'backward: output got a Tensor, expected a Variable');
    throwsWith(() => A.grads(A.sum(x), x as never), 'grads: inputs got a Variable, expected an array of Variables (grads(y, [x]), not grads(y, x))');
    throwsWith(() => A.grads(A.sum(x), [2 as never]), 'grads: inputs[0] got 2, expected a Variable with requiresGrad');
    throwsWith(() => A.grads(A.mul(x, 2), [x]), 'grads: output has shape [2], expected a scalar');
    throwsWith(() => A.add([1, 2] as never, x), 'add: input 0 got [1, 2], expected a Variable, Tensor or number (make a tensor of it first: tensor([...]))');
    throwsWith(() => A.indexSelect(x, 0, [2]), 'indexSelect: index[0] got 2, expected an integer in [0, 2) (axis 0 of x [2] has 2 positions)');
    throwsWith(() => A.indexSelect(x, 0, T.tensor([0, -1], f64)), 'indexSelect: index[1] got -1, expected an integer in [0, 2)');
  });

  it("a backward returning a wrong-shaped gradient: backward: gradient for input 0 of '<name>' has shape [..], expected [..]", () => {
    const bad = A.defineOp({
      name: 'badTranspose',
      forward: ([x]) => ({ out: T.exp(x!) }),
      backward: (dy) => [A.transpose(dy)], // wrong: the input was not transposed
    });
    const x = leaf([[1, 2, 3], [4, 5, 6]]);
    throwsWith(() => A.sum(bad([x], undefined)).backward(), "backward: gradient for input 0 of 'badTranspose' has shape [3,2], expected [2,3]");
    const badSecond = A.defineOp({
      name: 'badSecond',
      forward: ([a, b]) => ({ out: T.add(a!, b!) }),
      backward: (dy) => [dy, A.sum(dy)],
    });
    throwsWith(() => A.sum(badSecond([x, leaf([[1, 1, 1], [1, 1, 1]])], undefined)).backward(), "backward: gradient for input 1 of 'badSecond' has shape [], expected [2,3]");
  });

  it('a deep graph (100,000 chained adds) does not overflow the stack', function () {
    this.timeout(30000);
    const x = leaf([0.5]);
    let y: Variable = x;
    for (let i = 0; i < 100_000; i++) y = A.add(y, 1e-6);
    A.sum(y).backward();
    close(arr(x.grad), [1]);
    // a long chain of multiplications: d/dx of x·c^n is c^n
    const z0 = leaf([2]);
    let z: Variable = z0;
    for (let i = 0; i < 10_000; i++) z = A.mul(z, 1.0001);
    z.backward();
    close(arr(z0.grad), [1.0001 ** 10_000], 1e-9);
  });

  it('detach stops gradients (and shares the value)', () => {
    const x = leaf([1, 2, 3]);
    const d = x.detach();
    expect(d.requiresGrad).to.equal(false);
    expect(d.value).to.equal(x.value);
    A.sum(A.mul(d, x)).backward(); // d treated as a constant: gradient x, not 2x
    close(arr(x.grad), [1, 2, 3]);
    // detaching an intermediate cuts everything behind it
    const w = leaf([2]);
    const h = A.exp(A.mul(w, 3)).detach();
    const out = A.sum(A.add(A.mul(h, w), w));
    out.backward();
    close(arr(w.grad), [Math.exp(6) + 1], 1e-9);
  });

  it('gradients are computed in the inputs\' dtype (float32 in, float32 grad; float64 in, float64 grad)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = leaf([[0.5, -1, 2], [1, 0.25, -0.5]], dtype);
      const w = leaf([[1, 2], [3, 4], [5, 6]], dtype);
      const y = A.mean(A.softmax(A.matmul(A.tanh(x), w)));
      const z = A.sum(A.mul(A.indexSelect(A.slice(x, 1, 0, 3, 2), 1, [1, 0]), A.exp(x.slice(1, 1, 3))));
      A.add(A.add(y, z), A.logsumexp(A.div(x, A.sqrt(A.add(A.square(x), 1))))).backward();
      expect(x.grad!.dtype, `${dtype} x.grad`).to.equal(dtype);
      expect(w.grad!.dtype, `${dtype} w.grad`).to.equal(dtype);
      expect(x.grad!.shape).to.deep.equal([2, 3]);
      expect(w.grad!.shape).to.deep.equal([3, 2]);
    }
    // astype: the gradient comes back in the input's dtype
    const x32 = leaf([1, 2], 'float32');
    A.sum(A.mul(A.astype(x32, 'float64'), T.tensor([3, 4], f64))).backward();
    expect(x32.grad!.dtype).to.equal('float32');
    close(arr(x32.grad), [3, 4]);
  });

  it('ties at a kink split the gradient evenly (max/min reductions, maximum/minimum), as PyTorch', () => {
    const x = leaf([[1, 3, 3], [2, 0, 2]]);
    A.sum(A.max(x, { axis: 1 })).backward();
    close(arr(x.grad), [0, 0.5, 0.5, 0.5, 0, 0.5]);
    const y = leaf([2, 5, 5, 1]);
    A.min(A.neg(y)).backward();
    close(arr(y.grad), [0, -0.5, -0.5, 0]);
    const a = leaf([1, 2, 3]);
    const b = leaf([1, 0, 4]);
    A.sum(A.maximum(a, b)).backward();
    close(arr(a.grad), [0.5, 1, 0]);
    close(arr(b.grad), [0.5, 0, 1]);
    // relu and abs at exactly 0: gradient 0; clamp at a bound: gradient 1 (bounds included)
    const z = leaf([0, 0, -0.5, 0.5]);
    A.sum(A.add(A.add(A.relu(z), A.abs(z)), A.clamp(z, -0.5, 0.5))).backward();
    close(arr(z.grad), [0 + 0 + 1, 0 + 0 + 1, 0 - 1 + 1, 1 + 1 + 1]);
  });

  it('piecewise-constant ops (sign, comparisons, argmax) return constants with no gradient', () => {
    const x = leaf([1, -2, 3]);
    for (const y of [A.sign(x), A.gt(x, 0), A.eq(x, 1), A.ne(x, 1), A.lt(x, 0), A.le(x, 0), A.ge(x, 0), A.argmax(x), A.argmin(x)]) {
      expect(y.requiresGrad).to.equal(false);
      expect(y.node).to.equal(null);
    }
  });
});

describe('tape: higher-order gradients', () => {
  it('grad(grad(f)) values: f = sum(x³) → 6x; third order → 6; f = sum(sin x) → -sin x', () => {
    const f = (x: Variable) => A.sum(A.pow(x, 3));
    const df = A.grad(f);
    const x = T.tensor([0.5, -1.5, 2], f64);
    close(arr(df(x).value), [0.75, 6.75, 12]);
    const d2f = A.grad((v) => A.sum(df(v)));
    close(arr(d2f(x).value), [3, -9, 12]);
    const d3f = A.grad((v) => A.sum(d2f(v)));
    close(arr(d3f(x).value), [6, 6, 6]);
    const s = A.grad((v) => A.sum(A.grad((w) => A.sum(A.sin(w)))(v)));
    close(arr(s(x).value), [0.5, -1.5, 2].map((v) => -Math.sin(v)));
  });

  it('createGraph: gradients are graph values; backward through them accumulates second derivatives', () => {
    const x = leaf([1, 2]);
    const y = A.sum(A.mul(A.mul(x, x), x)); // sum x³
    const [g] = A.grads(y, [x], undefined, { createGraph: true });
    expect(g!.requiresGrad).to.equal(true);
    close(arr(g!.value), [3, 12]);
    A.sum(g!).backward(); // d/dx sum(3x²) = 6x
    close(arr(x.grad), [6, 12]);
    // without createGraph the result is a constant
    const [g2] = A.grads(A.sum(A.mul(A.mul(x, x), x)), [x]);
    expect(g2!.requiresGrad).to.equal(false);
  });

  describe('once-differentiable ops', () => {
    // x³ with a fused backward (plain tensor arithmetic, returning a Tensor)
    const cube = A.defineOp({
      name: 'fusedCube',
      forward: ([x]) => ({ out: T.pow(x!, 3) }),
      backward: (dy, { inputs: [x] }) => [T.mul(dy.value, T.mul(T.square(x!.value), 3))],
      onceDifferentiable: true,
    });

    it('first-order gradients work, also with createGraph when nothing differentiates them again', () => {
      const x = leaf([1, 2]);
      A.sum(cube([x], undefined)).backward();
      close(arr(x.grad), [3, 12]);
      A.gradcheck((v) => cube([v], undefined), [T.tensor([0.5, -1, 2], f64)]);
      const [g] = A.grads(A.sum(cube([x], undefined)), [x], undefined, { createGraph: true });
      close(arr(g!.value), [3, 12]);
    });

    it('a second-order gradient through it is a clear error (not a silent zero)', () => {
      const x = leaf([1, 2]);
      const [g] = A.grads(A.sum(cube([x], undefined)), [x], undefined, { createGraph: true });
      throwsWith(() => A.grads(A.sum(g!), [x]), "backward: 'fusedCube' is once-differentiable (its backward is a fused kernel)");
      throwsWith(() => A.grad((v) => A.sum(A.grad((w) => A.sum(cube([w], undefined)))(v)))(T.tensor([1, 2], f64)), 'once-differentiable');
      throwsWith(() => A.gradgradcheck((v) => cube([v], undefined), [T.tensor([1, 2], f64)]), "'fusedCube' is once-differentiable");
    });

    it('other paths of a second-order graph still work when the once-differentiable op is not on them', () => {
      const x = leaf([1, 2]);
      const w = leaf([3]);
      // gradient with respect to w does not pass through fusedCube's backward
      const y = A.sum(A.add(cube([x], undefined), A.mul(A.mul(w, w), x)));
      const [, gw] = A.grads(y, [x, w], undefined, { createGraph: true });
      const [gww] = A.grads(gw!, [w]); // d/dw (2 w · sum x) = 2 · sum x
      close(arr(gww!.value), [6]);
    });
  });
});
