// nn: Linear against a hand computation, parameter naming, zeroGrad, train/eval, seeded initialisation
// (reproducibility, and the Xavier/Kaiming distributions checked statistically), and state dicts that
// round-trip through JSON bit for bit.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { nn } from '@propel-ts/autograd';

const f64 = { dtype: 'float64' } as const;
const arr = (t: Tensor): number[] => Array.from(t.toTypedArray());

function bytes(t: Tensor): Uint8Array {
  const a = t.toTypedArray();
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function throwsWith(f: () => unknown, text: string): void {
  expect(f).to.throw(text);
}

describe('nn.Linear', () => {
  it('forward is x Wᵀ + b (hand computation)', () => {
    const layer = new nn.Linear(3, 2, { dtype: 'float64', seed: 4 });
    const W = layer.weight.value.toArray() as number[][];
    const b = arr(layer.bias!.value);
    expect(layer.weight.shape).to.deep.equal([2, 3]);
    expect(layer.bias!.shape).to.deep.equal([2]);
    const x = [[1, 2, 3], [-0.5, 0.25, 4]];
    const y = layer.forward(T.tensor(x, f64));
    expect(y.shape).to.deep.equal([2, 2]);
    const want = x.flatMap((row) => W.map((w, j) => row.reduce((s, xi, k) => s + xi * w[k]!, 0) + b[j]!));
    arr(y.value).forEach((v, i) => expect(v).to.be.closeTo(want[i]!, 1e-12));
    // a 1-D input is one sample
    const y1 = layer.forward(T.tensor(x[0]!, f64));
    expect(y1.shape).to.deep.equal([2]);
    arr(y1.value).forEach((v, i) => expect(v).to.be.closeTo(want[i]!, 1e-12));
  });

  it('without bias: x Wᵀ, and only the weight is a parameter', () => {
    const layer = new nn.Linear(2, 2, { bias: false, dtype: 'float64' });
    expect(layer.bias).to.equal(null);
    expect(layer.namedParameters().map(([n]) => n)).to.deep.equal(['weight']);
    const W = arr(layer.weight.value);
    const y = arr(layer.forward(T.tensor([[1, 10]], f64)).value);
    expect(y[0]).to.be.closeTo(W[0]! + 10 * W[1]!, 1e-12);
    expect(y[1]).to.be.closeTo(W[2]! + 10 * W[3]!, 1e-12);
  });

  it('the gradients of its parameters pass gradcheck', () => {
    const x = T.tensor([[0.3, -0.2, 0.8], [0.1, 0.5, -0.9]], f64);
    const layer = new nn.Linear(3, 2, { dtype: 'float64' });
    A.gradcheck((w, b) => { layer.weight = w; layer.bias = b; return layer.forward(x); }, [layer.weight.value, layer.bias!.value]);
  });

  it('rejects bad sizes', () => {
    throwsWith(() => new nn.Linear(0, 2), 'Linear: inFeatures must be a positive integer, got 0');
    throwsWith(() => new nn.Linear(2, 1.5), 'Linear: outFeatures must be a positive integer, got 1.5');
  });
});

describe('nn.Module: parameters, zeroGrad, train/eval', () => {
  it('parameters() and namedParameters() list every parameter with dotted names, depth first', () => {
    const mlp = new nn.MLP([2, 4, 3, 1]);
    const names = mlp.namedParameters().map(([n]) => n);
    // torch.nn.Sequential(Linear, Tanh, Linear, Tanh, Linear).state_dict() names its entries by child index
    expect(names).to.deep.equal(['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']);
    const params = mlp.parameters();
    expect(params.length).to.equal(6);
    expect(params.map((p) => p.shape)).to.deep.equal([[4, 2], [4], [3, 4], [3], [1, 3], [1]]);
    params.forEach((p, i) => expect(p).to.equal(mlp.namedParameters()[i]![1]));
    expect(params.every((p) => p.requiresGrad)).to.equal(true);

    const nested = new nn.Sequential(new nn.Linear(2, 3), new nn.Sequential(new nn.Tanh(), new nn.Linear(3, 1, { bias: false })));
    expect(nested.namedParameters().map(([n]) => n)).to.deep.equal(['0.weight', '0.bias', '1.1.weight']);
    // a Sequential held in a field of a custom module: torch's `body.0.weight`
    class Net extends nn.Module {
      body = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 1));
      forward(x: A.VarLike) { return this.body.forward(x); }
    }
    expect(Object.keys(new Net().stateDict())).to.deep.equal(['body.0.weight', 'body.0.bias', 'body.2.weight', 'body.2.bias']);
  });

  it('a custom module finds parameters held in fields, child modules and arrays of modules', () => {
    class Custom extends nn.Module {
      scale = A.variable(T.ones([1], f64), { requiresGrad: true });
      frozen = A.variable(T.ones([1], f64)); // not trainable: not a parameter
      head = new nn.Linear(2, 1, { dtype: 'float64' });
      blocks = [new nn.Linear(2, 2, { dtype: 'float64' }), new nn.Tanh()];
      forward(x: A.VarLike) { return A.mul(this.head.forward(this.blocks[1]!.forward(this.blocks[0]!.forward(x))), this.scale); }
    }
    const m = new Custom();
    expect(m.namedParameters().map(([n]) => n)).to.deep.equal(['scale', 'head.weight', 'head.bias', 'blocks.0.weight', 'blocks.0.bias']);
  });

  it('zeroGrad clears every parameter gradient', () => {
    const mlp = new nn.MLP([2, 3, 1], { dtype: 'float64' });
    A.sum(mlp.forward(T.tensor([[0.5, -1], [1, 2]], f64))).backward();
    expect(mlp.parameters().every((p) => p.grad !== null)).to.equal(true);
    mlp.zeroGrad();
    expect(mlp.parameters().every((p) => p.grad === null)).to.equal(true);
  });

  it('train/eval flags propagate to every submodule', () => {
    const model = new nn.Sequential(new nn.MLP([2, 3, 2]), new nn.ReLU(), new nn.Sequential(new nn.Sigmoid()));
    const all = (m: nn.Module): nn.Module[] => [m, ...((m as { layers?: nn.Module[] }).layers ?? []).flatMap(all)];
    expect(all(model).length).to.equal(8);
    expect(all(model).every((m) => m.training)).to.equal(true);
    expect(model.eval()).to.equal(model);
    expect(all(model).every((m) => !m.training)).to.equal(true);
    model.train();
    expect(all(model).every((m) => m.training)).to.equal(true);
    model.train(false);
    expect(all(model).every((m) => !m.training)).to.equal(true);
  });

  it('activations: Tanh, ReLU, Sigmoid', () => {
    const x = T.tensor([-1, 0.5], f64);
    expect(arr(new nn.Tanh().forward(x).value)).to.deep.equal([Math.tanh(-1), Math.tanh(0.5)]);
    expect(arr(new nn.ReLU().forward(x).value)).to.deep.equal([0, 0.5]);
    arr(new nn.Sigmoid().forward(x).value).forEach((v, i) => expect(v).to.be.closeTo(1 / (1 + Math.exp(-[-1, 0.5][i]!)), 1e-15));
    const relu = new nn.MLP([1, 2, 1], { activation: 'relu' });
    expect(relu.layers[1]).to.be.instanceOf(nn.ReLU);
  });
});

