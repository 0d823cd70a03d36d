// Gradients at the edges, against PyTorch: the values and gradients PyTorch 1.13 computes in float64
// (test/fixtures/torch-gradients/gradients.json, written by generate.py next to it) for the five gradient
// bugs of issue 13 (pow at base 0, div by a tiny denominator, prod with zeros, logsumexp/softmax/logSoftmax
// over an empty axis) and for the NaN and tie conventions. Each fixture case runs the same function here
// (upstream gradient of ones) and must agree to 1e-12 relative, NaN and ±inf exactly; where this project
// deliberately differs from PyTorch the case lists our value and the reason (docs/pytorch.md, "Conventions").
import { expect } from 'chai';
import { readFileSync } from 'fs';
import { join } from 'path';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import type { Variable } from '@propel-ts/autograd';

type Encoded = number | 'NaN' | 'Infinity' | '-Infinity';
interface FixtureCase {
  inputs: { shape: number[]; values: Encoded[] }[];
  output: { shape: number[]; values: Encoded[] };
  grads: Encoded[][];
}
const FIXTURE = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'torch-gradients', 'gradients.json'), 'utf8')) as {
  torch: string; cases: Record<string, FixtureCase>;
};

const decode = (v: Encoded): number => (typeof v === 'number' ? v : Number(v));

/** The function of each fixture case, written with this project's ops. */
const FUNCTIONS: Record<string, (...xs: Variable[]) => Variable> = {
  'pow at base 0': (a, b) => A.pow(a!, b!),
  'pow(x, 0) at x = 0': (x) => A.pow(x!, 0),
  'pow(0, y)': (y) => A.pow(T.zerosLike(y!.value), y!),
  'div by a tiny denominator': (a, b) => A.div(a!, b!),
  'prod with one zero': (x) => A.prod(x!),
  'prod with two zeros': (x) => A.prod(x!),
  'prod over axis 1 with zeros': (x) => A.prod(x!, 1),
  'logsumexp over an empty axis': (x) => A.logsumexp(x!, 1),
  'softmax over an empty axis': (x) => A.softmax(x!, 1),
  'logSoftmax over an empty axis': (x) => A.logSoftmax(x!, 1),
  'relu at NaN and 0': (x) => A.relu(x!),
  'abs at NaN and 0': (x) => A.abs(x!),
  'clamp at NaN and at the bounds': (x) => A.clamp(x!, 0, 1),
  'maximum: ties and NaN': (a, b) => A.maximum(a!, b!),
  'minimum: ties and NaN': (a, b) => A.minimum(a!, b!),
  'max (all) with ties': (x) => A.max(x!),
  'max (all) with NaN': (x) => A.max(x!),
  'amax over axis 1 with ties': (x) => A.max(x!, 1),
  'min (all) with ties': (x) => A.min(x!),
};

/**
 * Where we differ from PyTorch on purpose: our gradients (hand-computed) and why. maximum/minimum at NaN:
 * PyTorch gives BOTH operands the full gradient (the shares sum to 2); we give it to the NaN operand (its
 * value is the output), ½ each when both are NaN, so the shares always sum to 1 as at a tie.
 */
const DEVIATIONS: Record<string, { grads: number[][]; why: string }> = {
  'maximum: ties and NaN': {
    // a = [NaN, 1, 2, NaN, 3], b = [1, NaN, 2, NaN, 1]
    grads: [[1, 0, 0.5, 0.5, 1], [0, 1, 0.5, 0.5, 0]],
    why: 'the NaN operand takes the gradient; PyTorch gives both operands 1',
  },
  'minimum: ties and NaN': {
    grads: [[1, 0, 0.5, 0.5, 0], [0, 1, 0.5, 0.5, 1]],
    why: 'the NaN operand takes the gradient; PyTorch gives both operands 1',
  },
};

function expectClose(got: ArrayLike<number>, want: readonly number[], what: string): void {
  expect(got.length, `${what}: length`).to.equal(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Number.isNaN(w) || !Number.isFinite(w)) {
      expect(Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)), `${what}[${i}]: got ${g}, PyTorch ${w}`).to.equal(true);
    } else {
      expect(Math.abs(g - w) <= 1e-12 * Math.abs(w) + 1e-300, `${what}[${i}]: got ${g}, expected ${w}`).to.equal(true);
    }
  }
}

describe(`gradients at the edges agree with PyTorch ${FIXTURE.torch} (float64)`, () => {
  it('every fixture case has a function here, and every function a fixture case', () => {
    expect(Object.keys(FUNCTIONS).sort()).to.deep.equal(Object.keys(FIXTURE.cases).sort());
  });

  for (const [name, c] of Object.entries(FIXTURE.cases)) {
    it(name, () => {
      const xs = c.inputs.map((x) => A.variable(T.tensor(Float64Array.from(x.values, decode), { shape: x.shape }), { requiresGrad: true }));
      const y = FUNCTIONS[name]!(...xs);
      expect(y.shape, 'output shape').to.deep.equal(c.output.shape);
      expectClose(y.value.toTypedArray(), c.output.values.map(decode), 'output');
      const gs = A.grads(y, xs, T.onesLike(y.value));
      const deviation = DEVIATIONS[name];
      const want = deviation ? deviation.grads : c.grads.map((g) => g.map(decode));
      gs.forEach((g, i) => expectClose(g.value.toTypedArray(), want[i]!, `gradient of input ${i}${deviation ? ` (ours: ${deviation.why})` : ''}`));
    });
  }

  it('the deviations really differ from PyTorch (so that the table stays honest)', () => {
    for (const [name, d] of Object.entries(DEVIATIONS)) {
      expect(d.grads, name).to.not.deep.equal(FIXTURE.cases[name]!.grads.map((g) => g.map(decode)));
    }
  });
});

describe('flatten with startDim after endDim throws in autograd as on tensors (it returned a wrong shape)', () => {
  it('A.flatten(x, 2, 1) and Variable.flatten(2, 1) throw the message of Tensor.flatten', () => {
    const t = T.zeros([4, 3, 2, 6]);
    const x = A.variable(t, { requiresGrad: true });
    let tensorMessage = '';
    try { t.flatten(2, 1); } catch (e) { tensorMessage = (e as Error).message; }
    expect(tensorMessage).to.equal('flatten: startDim 2 comes after endDim 1');
    expect(() => A.flatten(x, 2, 1)).to.throw(T.TensorError, tensorMessage);
    expect(() => x.flatten(2, 1)).to.throw(T.TensorError, tensorMessage);
    expect(A.flatten(x, 1, 2).shape).to.deep.equal([4, 6, 6]);
  });
});
