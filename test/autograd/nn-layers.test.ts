// nn.LayerNorm against a hand computation and a direct float64 formula (mean, biased variance, eps, weight
// and bias written out per sample below), gradcheck wrt input, weight and bias, torch's state-dict keys;
// nn.Dropout: the scaling 1/(1-p) and eval identity exactly, the zeroed fraction loosely (binomial bounds),
// seeding, its gradient, train/eval through containers; both on the 'gpu' device (every gpu.js mode
// available); the activation modules GELU, SiLU, LeakyReLU, ELU against their formulas (GELU's exact form
// against tabulated values of the normal CDF Φ) and inside MLP; argument errors.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { nn } from '@propel-ts/autograd';

const f64 = { dtype: 'float64' } as const;
const arr = (t: Tensor): number[] => Array.from(t.toTypedArray());

/** Seeded float64 values in [-2, 2). */
function values(shape: number[], seed: number): Tensor {
  const g = new T.Generator(seed);
  return T.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 4 * g.uniform() - 2), { ...f64, shape });
}

/**
 * The formula of torch.nn.LayerNorm's documentation, per group of the last `n` elements of a flat array:
 * μ = Σx/n, σ² = Σ(x-μ)²/n (biased), y = (x - μ)/√(σ² + ε)·w + b, w and b cycling over the group.
 */
function layerNormRef(x: number[], n: number, eps: number, w: number[], b: number[]): number[] {
  const out: number[] = [];
  for (let s = 0; s < x.length; s += n) {
    const group = x.slice(s, s + n);
    const mu = group.reduce((a, v) => a + v, 0) / n;
    const variance = group.reduce((a, v) => a + (v - mu) ** 2, 0) / n;
    group.forEach((v, i) => out.push(((v - mu) / Math.sqrt(variance + eps)) * w[i]! + b[i]!));
  }
  return out;
}