describe('nn.Module: PyTorch habits, and arguments that would be ignored', () => {
  it("namedParameters(prefix) joins the prefix with a dot, as torch's named_parameters(prefix=...)", () => {
    expect(new nn.Linear(2, 1).namedParameters('model').map(([n]) => n)).to.deep.equal(['model.weight', 'model.bias']);
    const net = new nn.Sequential(new nn.Linear(2, 3), new nn.Tanh(), new nn.Linear(3, 1));
    expect(net.namedParameters('net').map(([n]) => n)).to.deep.equal(['net.0.weight', 'net.0.bias', 'net.2.weight', 'net.2.bias']);
    expect(net.namedParameters('').map(([n]) => n)).to.deep.equal(['0.weight', '0.bias', '2.weight', '2.bias']);
    throwsWith(() => net.namedParameters(5 as never), 'namedParameters: prefix got 5, expected a string');
  });

  it("train(on) takes a boolean: train('no') would leave Dropout training", () => {
    const model = new nn.Sequential(new nn.Linear(2, 2), new nn.Dropout(0.5));
    throwsWith(() => model.train('no' as never), 'train: on got "no", expected true or false');
    expect(model.training).to.equal(true);
    model.train(false);
    expect(model.layers.map((m) => m.training)).to.deep.equal([false, false]);
  });

  it('the methods that take nothing refuse an argument PyTorch would read (recurse, set_to_none, strict)', () => {
    const model = new nn.Sequential(new nn.Linear(2, 1));
    const call = (f: unknown, ...args: unknown[]) => () => (f as (...a: unknown[]) => unknown).apply(model, args);
    throwsWith(call(model.parameters, false), 'parameters: got 1 arguments, expected at most 0');
    throwsWith(call(model.zeroGrad, false), 'zeroGrad: got 1 arguments, expected at most 0');
    throwsWith(call(model.eval, 1), 'eval: got 1 arguments, expected at most 0');
    throwsWith(call(model.stateDict, 'x'), 'stateDict: got 1 arguments, expected at most 0');
    throwsWith(call(model.loadStateDict, model.stateDict(), false), 'loadStateDict: got 2 arguments, expected at most 1');
  });

  it("a built-in module's forward takes one input: a second would be ignored", () => {
    const x = T.tensor([[1, 2]]);
    const modules: [string, nn.Module][] = [
      ['Linear', new nn.Linear(2, 2)], ['LayerNorm', new nn.LayerNorm(2)], ['Dropout', new nn.Dropout(0.1)],
      ['Sequential', new nn.Sequential(new nn.Linear(2, 2))], ['Tanh', new nn.Tanh()], ['ReLU', new nn.ReLU()],
      ['Sigmoid', new nn.Sigmoid()], ['GELU', new nn.GELU()], ['SiLU', new nn.SiLU()], ['LeakyReLU', new nn.LeakyReLU()], ['ELU', new nn.ELU()],
    ];
    for (const [name, m] of modules) {
      throwsWith(() => (m.forward as (...a: unknown[]) => unknown)(x, x), `${name}.forward: got 2 arguments, expected at most 1`);
      expect(m.forward(x).shape, name).to.deep.equal([1, 2]);
    }
  });

  it("Linear and LayerNorm name themselves when the input's last dim, dtype or device is wrong", () => {
    const layer = new nn.Linear(3, 2);
    throwsWith(() => layer.forward(T.zeros([1, 4])), 'Linear: input has shape [1,4], expected [..., 3] (the last dim is inFeatures = 3)');
    throwsWith(() => layer.forward(T.zeros([])), 'Linear: input has shape [], expected [..., 3]');
    throwsWith(() => layer.forward(T.zeros([1, 3], f64)), "Linear: input has dtype float64, expected float32 (the layer's dtype");
    throwsWith(() => new nn.LayerNorm(3).forward(T.zeros([1, 3], f64)), "LayerNorm: input has dtype float64, expected float32 (the layer's dtype");
    // a 1-D input is one sample, as torch: [in] -> [out], here by hand
    const w = layer.weight.value.toArray() as number[][], b = layer.bias!.value.toArray() as number[];
    const y = Array.from(layer.forward(T.tensor([1, -2, 0.5])).value.toTypedArray());
    y.forEach((v, o) => expect(v).to.be.closeTo(w[o]![0]! - 2 * w[o]![1]! + 0.5 * w[o]![2]! + b[o]!, 1e-6));
  });

  it('an optimizer of no parameters is an error, as in PyTorch (its step would do nothing)', () => {
    throwsWith(() => new A.optim.SGD([], { lr: 0.1 }), 'SGD: params got an empty array, expected at least one Variable');
    throwsWith(() => new A.optim.Adam(new nn.Tanh().parameters()), 'Adam: params got an empty array');
  });
});

