// Learning-rate schedulers: StepLR and CosineAnnealingLR give the rate sequence of the closed forms in
// PyTorch's documentation (torch.optim.lr_scheduler), written out below per epoch, through opt.lr on
// every optimizer; the optimizer's steps really use the scheduled rate; argument errors.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { optim } from '@propel-ts/autograd';

const f64 = { dtype: 'float64' } as const;
const param = () => A.variable(T.tensor([1, -2], f64), { requiresGrad: true });

/** The rates a scheduler sets over `epochs` epochs: [the rate at construction, after step 1, ...]. */
function rates(opt: optim.Optimizer, sched: optim.LRScheduler, epochs: number): number[] {
  const out = [opt.lr];
  for (let e = 1; e <= epochs; e++) {
    opt.step(); // no gradients: skipped, but called first as PyTorch expects
    sched.step();
    expect(sched.lastEpoch).to.equal(e);
    expect(sched.getLastLr()).to.deep.equal([opt.lr]);
    out.push(opt.lr);
  }
  return out;
}

function expectRates(got: number[], want: number[]): void {
  expect(got.length).to.equal(want.length);
  got.forEach((r, e) => expect(r, `epoch ${e}`).to.be.closeTo(want[e]!, 1e-15 * Math.max(1, want[e]!)));
}

describe('optim.StepLR', () => {
  it('lr = base · γ^⌊epoch / stepSize⌋: 0.1 for epochs 0-2, 0.01 for 3-5, 0.001 for 6-8, ...', () => {
    const opt = new optim.SGD([param()], 0.1);
    const sched = new optim.StepLR(opt, { stepSize: 3 });
    expect(sched.lastEpoch).to.equal(0);
    expect(sched.getLastLr()).to.deep.equal([0.1]);
    expectRates(rates(opt, sched, 9), [0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 0.0001]);
  });

  it('gamma 0.5, stepSize 1, on Adam, RMSprop and Adagrad', () => {
    for (const opt of [new optim.Adam([param()], 0.08), new optim.RMSprop([param()], 0.08), new optim.Adagrad([param()], 0.08)]) {
      const sched = new optim.StepLR(opt, { stepSize: 1, gamma: 0.5 });
      expectRates(rates(opt, sched, 4), [0.08, 0.04, 0.02, 0.01, 0.005]);
    }
  });

  it('the optimizer steps with the scheduled rate', () => {
    // SGD θ ← θ - lr·g with g = 1: lr 1 for epoch 0, then 0.5 (stepSize 1, gamma 0.5): θ = 1 - 1 - 0.5 - 0.25
    const p = A.variable(T.tensor([1], f64), { requiresGrad: true });
    const opt = new optim.SGD([p], 1);
    const sched = new optim.StepLR(opt, { stepSize: 1, gamma: 0.5 });
    for (let e = 0; e < 3; e++) {
      p.grad = T.ones([1], f64);
      opt.step();
      sched.step();
    }
    expect(p.value.item()).to.equal(1 - 1 - 0.5 - 0.25);
    expect(opt.lr).to.equal(0.125);
  });

  it("PyTorch's positional form: new StepLR(opt, 2) is { stepSize: 2 } (gamma 0.1)", () => {
    const opt = new optim.SGD([param()], 1);
    expectRates(rates(opt, new optim.StepLR(opt, 2), 4), [1, 1, 0.1, 0.1, 0.01]);
  });

  it('argument errors', () => {
    const opt = new optim.SGD([param()], 0.1);
    expect(() => new optim.StepLR(opt, {} as never)).to.throw('StepLR: stepSize is required');
    expect(() => new optim.StepLR(opt, { stepSize: 1.5 })).to.throw('StepLR: stepSize got 1.5, expected an integer >= 1');
    expect(() => new optim.StepLR(opt, { stepSize: 2, gamma: 0 })).to.throw('StepLR: gamma got 0, expected a finite number > 0');
    expect(() => new optim.StepLR(opt, { step_size: 2 } as never)).to.throw("StepLR: unknown option 'step_size' (did you mean 'stepSize'?)");
    expect(() => new optim.StepLR({ lr: 0.1 } as never, { stepSize: 2 })).to.throw('StepLR: optimizer got');
    const sched = new optim.StepLR(opt, { stepSize: 2 });
    expect(() => (sched.step as (e: number) => void)(3)).to.throw('StepLR.step: got 1 arguments, expected at most 0');
  });
});

describe('optim.CosineAnnealingLR', () => {
  it('lr = ηmin + (base - ηmin)(1 + cos(π·epoch/tMax))/2, to ηmin at tMax and back up after', () => {
    const opt = new optim.SGD([param()], 0.1);
    const sched = new optim.CosineAnnealingLR(opt, { tMax: 4, etaMin: 0.02 });
    // cos(π·e/4) for e = 0..8: 1, √½, 0, -√½, -1, -√½, 0, √½, 1
    const c = Math.SQRT1_2;
    const want = [1, c, 0, -c, -1, -c, 0, c, 1].map((cos) => 0.02 + 0.08 * (1 + cos) / 2);
    expectRates(rates(opt, sched, 8), want);
    // by hand: epoch 2 is halfway, (0.1 + 0.02) / 2 = 0.06; epoch 4 is ηmin
    expect(want[2]).to.be.closeTo(0.06, 1e-17);
    expect(want[4]).to.be.closeTo(0.02, 1e-17);
  });

  it('etaMin 0 (the default) reaches lr 0 at tMax, which opt.lr accepts', () => {
    const opt = new optim.Adam([param()], 0.01);
    const sched = new optim.CosineAnnealingLR(opt, { tMax: 2 });
    expectRates(rates(opt, sched, 2), [0.01, 0.005, 0]);
    expect(opt.lr).to.equal(0);
  });

  it("PyTorch's positional form: new CosineAnnealingLR(opt, 2) is { tMax: 2 }", () => {
    const opt = new optim.SGD([param()], 0.4);
    expectRates(rates(opt, new optim.CosineAnnealingLR(opt, 2), 2), [0.4, 0.2, 0]);
  });

  it('argument errors', () => {
    const opt = new optim.SGD([param()], 0.1);
    expect(() => new optim.CosineAnnealingLR(opt, { etaMin: 0 } as never)).to.throw('CosineAnnealingLR: tMax is required');
    expect(() => new optim.CosineAnnealingLR(opt, { tMax: 0 })).to.throw('CosineAnnealingLR: tMax got 0, expected an integer >= 1');
    expect(() => new optim.CosineAnnealingLR(opt, { tMax: 10, etaMin: -1 })).to.throw('CosineAnnealingLR: etaMin got -1, expected a finite number >= 0');
    expect(() => new optim.CosineAnnealingLR(opt, { T_max: 10 } as never)).to.throw("CosineAnnealingLR: unknown option 'T_max'");
    expect(() => new optim.CosineAnnealingLR(opt, 'ten' as never)).to.throw('CosineAnnealingLR: expected new CosineAnnealingLR(optimizer, { tMax?, etaMin? }), got new CosineAnnealingLR(optimizer, "ten")');
    expect(() => new optim.CosineAnnealingLR(opt, 2.5)).to.throw('CosineAnnealingLR: tMax got 2.5, expected an integer >= 1');
  });
});