describe('nn.LayerNorm', () => {
  it('by hand: [1, 2, 3] has mean 2 and biased variance 2/3, so y = [-1, 0, 1] / √(2/3 + 1e-5)', () => {
    const ln = new nn.LayerNorm(3, f64);
    const y = arr(ln.forward(T.tensor([[1, 2, 3]], f64)).value);
    const s = Math.sqrt(2 / 3 + 1e-5);
    [-1 / s, 0, 1 / s].forEach((want, i) => expect(y[i]).to.be.closeTo(want, 1e-15));
  });

  it('the direct float64 formula, over the last dim and over the last two, with weight and bias', () => {
    const x = values([2, 3, 4], 1);
    const ln = new nn.LayerNorm(4, { ...f64, eps: 1e-3 });
    const w = [0.5, -1.5, 2, 1.25];
    const b = [0.1, 0, -0.3, 2];
    ln.weight!.value = T.tensor(w, f64);
    ln.bias!.value = T.tensor(b, f64);
    const want = layerNormRef(arr(x), 4, 1e-3, w, b);
    const got = ln.forward(x);
    expect(got.shape).to.deep.equal([2, 3, 4]);
    arr(got.value).forEach((v, k) => expect(v, `element ${k}`).to.be.closeTo(want[k]!, 1e-13));

    const ln2 = new nn.LayerNorm([3, 4], f64);
    const w2 = arr(values([3, 4], 2));
    const b2 = arr(values([3, 4], 3));
    ln2.loadStateDict({ weight: T.tensor(w2, { ...f64, shape: [3, 4] }), bias: T.tensor(b2, { ...f64, shape: [3, 4] }) });
    const want2 = layerNormRef(arr(x), 12, 1e-5, w2, b2);
    arr(ln2.forward(x).value).forEach((v, k) => expect(v, `element ${k}`).to.be.closeTo(want2[k]!, 1e-13));
    // a non-contiguous input (a transposed view) is read in logical order
    const xt = values([4, 3], 4).transpose(0, 1);
    const want3 = layerNormRef(arr(T.copy(xt)), 4, 1e-3, w, b);
    arr(ln.forward(xt).value).forEach((v, k) => expect(v).to.be.closeTo(want3[k]!, 1e-13));
  });

  it('gradcheck wrt input, weight and bias (last dim, and last two dims)', () => {
    const ln = new nn.LayerNorm(4, f64);
    A.gradcheck((x, w, b) => { ln.weight = w; ln.bias = b; return ln.forward(x); }, [values([3, 4], 5), values([4], 6), values([4], 7)]);
    const ln2 = new nn.LayerNorm([2, 3], { ...f64, eps: 0.1 });
    A.gradcheck((x, w, b) => { ln2.weight = w; ln2.bias = b; return ln2.forward(x); }, [values([2, 2, 3], 8), values([2, 3], 9), values([2, 3], 10)]);
  });

  it("parameters named as torch's (weight = ones, bias = zeros of normalizedShape); the affine options", () => {
    const ln = new nn.LayerNorm([2, 3]);
    expect(Object.keys(ln.stateDict())).to.deep.equal(['weight', 'bias']);
    expect(ln.weight!.shape).to.deep.equal([2, 3]);
    expect(arr(ln.weight!.value)).to.deep.equal([1, 1, 1, 1, 1, 1]);
    expect(arr(ln.bias!.value)).to.deep.equal([0, 0, 0, 0, 0, 0]);
    expect(ln.weight!.dtype).to.equal('float32');
    expect(new nn.LayerNorm(3, { bias: false }).namedParameters().map(([n]) => n)).to.deep.equal(['weight']);
    const plain = new nn.LayerNorm(3, { elementwiseAffine: false, ...f64 });
    expect(plain.parameters()).to.deep.equal([]);
    const y = arr(plain.forward(T.tensor([2, 4, 6], f64)).value);
    expect(y[1]).to.equal(0);
    // torch.nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4)).state_dict() keys
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.LayerNorm(4));
    expect(Object.keys(model.stateTensors())).to.deep.equal(['0.weight', '0.bias', '1.weight', '1.bias']);
  });

  it('argument errors', () => {
    expect(() => new nn.LayerNorm(0)).to.throw('LayerNorm: normalizedShape got 0, expected a positive integer or a non-empty array');
    expect(() => new nn.LayerNorm([])).to.throw('LayerNorm: normalizedShape got []');
    expect(() => new nn.LayerNorm(3, { eps: -1 })).to.throw('LayerNorm: eps got -1, expected a finite number >= 0');
    expect(() => new nn.LayerNorm(3, { dtype: 'float16' } as never)).to.throw("LayerNorm: dtype got \"float16\", expected one of 'float32', 'float64'");
    expect(() => new nn.LayerNorm(3, { elementwise_affine: false } as never)).to.throw("LayerNorm: unknown option 'elementwise_affine' (did you mean 'elementwiseAffine'?)");
    expect(() => new nn.LayerNorm(3).forward(T.ones([2, 4]))).to.throw('LayerNorm: input has shape [2,4], expected one ending in normalizedShape [3]');
    expect(() => new nn.LayerNorm([2, 3]).forward(T.ones([3]))).to.throw('LayerNorm: input has shape [3], expected one ending in normalizedShape [2,3]');
  });
});