describe('nn: seeded initialisation', () => {
  it('same seed gives the same weights, a different seed different ones', () => {
    for (const init of ['pytorch', 'xavier', 'kaiming'] as const) {
      const a = new nn.Linear(5, 4, { seed: 11, init });
      const b = new nn.Linear(5, 4, { seed: 11, init });
      const c = new nn.Linear(5, 4, { seed: 12, init });
      expect(bytes(a.weight.value), init).to.deep.equal(bytes(b.weight.value));
      expect(bytes(a.bias!.value), init).to.deep.equal(bytes(b.bias!.value));
      expect(arr(a.weight.value), init).to.not.deep.equal(arr(c.weight.value));
    }
    const m1 = new nn.MLP([3, 8, 8, 2], { seed: 5 });
    const m2 = new nn.MLP([3, 8, 8, 2], { seed: 5 });
    const m3 = new nn.MLP([3, 8, 8, 2], { seed: 6 });
    m1.parameters().forEach((p, i) => expect(bytes(p.value)).to.deep.equal(bytes(m2.parameters()[i]!.value)));
    expect(arr(m1.parameters()[0]!.value)).to.not.deep.equal(arr(m3.parameters()[0]!.value));
    // the layers of one MLP are not copies of each other
    expect(arr(m1.parameters()[2]!.value).slice(0, 8)).to.not.deep.equal(arr(m1.parameters()[4]!.value).slice(0, 8));
  });

  /** Sample mean and standard deviation. */
  function stats(xs: number[]): { mean: number; std: number; maxAbs: number } {
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
    return { mean, std, maxAbs: xs.reduce((m, x) => Math.max(m, Math.abs(x)), 0) };
  }

  it('Xavier: U(±√(6/(in+out))), checked on a 300×500 layer; bias zero', () => {
    const [fanIn, fanOut] = [500, 300];
    const layer = new nn.Linear(fanIn, fanOut, { init: 'xavier', dtype: 'float64', seed: 1 });
    const w = arr(layer.weight.value);
    const bound = Math.sqrt(6 / (fanIn + fanOut));
    const { mean, std, maxAbs } = stats(w);
    expect(maxAbs).to.be.at.most(bound);
    expect(maxAbs).to.be.greaterThan(0.999 * bound); // the whole interval is used
    const n = w.length;
    const sigma = bound / Math.sqrt(3); // std of U(-bound, bound)
    expect(Math.abs(mean)).to.be.lessThan(5 * sigma / Math.sqrt(n));
    expect(std).to.be.closeTo(sigma, 0.01 * sigma);
    // uniform, not normal: a quarter of the mass in each quarter of the interval
    const q = w.filter((x) => x > bound / 2).length / n;
    expect(q).to.be.closeTo(0.25, 0.01);
    expect(arr(layer.bias!.value).every((b) => b === 0)).to.equal(true);
  });

  it('Kaiming: N(0, 2/in), checked on a 300×500 layer; bias zero', () => {
    const [fanIn, fanOut] = [500, 300];
    const layer = new nn.Linear(fanIn, fanOut, { init: 'kaiming', dtype: 'float64', seed: 2 });
    const w = arr(layer.weight.value);
    const sigma = Math.sqrt(2 / fanIn);
    const { mean, std } = stats(w);
    expect(Math.abs(mean)).to.be.lessThan(5 * sigma / Math.sqrt(w.length));
    expect(std).to.be.closeTo(sigma, 0.01 * sigma);
    // normal, not uniform: about 4.55% beyond 2σ
    const tail = w.filter((x) => Math.abs(x) > 2 * sigma).length / w.length;
    expect(tail).to.be.closeTo(0.0455, 0.003);
    expect(arr(layer.bias!.value).every((b) => b === 0)).to.equal(true);
  });

  it('PyTorch default: weight and bias U(±1/√in)', () => {
    const layer = new nn.Linear(400, 200, { dtype: 'float64', seed: 3 });
    const bound = 1 / Math.sqrt(400);
    const w = stats(arr(layer.weight.value));
    expect(w.maxAbs).to.be.at.most(bound);
    expect(w.std).to.be.closeTo(bound / Math.sqrt(3), 0.01 * bound);
    const b = stats(arr(layer.bias!.value));
    expect(b.maxAbs).to.be.at.most(bound);
    expect(b.std).to.be.greaterThan(0);
  });
});

