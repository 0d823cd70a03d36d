// Version counters (issue 13, item 3): a backward that reaches an op whose input or output changed after
// the forward used it (an optimizer step in place, an assignment to `value`, a loaded state dict) throws,
// naming the op, the input and both versions, instead of computing gradients from the new values (the
// first layer's gradient used to be off by up to 1.27 after `opt.step()`). PyTorch raises here too.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { nn, optim } from '@propel-ts/autograd';

const f64 = { dtype: 'float64' } as const;
const batch = () => T.tensor([[0.5, -1], [2, 0.25], [-0.3, 0.8]], f64);

function model(): nn.MLP {
  return new nn.MLP([2, 4, 1], { dtype: 'float64', seed: 3 });
}
const loss = (m: nn.MLP) => A.mean(A.square(m.forward(batch())));

function throwsWith(f: () => unknown, ...texts: string[]): void {
  let caught: unknown;
  try { f(); } catch (e) { caught = e; }
  expect(caught, texts.join(' / ')).to.be.instanceOf(T.TensorError);
  for (const t of texts) expect((caught as Error).message).to.include(t);
}

describe('version counters: no backward through values changed after the forward', () => {
  it('a tensor counts in-place changes of its storage, seen by every view', () => {
    const x = T.zeros([2, 3], f64);
    const view = x.transpose(0, 1);
    expect([x.version, view.version]).to.deep.equal([0, 0]);
    T.bumpVersion(view);
    expect([x.version, view.version, T.zeros([2]).version]).to.deep.equal([1, 1, 0]);
  });

  it('forward, opt.step() (in place), then backward on the old graph throws naming the op, the input and the versions', () => {
    const m = model();
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    const y = loss(m);
    A.backward(loss(m));   // a first, complete step is fine
    opt.step();
    throwsWith(() => y.backward(), 'backward: input', "changed after the forward used it: its storage was modified in place (version 1, expected 0)");
  });

  it('the tensor-path step (a non-contiguous parameter is replaced) is caught as a reassignment', () => {
    const w = A.variable(T.ones([3, 2], f64).transpose(0, 1), { requiresGrad: true });   // [2,3], not contiguous
    const y = A.sum(A.matmul(batch(), w));
    const opt = new optim.Adam([w], 0.1);
    w.grad = T.ones([2, 3], f64);
    opt.step();
    throwsWith(() => y.backward(), "of 'matmul'", 'its value was reassigned (assignment 1, expected 0)');
  });

  it('w.value = ... between forward and backward throws', () => {
    const w = A.variable(T.tensor([1, 2], f64), { requiresGrad: true });
    const y = A.sum(A.mul(w, w));
    w.value = T.tensor([5, 5], f64);
    throwsWith(() => y.backward(), "input 0 of 'mul'", 'reassigned');
  });

  it('loadStateDict between forward and backward throws', () => {
    const m = model();
    const y = loss(m);
    m.loadStateDict(model().stateDict());
    throwsWith(() => y.backward(), 'changed after the forward used it');
  });

  it('the usual loop (forward, backward, step) runs and its gradients are those of the current weights', () => {
    const m = model();
    const opt = new optim.SGD(m.parameters(), { lr: 0.05 });
    for (let step = 0; step < 3; step++) {
      opt.zeroGrad();
      A.backward(loss(m));
      opt.step();
    }
    // the gradient after the steps, against central differences of the same loss at the current weights
    opt.zeroGrad();
    A.backward(loss(m));
    const w = m.parameters()[0]!;
    const analytic = w.grad!.toTypedArray();
    const data = w.value.toTypedArray();
    const eps = 1e-6;
    for (const k of [0, 3, 5]) {
      const at = (d: number) => {
        const copy = Float64Array.from(data);
        copy[k] = copy[k]! + d;
        const probe = model();
        probe.loadStateDict(m.stateDict());
        probe.parameters()[0]!.value = T.tensor(copy, { shape: w.shape });
        return A.noGrad(() => loss(probe).item());
      };
      expect(analytic[k]).to.be.closeTo((at(eps) - at(-eps)) / (2 * eps), 1e-7);
    }
  });

  it('bumpVersion checks its argument', () => {
    throwsWith(() => T.bumpVersion([1] as never), 'bumpVersion: tensor got [1], expected a Tensor');
  });
});