describe('nn.Dropout', () => {
  const x = () => T.tensor(Array.from({ length: 2000 }, (_, i) => 0.5 + i / 1000), { ...f64, shape: [40, 50] });

  it('train mode: each element is 0 or exactly x / (1 - p); about p of them are 0', () => {
    for (const p of [0.1, 0.5, 0.8]) {
      const input = x();
      const y = arr(new nn.Dropout(p, { seed: 3 }).forward(input).value);
      const xs = arr(input);
      let zeros = 0;
      y.forEach((v, k) => {
        if (v === 0) zeros++;
        else expect(v, `element ${k}`).to.equal(xs[k]! * (1 / (1 - p)));
      });
      // binomial(2000, p): within 5 standard deviations
      const sd = Math.sqrt(2000 * p * (1 - p));
      expect(Math.abs(zeros - 2000 * p), `p = ${p}: ${zeros} zeros`).to.be.below(5 * sd);
    }
  });

  it('eval mode and p = 0 are the identity; p = 1 zeroes everything (as PyTorch)', () => {
    const input = A.variable(x(), { requiresGrad: true });
    const d = new nn.Dropout(0.5, { seed: 1 });
    expect(d.eval().forward(input)).to.equal(input);
    d.train();
    expect(arr(d.forward(input).value)).to.not.deep.equal(arr(input.value));
    expect(new nn.Dropout(0).forward(input)).to.equal(input);
    expect(arr(new nn.Dropout(1).forward(input).value).every((v) => v === 0)).to.equal(true);
    // the default p is 0.5: the scale is 2
    expect(new nn.Dropout().p).to.equal(0.5);
    expect(arr(new nn.Dropout({ seed: 2 }).forward(T.ones([100], f64)).value).every((v) => v === 0 || v === 2)).to.equal(true);
  });

  it('seeded: the same seed gives the same masks, each forward draws a new one; the default generator follows manualSeed', () => {
    const a = new nn.Dropout(0.5, { seed: 7 });
    const b = new nn.Dropout({ p: 0.5, seed: 7 });
    const first = arr(a.forward(x()).value);
    expect(arr(b.forward(x()).value)).to.deep.equal(first);
    expect(arr(a.forward(x()).value)).to.not.deep.equal(first);
    expect(arr(new nn.Dropout(0.5, { seed: 8 }).forward(x()).value)).to.not.deep.equal(first);
    const g = new T.Generator(7);
    expect(arr(new nn.Dropout(0.5, { generator: g }).forward(x()).value)).to.deep.equal(first);
    T.manualSeed(11);
    const fromDefault = arr(new nn.Dropout(0.5).forward(x()).value);
    T.manualSeed(11);
    expect(arr(new nn.Dropout(0.5).forward(x()).value)).to.deep.equal(fromDefault);
    T.manualSeed(0);
  });

  it('the gradient is the mask: 1/(1-p) where kept, 0 where dropped; float32 keeps its dtype', () => {
    const input = A.variable(x(), { requiresGrad: true });
    const y = new nn.Dropout(0.25, { seed: 4 }).forward(input);
    A.sum(y).backward();
    const ys = arr(y.value);
    arr(input.grad!).forEach((g, k) => expect(g).to.equal(ys[k] === 0 ? 0 : 1 / 0.75));
    const y32 = new nn.Dropout(0.25, { seed: 4 }).forward(T.ones([10]));
    expect(y32.dtype).to.equal('float32');
    expect(arr(y32.value).every((v) => v === 0 || v === Math.fround(1 / 0.75))).to.equal(true);
  });

  it('train()/eval() reach a Dropout inside containers', () => {
    const model = new nn.Sequential(new nn.Linear(50, 50, f64), new nn.Sequential(new nn.Dropout(0.5, { seed: 1 })));
    const input = x();
    const linear = arr(A.noGrad(() => (model.layers[0] as nn.Linear).forward(input)).value);
    model.eval();
    expect(arr(A.noGrad(() => model.forward(input)).value)).to.deep.equal(linear);
    model.train();
    expect(arr(A.noGrad(() => model.forward(input)).value)).to.not.deep.equal(linear);
    expect(model.parameters().length).to.equal(2);
  });

  it('argument errors', () => {
    expect(() => new nn.Dropout(1.5)).to.throw('Dropout: p got 1.5, expected a finite number >= 0 <= 1');
    expect(() => new nn.Dropout(-0.1)).to.throw('Dropout: p got -0.1');
    expect(() => new nn.Dropout(NaN)).to.throw('Dropout: p got NaN');
    expect(() => new nn.Dropout(0.5, { seed: 1.5 })).to.throw('Dropout: seed got 1.5');
    expect(() => new nn.Dropout(0.5, { seed: 1, generator: new T.Generator(1) })).to.throw('Dropout: got both seed and generator');
    expect(() => new nn.Dropout(0.5, { p: 0.2 } as never)).to.throw("Dropout: unknown option 'p'");
    expect(() => new nn.Dropout({ p: 0.2 }, { seed: 1 })).to.throw('Dropout: got 2 arguments, expected at most 1');
    expect(() => new nn.Dropout({ inplace: true } as never)).to.throw("Dropout: unknown option 'inplace'");
    expect(() => new nn.Dropout('0.5' as never)).to.throw('Dropout: expected new nn.Dropout(');
  });
});