describe('nn: stateDict / loadStateDict', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`stateDict → JSON.stringify → JSON.parse → loadStateDict round-trips bit for bit (${dtype})`, () => {
      const src = new nn.MLP([3, 7, 5, 2], { dtype, seed: 9, init: 'kaiming' });
      // awkward values survive too: subnormals, extremes, and the ones JSON cannot hold (-0, NaN, ±Infinity)
      src.parameters()[1]!.value = T.tensor([1e-45, -0, 1 / 3, 3.4e38, -2.5e-8, Math.PI, 0.1], { dtype });
      src.parameters()[3]!.value = T.tensor([NaN, Infinity, -Infinity, 0, -1e-300], { dtype });
      const json = JSON.stringify(src.stateDict());
      const dst = new nn.MLP([3, 7, 5, 2], { dtype, seed: 123 });
      expect(bytes(dst.parameters()[0]!.value)).to.not.deep.equal(bytes(src.parameters()[0]!.value));
      dst.loadStateDict(JSON.parse(json) as nn.StateDict);
      const a = src.namedParameters();
      const b = dst.namedParameters();
      expect(b.map(([n]) => n)).to.deep.equal(a.map(([n]) => n));
      a.forEach(([name, p], i) => {
        const q = b[i]![1];
        expect(q.dtype, name).to.equal(dtype);
        expect(q.shape, name).to.deep.equal(p.shape);
        expect(bytes(q.value), name).to.deep.equal(bytes(p.value));
        expect(q.requiresGrad, name).to.equal(true);
      });
      // and the loaded model computes the same thing (layer 0 is all finite)
      const x = T.tensor([[0.1, 0.2, 0.3]], { dtype });
      expect(bytes(dst.layers[0]!.forward(x).value)).to.deep.equal(bytes(src.layers[0]!.forward(x).value));
      // a second round trip gives the same JSON
      expect(JSON.stringify(dst.stateDict())).to.equal(json);
    });
  }

  it('the state dict is plain JSON: shape, dtype, data', () => {
    const layer = new nn.Linear(2, 1, { dtype: 'float64' });
    const s = layer.stateDict();
    expect(Object.keys(s)).to.deep.equal(['weight', 'bias']);
    expect(s.weight!.shape).to.deep.equal([1, 2]);
    expect(s.weight!.dtype).to.equal('float64');
    expect(s.weight!.data).to.deep.equal(arr(layer.weight.value));
  });

  it('errors name the key: missing key, wrong shape, unexpected key, wrong dtype, wrong length', () => {
    const model = new nn.MLP([2, 3, 1]);
    const good = () => JSON.parse(JSON.stringify(model.stateDict())) as nn.StateDict;

    const missing = good();
    delete missing['2.bias'];
    throwsWith(() => model.loadStateDict(missing), "loadStateDict: missing key '2.bias'");

    const shape = good();
    shape['0.weight']!.shape = [2, 3];
    throwsWith(() => model.loadStateDict(shape), "loadStateDict: '0.weight' has shape [2,3], expected [3,2]");

    const extra = good();
    extra['1.weight'] = { shape: [1], dtype: 'float32', data: [0] };
    throwsWith(() => model.loadStateDict(extra), "loadStateDict: unexpected key '1.weight'");

    const dtype = good();
    dtype['0.bias']!.dtype = 'float64';
    throwsWith(() => model.loadStateDict(dtype), "loadStateDict: '0.bias' has dtype float64, expected float32");

    const bad = good();
    (bad['2.weight']!.data as unknown[])[1] = null;
    throwsWith(() => model.loadStateDict(bad), "loadStateDict: '2.weight' element 1 is null, expected a number");

    const short = good();
    short['0.bias']!.data.pop();
    throwsWith(() => model.loadStateDict(short), "loadStateDict: '0.bias' has 2 values, expected 3");
  });
});