describe('activation modules: GELU, SiLU, LeakyReLU, ELU', () => {
  const xs = [-2, -1, -0.5, 0.5, 1, 2];
  const x = () => T.tensor(xs, f64);
  const close = (got: number[], want: number[], tol: number) => got.forEach((g, k) => expect(g, `x = ${xs[k]}`).to.be.closeTo(want[k]!, tol));

  it('GELU: x·Φ(x) (Φ(0.5) = 0.691462461274013, Φ(1) = 0.841344746068543, Φ(2) = 0.977249868051821), and the tanh form', () => {
    const phi = { 0.5: 0.691462461274013, 1: 0.841344746068543, 2: 0.977249868051821 } as Record<number, number>;
    // Φ(-x) = 1 - Φ(x)
    const exact = xs.map((v) => v * (v > 0 ? phi[v]! : 1 - phi[-v]!));
    close(arr(new nn.GELU().forward(x()).value), exact, 1e-14);
    expect(new nn.GELU().approximate).to.equal('none');
    const tanhForm = xs.map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))));
    close(arr(new nn.GELU({ approximate: 'tanh' }).forward(x()).value), tanhForm, 1e-15);
    close(arr(new nn.GELU('tanh').forward(x()).value), tanhForm, 1e-15);
    // the two forms differ, by at most about 1e-3 (PyTorch's documented approximation)
    expect(Math.max(...tanhForm.map((t, k) => Math.abs(t - exact[k]!)))).to.be.within(1e-5, 1e-3);
  });

  it('SiLU: x / (1 + e^-x); LeakyReLU: x or slope·x (default 0.01); ELU: x or alpha·(e^x - 1) (default 1)', () => {
    close(arr(new nn.SiLU().forward(x()).value), xs.map((v) => v / (1 + Math.exp(-v))), 1e-15);
    const leaky = (s: number) => xs.map((v) => (v > 0 ? v : s * v));
    close(arr(new nn.LeakyReLU().forward(x()).value), leaky(0.01), 1e-16);
    close(arr(new nn.LeakyReLU(0.2).forward(x()).value), leaky(0.2), 1e-16);
    close(arr(new nn.LeakyReLU({ slope: 0.3 }).forward(x()).value), leaky(0.3), 1e-16);
    expect(new nn.LeakyReLU(0.2).slope).to.equal(0.2);
    const eluRef = (a: number) => xs.map((v) => (v > 0 ? v : a * (Math.exp(v) - 1)));
    close(arr(new nn.ELU().forward(x()).value), eluRef(1), 1e-15);
    close(arr(new nn.ELU(0.5).forward(x()).value), eluRef(0.5), 1e-15);
    close(arr(new nn.ELU({ alpha: 2 }).forward(x()).value), eluRef(2), 1e-15);
  });

  it('their gradients pass gradcheck (inputs away from the kink at 0); no parameters', () => {
    const input = T.tensor([[-1.3, -0.4, 0.6], [1.1, -2.2, 0.3]], f64);
    for (const m of [new nn.GELU(), new nn.GELU('tanh'), new nn.SiLU(), new nn.LeakyReLU(0.2), new nn.ELU(0.7)]) {
      A.gradcheck((v) => m.forward(v), [input]);
      expect(m.parameters()).to.deep.equal([]);
    }
  });

  it("MLP's activation option takes the new ones: the same modules at the odd indices, the same state-dict keys", () => {
    const kinds = { gelu: nn.GELU, silu: nn.SiLU, leakyRelu: nn.LeakyReLU, elu: nn.ELU } as const;
    for (const [name, Kind] of Object.entries(kinds) as [keyof typeof kinds, typeof kinds[keyof typeof kinds]][]) {
      const mlp = new nn.MLP([2, 4, 3, 1], { activation: name, seed: 2, ...f64 });
      expect(mlp.layers[1]).to.be.instanceOf(Kind);
      expect(mlp.layers[3]).to.be.instanceOf(Kind);
      expect(Object.keys(mlp.stateDict())).to.deep.equal(['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']);
      // forward = Linear → activation → Linear → activation → Linear, composed by hand
      const input = T.tensor([[0.5, -1]], f64);
      const [l0, , l2, , l4] = mlp.layers as [nn.Linear, nn.Module, nn.Linear, nn.Module, nn.Linear];
      const act = new Kind();
      const want = l4.forward(act.forward(l2.forward(act.forward(l0.forward(input)))));
      expect(arr(mlp.forward(input).value)).to.deep.equal(arr(want.value));
    }
    expect(() => new nn.MLP([2, 1], { activation: 'swish' } as never)).to.throw("MLP: activation got \"swish\", expected one of 'tanh', 'relu', 'sigmoid', 'gelu', 'silu', 'leakyRelu', 'elu'");
  });

  it('argument errors', () => {
    expect(() => new nn.GELU({ approximate: 'erf' } as never)).to.throw("GELU: approximate got \"erf\", expected one of 'none', 'tanh'");
    expect(() => new nn.GELU('fast' as never)).to.throw('GELU: approximate got "fast"');
    expect(() => new nn.LeakyReLU(NaN)).to.throw('LeakyReLU: slope got NaN, expected a finite number');
    expect(() => new nn.LeakyReLU({ negativeSlope: 0.2 } as never)).to.throw("LeakyReLU: unknown option 'negativeSlope'; accepted options: slope");
    expect(() => new nn.ELU({ alpha: Infinity })).to.throw('ELU: alpha got Infinity');
    expect(() => new nn.ELU('1' as never)).to.throw('ELU: expected new nn.ELU(');
    expect(() => new (nn.SiLU as unknown as new (x: unknown) => nn.SiLU)(1)).to.throw('SiLU: got 1 arguments, expected at most 0');
    expect(() => new (nn.ELU as unknown as new (a: unknown, b: unknown) => nn.ELU)(1, {})).to.throw('ELU: got 2 arguments, expected at most 1');
  });
});

describe("nn.LayerNorm and nn.Dropout on the 'gpu' device", () => {
  after(() => T.setGpuMode('auto'));
  for (const mode of T.gpuInfo().availableModes.filter((m) => m !== 'webgpu')) {
    it(`mode ${mode}: LayerNorm to float32 accuracy of the formula, with gradients; Dropout's exact scaling`, () => {
      T.setGpuMode(mode);
      const x = values([3, 4], 12);
      const ln = new nn.LayerNorm(4, { device: 'gpu' });
      expect(ln.weight!.device).to.equal('gpu');
      const y = ln.forward(T.to(T.astype(x, 'float32'), 'gpu'));
      expect(y.value.device).to.equal('gpu');
      const want = layerNormRef(arr(T.astype(T.astype(x, 'float32'), 'float64')), 4, 1e-5, [1, 1, 1, 1], [0, 0, 0, 0]);
      arr(y.value).forEach((v, k) => expect(v, `element ${k}`).to.be.closeTo(want[k]!, 1e-5));
      A.sum(A.mul(y, T.to(T.astype(values([3, 4], 13), 'float32'), 'gpu'))).backward();
      // dL/dbias = Σ over samples of the upstream gradient
      const up = arr(values([3, 4], 13));
      arr(ln.bias!.grad!).forEach((g, j) => expect(g).to.be.closeTo(up[j]! + up[4 + j]! + up[8 + j]!, 1e-5));

      const d = new nn.Dropout(0.75, { seed: 5 });
      const input = T.tensor(Array.from({ length: 400 }, (_, i) => i / 100 + 0.5), { device: 'gpu' });
      const out = d.forward(input);
      expect(out.value.device).to.equal('gpu');
      const xs = arr(input);
      // the mask is float32 fround(1/(1-p)) = 4 exactly, so each kept element is 4x in float32
      arr(out.value).forEach((v, k) => expect(v === 0 || v === Math.fround(xs[k]! * 4), `element ${k}`).to.equal(true));
      // same seed, same mask as on the CPU
      const cpu = arr(new nn.Dropout(0.75, { seed: 5 }).forward(T.to(input, 'cpu')).value);
      expect(arr(out.value)).to.deep.equal(cpu);
      expect(d.eval().forward(input).value).to.equal(input);
    });
  }
});