describe('nn: shared parameters', () => {
  it('lists a layer shared by two fields once, so an optimizer updates it once', () => {
    const shared = new nn.Linear(2, 2, { seed: 1 });
    class Twice extends nn.Module {
      a = shared;
      b = shared;
      forward(x: A.VarLike) { return this.b.forward(this.a.forward(x)); }
    }
    expect(new Twice().namedParameters().map(([n]) => n)).to.deep.equal(['a.weight', 'a.bias']);
  });
});

describe('nn: PyTorch layouts and tensor state dicts', () => {
  it('stateTensors: the parameters by torch name and shape (Linear weight [out, in])', () => {
    const mlp = new nn.MLP([2, 64, 64, 16], { seed: 1 });
    const s = mlp.stateTensors();
    // torch.nn.Sequential(Linear(2,64), Tanh(), Linear(64,64), Tanh(), Linear(64,16)).state_dict()
    expect(Object.entries(s).map(([k, t]) => [k, t.shape])).to.deep.equal([
      ['0.weight', [64, 2]], ['0.bias', [64]], ['2.weight', [64, 64]], ['2.bias', [64]], ['4.weight', [16, 64]], ['4.bias', [16]],
    ]);
    expect(s['0.weight']).to.equal(mlp.layers[0]!.namedParameters()[0]![1].value);
  });

  it('loadStateDict takes tensors by name, copies them, and checks names, shapes and dtypes', () => {
    const src = new nn.MLP([3, 4, 2], { dtype: 'float64', seed: 2 });
    const dst = new nn.MLP([3, 4, 2], { dtype: 'float64', seed: 3 });
    const tensors = src.stateTensors();
    dst.loadStateDict(tensors);
    const x = T.tensor([[0.1, -0.2, 0.3]], f64);
    expect(bytes(dst.forward(x).value)).to.deep.equal(bytes(src.forward(x).value));
    expect(dst.stateTensors()['0.weight']).to.not.equal(tensors['0.weight']); // a copy, not an alias
    // a non-contiguous tensor of the right shape loads its logical values
    const w = T.tensor([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]], f64).transpose(0, 1);
    dst.loadStateDict({ ...tensors, '0.weight': w });
    expect(dst.layers[0]!.namedParameters()[0]![1].value.toArray()).to.deep.equal(w.toArray());

    throwsWith(() => dst.loadStateDict({ ...tensors, '0.weight': T.zeros([3, 4], f64) }), "loadStateDict: '0.weight' has shape [3,4], expected [4,3]");
    throwsWith(() => dst.loadStateDict({ ...tensors, '2.bias': T.zeros([2]) }), "loadStateDict: '2.bias' has dtype float32, expected float64");
    const { ['2.bias']: _, ...missing } = tensors;
    throwsWith(() => dst.loadStateDict(missing), "loadStateDict: missing key '2.bias'");
    throwsWith(() => dst.loadStateDict({ ...tensors, 'layers.0.weight': T.zeros([4, 3], f64) }), "loadStateDict: unexpected key 'layers.0.weight'");
    throwsWith(() => dst.loadStateDict(T.zeros([1]) as unknown as nn.StateDict), 'loadStateDict: state got a Tensor, expected a state dict');
  });
});

describe('nn: constructor options are checked', () => {
  it('Linear and MLP reject unknown options, wrong types and bad sizes, naming them', () => {
    throwsWith(() => new nn.Linear(2, 2, { seed: 1, baias: false } as nn.LinearOptions), "Linear: unknown option 'baias' (did you mean 'bias'?)");
    throwsWith(() => new nn.Linear(2, 2, { dtype: 'float16' } as unknown as nn.LinearOptions), "Linear: dtype got \"float16\", expected one of 'float32', 'float64'");
    throwsWith(() => new nn.Linear(2, 2, { init: 'he' } as unknown as nn.LinearOptions), "Linear: init got \"he\", expected one of 'pytorch', 'xavier', 'kaiming'");
    throwsWith(() => new nn.Linear(2, 2, { bias: 0 } as unknown as nn.LinearOptions), 'Linear: bias got 0, expected true or false');
    throwsWith(() => new nn.Linear(2, 2, { seed: 0.5 }), 'Linear: seed got 0.5, expected an integer');
    throwsWith(() => new nn.Linear(2, 2, 7 as unknown as nn.LinearOptions), 'Linear: options got 7');
    throwsWith(() => new nn.MLP([2, 3, 1], { activaton: 'relu' } as nn.MLPOptions), "MLP: unknown option 'activaton' (did you mean 'activation'?)");
    throwsWith(() => new nn.MLP([2, 3, 1], { activation: 'swish' } as unknown as nn.MLPOptions), "MLP: activation got \"swish\", expected one of 'tanh', 'relu', 'sigmoid', 'gelu', 'silu', 'leakyRelu', 'elu'");
    throwsWith(() => new nn.MLP([2, 0, 1]), 'MLP: sizes got [2, 0, 1], expected at least two positive integers');
    throwsWith(() => new nn.MLP([2]), 'MLP: sizes got [2], expected at least two positive integers');
    throwsWith(() => new nn.Sequential(new nn.Tanh(), {} as nn.Module), 'Sequential: layer 1 got an object, expected a Module');
    // a valid option is honoured, not ignored
    expect(new nn.MLP([2, 3, 1], { bias: false }).namedParameters().map(([n]) => n)).to.deep.equal(['0.weight', '2.weight']);
    expect(new nn.MLP([2, 3, 1], { dtype: 'float64' }).parameters().every((p) => p.dtype === 'float64')).to.equal(true);
  });
});
