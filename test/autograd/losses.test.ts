// Activations and losses (issue #12): values and gradients against formulas evaluated here in float64 (from
// torch.nn.functional's documentation), hand computations, the gradients PyTorch gives at the kinks, finite
// losses and gradients at logits of ±1000, the dtype kept, and the argument errors. Gradients against
// central differences are in the gradcheck suite (test/autograd/gradcheck-cases/composites.ts).
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import type { Variable } from '@propel-ts/autograd';

const f64 = { dtype: 'float64' } as const;
const leaf = (data: number[] | number[][] | number[][][], dtype: 'float32' | 'float64' = 'float64') => A.variable(T.tensor(data, { dtype }), { requiresGrad: true });
const arr = (t: Tensor | Variable | null): number[] => {
  if (t === null) throw new Error('expected a gradient, got null');
  return Array.from((t instanceof T.Tensor ? t : t.value).toTypedArray());
};
const close = (got: number[], want: number[], tol = 1e-12, what = '') => {
  expect(got.length, `${what} length`).to.equal(want.length);
  got.forEach((g, i) => expect(g, `${what} element ${i}`).to.be.closeTo(want[i]!, tol * Math.max(1, Math.abs(want[i]!))));
};
/** d sum(f(x)) / dx at `xs` (float64 unless given). */
function gradOf(f: (x: Variable) => Variable, xs: number[], dtype: 'float32' | 'float64' = 'float64'): number[] {
  const x = leaf(xs, dtype);
  A.sum(f(x)).backward();
  return arr(x.grad);
}
function throwsWith(f: () => unknown, text: string): void {
  let caught: unknown;
  try { f(); } catch (e) { caught = e; }
  expect(caught, `expected a TensorError containing ${JSON.stringify(text)}`).to.be.instanceOf(T.TensorError);
  expect((caught as Error).message).to.contain(text);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
/** log Σ e^x, shifted by the max (the oracle's own float64 evaluation). */
const lse = (row: number[]) => {
  const m = Math.max(...row);
  return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
};
const softmaxRow = (row: number[]) => row.map((v) => Math.exp(v - lse(row)));

describe('activations: values against torch.nn.functional formulas in float64', () => {
  const xs = [-3, -1.5, -1, -0.5, 0, 0.25, 1, 2, 4];

  // [name, autograd function, tensor function, formula]
  const table: [string, (x: Variable) => Variable, (x: Tensor) => Tensor, (x: number) => number][] = [
    ['leakyRelu', (x) => A.leakyRelu(x), (x) => T.leakyRelu(x), (x) => (x > 0 ? x : 0.01 * x)],
    ['leakyRelu slope 0.2', (x) => A.leakyRelu(x, { slope: 0.2 }), (x) => T.leakyRelu(x, { slope: 0.2 }), (x) => (x > 0 ? x : 0.2 * x)],
    ['elu', (x) => A.elu(x), (x) => T.elu(x), (x) => (x > 0 ? x : Math.expm1(x))],
    ['elu alpha 0.5', (x) => A.elu(x, { alpha: 0.5 }), (x) => T.elu(x, { alpha: 0.5 }), (x) => (x > 0 ? x : 0.5 * Math.expm1(x))],
    ['silu', (x) => A.silu(x), (x) => T.silu(x), (x) => x * sigmoid(x)],
    ['logSigmoid', (x) => A.logSigmoid(x), (x) => T.logSigmoid(x), (x) => Math.log(sigmoid(x))],
    ['hardtanh', (x) => A.hardtanh(x), (x) => T.hardtanh(x), (x) => Math.min(Math.max(x, -1), 1)],
    ['hardtanh [0, 2]', (x) => A.hardtanh(x, { min: 0, max: 2 }), (x) => T.hardtanh(x, { min: 0, max: 2 }), (x) => Math.min(Math.max(x, 0), 2)],
    ['softsign', (x) => A.softsign(x), (x) => T.softsign(x), (x) => x / (1 + Math.abs(x))],
  ];
  for (const [name, af, tf, formula] of table) {
    it(`${name}: autograd and tensor, float64 and float32 (dtype kept)`, () => {
      const want = xs.map(formula);
      close(arr(af(leaf(xs))), want, 1e-14, `${name} autograd`);
      close(arr(tf(T.tensor(xs, f64))), want, 1e-14, `${name} tensor`);
      const y32 = af(leaf(xs, 'float32'));
      expect(y32.dtype).to.equal('float32');
      expect(tf(T.tensor(xs)).dtype).to.equal('float32');
      close(arr(y32), want, 2e-6, `${name} float32`);
    });
  }
});

describe('activations: gradients, and PyTorch\'s convention at the kinks', () => {
  it('leakyRelu: 1 for x > 0, slope for x <= 0, so slope at 0 (PyTorch tests x > 0)', () => {
    close(gradOf((x) => A.leakyRelu(x, { slope: 0.2 }), [-2, 0, 3]), [0.2, 0.2, 1]);
    close(gradOf((x) => A.leakyRelu(x), [0]), [0.01]);
  });

  it('elu: alpha·e^x for x <= 0, so alpha at 0 (PyTorch tests x <= 0); 1 for x > 0, also where e^x overflows', () => {
    close(gradOf((x) => A.elu(x, { alpha: 0.5 }), [-1, 0, 2, 1000]), [0.5 * Math.exp(-1), 0.5, 1, 1]);
    // float32: e^100 overflows, yet the discarded branch leaves no NaN
    close(gradOf((x) => A.elu(x), [100, -100], 'float32'), [1, Math.exp(-100)], 1e-6);
    expect(arr(A.elu(leaf([1000])))).to.deep.equal([1000]);
  });

  it('hardtanh: 1 strictly inside (min, max), 0 at the bounds and outside (PyTorch), unlike clamp (1 at the bounds)', () => {
    close(gradOf((x) => A.hardtanh(x), [-2, -1, -0.5, 0.5, 1, 2]), [0, 0, 1, 1, 0, 0]);
    close(gradOf((x) => A.clamp(x, -1, 1), [-1, 1]), [1, 1]);
    close(gradOf((x) => A.hardtanh(x, { min: 0, max: 2 }), [0, 1, 2]), [0, 1, 0]);
  });

  it('silu, logSigmoid, softsign: the derivatives of their formulas', () => {
    const xs = [-2, -0.5, 0, 0.7, 3];
    close(gradOf((x) => A.silu(x), xs), xs.map((x) => sigmoid(x) * (1 + x * (1 - sigmoid(x)))));
    close(gradOf((x) => A.logSigmoid(x), xs), xs.map((x) => 1 - sigmoid(x)));
    close(gradOf((x) => A.softsign(x), xs), xs.map((x) => 1 / (1 + Math.abs(x)) ** 2));
  });

  it('logSigmoid and silu stay finite at ±1000 (log σ(-1000) would be log 0)', () => {
    close(arr(A.logSigmoid(leaf([-1000, 1000]))), [-1000, 0]);
    close(gradOf((x) => A.logSigmoid(x), [-1000, 1000]), [1, 0]);
    close(arr(T.logSigmoid(T.tensor([-200, 200]))), [-200, 0]);
    close(gradOf((x) => A.silu(x), [-1000, 1000]), [0, 1]);
  });

  it('Tensor and Variable functions give the same values on a non-contiguous input', () => {
    const x = T.tensor([[-2, 0.5, 3], [1, -0.1, 0]], f64).transpose(0, 1);
    close(arr(A.elu(x, { alpha: 2 })), arr(T.elu(x, { alpha: 2 })));
    close(arr(A.hardtanh(x, { min: -0.5, max: 0.5 })), arr(T.hardtanh(x, { min: -0.5, max: 0.5 })));
  });
});

describe('crossEntropy: torch.nn.functional.cross_entropy', () => {
  const X = [[1, 2, 3], [1, 0, -1], [0.5, 0.5, -2], [2, -1, 0]];
  const Y = [2, 0, 1, 1];
  const N = X.length;
  /** -log softmax(x_n)[y_n] per row, by hand: logsumexp(x_n) - x_n[y_n]. */
  const perRow = X.map((row, n) => lse(row) - row[Y[n]!]!);

  it('class indices: -log softmax(x)[y] per row; mean, sum and none', () => {
    const x = T.tensor(X, f64);
    const y = T.tensor(Y, f64);
    close(arr(A.crossEntropy(x, y, { reduction: 'none' })), perRow);
    close(arr(A.crossEntropy(x, y, 'sum')), [perRow.reduce((a, b) => a + b)]);
    close(arr(A.crossEntropy(x, y)), [perRow.reduce((a, b) => a + b) / N]);
    // the first row by hand: log(e + e² + e³) - 3
    close([arr(A.crossEntropy(x, y, 'none'))[0]!], [Math.log(Math.E + Math.E ** 2 + Math.E ** 3) - 3]);
  });

  it('the gradient of the mean is (softmax(x_n) - onehot(y_n)) / N', () => {
    const x = leaf(X);
    A.crossEntropy(x, T.tensor(Y, f64)).backward();
    const want = X.flatMap((row, n) => softmaxRow(row).map((p, c) => (p - (c === Y[n] ? 1 : 0)) / N));
    close(arr(x.grad), want);
  });

  it("label smoothing ε: (1-ε)·(-log p[y]) + ε·(-Σ_c log p_c)/C (PyTorch's definition), gradient softmax - q", () => {
    const eps = 0.2;
    const C = 3;
    const want = X.map((row, n) => {
      const logp = row.map((v) => v - lse(row));
      return (1 - eps) * -logp[Y[n]!]! + eps * -logp.reduce((a, b) => a + b) / C;
    });
    const x = leaf(X);
    const loss = A.crossEntropy(x, T.tensor(Y, f64), { reduction: 'sum', labelSmoothing: eps });
    close(arr(loss), [want.reduce((a, b) => a + b)]);
    loss.backward();
    // q = (1-ε)·onehot + ε/C
    close(arr(x.grad), X.flatMap((row, n) => softmaxRow(row).map((p, c) => p - ((1 - eps) * (c === Y[n] ? 1 : 0) + eps / C))));
  });

  it('probability targets: -Σ_c q_c log p_c, mean over rows (not elements), gradients into both inputs', () => {
    const P = [[0.2, 0.3, 0.5], [1, 0, 0], [0.25, 0.25, 0.5], [0, 0.6, 0.4]];
    const eps = 0.1;
    const q = P.map((row) => row.map((v) => (1 - eps) * v + eps / 3));
    const logp = X.map((row) => row.map((v) => v - lse(row)));
    const rows = q.map((row, n) => -row.reduce((s, v, c) => s + v * logp[n]![c]!, 0));
    const x = leaf(X);
    const p = leaf(P);
    const loss = A.crossEntropy(x, p, { labelSmoothing: eps });
    close(arr(loss), [rows.reduce((a, b) => a + b) / N]);
    loss.backward();
    // d/dx: (softmax(x_n)·Σq_n - q_n) / N (Σq_n = 1 here); d/dp: -(1-ε)·log p / N
    close(arr(x.grad), X.flatMap((row, n) => softmaxRow(row).map((s, c) => (s - q[n]![c]!) / N)));
    close(arr(p.grad), logp.flatMap((row) => row.map((l) => -(1 - eps) * l / N)));
  });

  it('[B, C, d] logits with [B, d] indices (classes on axis 1), and one unbatched sample [C] with a scalar index', () => {
    // B = 2, C = 3, d = 2: sample (b, j) has logits X3[b][:][j]
    const X3 = [[[1, 0], [2, 1], [3, -1]], [[0, 0.5], [1, 0.5], [-1, -2]]];
    const Y2 = [[2, 0], [1, 1]];
    const want = [0, 1].flatMap((b) => [0, 1].map((j) => {
      const row = X3[b]!.map((c) => c[j]!);
      return lse(row) - row[Y2[b]![j]!]!;
    }));
    close(arr(A.crossEntropy(T.tensor(X3, f64), T.tensor(Y2, f64), 'none')), want);
    expect(A.crossEntropy(T.tensor(X3, f64), T.tensor(Y2, f64), 'none').shape).to.deep.equal([2, 2]);
    close(arr(A.crossEntropy(T.tensor([1, 2, 3], f64), T.tensor(0, f64))), [lse([1, 2, 3]) - 1]);
    close(arr(A.crossEntropy(T.tensor([1, 2, 3], f64), 0)), [lse([1, 2, 3]) - 1]);
  });

  it('is stable at logits of ±1000: finite loss and gradient, in float64 and float32', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const x = leaf([[1000, -1000, 0], [-1000, 1000, 1000]], dtype);
      const loss = A.crossEntropy(x, T.tensor([1, 0]), 'sum');
      expect(loss.dtype).to.equal(dtype);
      // row 0: lse = 1000, loss 1000 - (-1000); row 1: lse = 1000 + log 2, loss 2000 + log 2
      close(arr(loss), [2000 + 2000 + Math.LN2], 1e-6);
      loss.backward();
      close(arr(x.grad), [1, -1, 0, -1, 0.5, 0.5], 1e-6);
    }
    const soft = leaf([[1000, -1000]]);
    A.crossEntropy(soft, T.tensor([[0.5, 0.5]], f64)).backward();
    close(arr(soft.grad), [0.5, -0.5]);
  });

  it('equals nllLoss of logSoftmax, and nllLoss is -logProbs at the indices (mean, sum, none)', () => {
    const x = T.tensor(X, f64);
    const y = T.tensor(Y, f64);
    close(arr(A.nllLoss(A.logSoftmax(x, 1), y)), arr(A.crossEntropy(x, y)));
    const lp = leaf(X);
    close(arr(A.nllLoss(lp, y, 'none')), X.map((row, n) => -row[Y[n]!]!));
    close(arr(A.nllLoss(lp, y, { reduction: 'sum' })), [-(3 + 1 + 0.5 + -1)]);
    A.nllLoss(lp, y).backward();
    close(arr(lp.grad), X.flatMap((row, n) => row.map((_, c) => (c === Y[n] ? -1 / N : 0))));
  });

  it('throws for an out-of-range, negative, non-integer or NaN class index, naming the function, the index and its position', () => {
    const x = T.tensor(X, f64);
    throwsWith(() => A.crossEntropy(x, T.tensor([2, 0, 3, 1], f64)), 'crossEntropy: target[2] got 3, expected an integer class index in [0, 3) (logits [4,3] has 3 classes along axis 1)');
    throwsWith(() => A.crossEntropy(x, T.tensor([2, -1, 0, 1], f64)), 'crossEntropy: target[1] got -1');
    throwsWith(() => A.crossEntropy(x, T.tensor([2, 0, 1, 0.5], f64)), 'crossEntropy: target[3] got 0.5');
    throwsWith(() => A.nllLoss(x, T.tensor([NaN, 0, 1, 0], f64)), 'nllLoss: target[0] got NaN, expected an integer class index in [0, 3) (logProbs [4,3]');
    throwsWith(() => A.crossEntropy(T.zeros([2, 3, 2], f64), T.tensor([[0, 1], [4, 0]], f64)), 'crossEntropy: target[1, 0] got 4');
    throwsWith(() => A.crossEntropy(T.zeros([3], f64), T.tensor(3, f64)), 'crossEntropy: target got 3, expected an integer class index in [0, 3) (logits [3] has 3 classes along axis 0)');
  });

  it('throws for a target of neither form, a scalar logit, options out of range and a misspelt reduction', () => {
    const x = T.tensor(X, f64);
    throwsWith(() => A.crossEntropy(x, T.tensor([0, 1], f64)), 'crossEntropy: target has shape [2], expected [4] (class indices for logits [4,3], classes along axis 1) or [4,3] (class probabilities)');
    throwsWith(() => A.crossEntropy(T.tensor(1, f64), T.tensor(0, f64)), 'crossEntropy: logits has shape [], expected [C], [B, C] or [B, C, d1, ...]');
    throwsWith(() => A.crossEntropy(x, T.tensor(Y, f64), { labelSmoothing: -0.1 }), 'crossEntropy: labelSmoothing got -0.1, expected a finite number >= 0 <= 1');
    throwsWith(() => A.crossEntropy(x, T.tensor(Y, f64), { reduction: 'avg' } as never), "crossEntropy: reduction got \"avg\", expected one of 'mean', 'sum', 'none'");
    throwsWith(() => A.crossEntropy(x, T.tensor(Y, f64), { label_smoothing: 0.1 } as never), "crossEntropy: unknown option 'label_smoothing'");
    throwsWith(() => A.crossEntropy(x, T.tensor(X), {}), 'crossEntropy: target has dtype float32 but logits has float64');
  });
});

describe('bceWithLogits: torch.nn.functional.binary_cross_entropy_with_logits', () => {
  const X = [[-2, -0.5, 0], [0.3, 1.5, 4]];
  const Y = [[0, 1, 0.5], [1, 0, 0.25]];
  const formula = (x: number, y: number) => -(y * Math.log(sigmoid(x)) + (1 - y) * Math.log(1 - sigmoid(x)));

  it('-[y log σ(x) + (1-y) log(1-σ(x))] per element; mean, sum, none; gradients σ(x) - y and -x', () => {
    const want = X.flatMap((row, i) => row.map((x, j) => formula(x, Y[i]![j]!)));
    close(arr(A.bceWithLogits(T.tensor(X, f64), T.tensor(Y, f64), 'none')), want);
    close(arr(A.bceWithLogits(T.tensor(X, f64), T.tensor(Y, f64), 'sum')), [want.reduce((a, b) => a + b)]);
    const x = leaf(X);
    const y = leaf(Y);
    const loss = A.bceWithLogits(x, y);
    close(arr(loss), [want.reduce((a, b) => a + b) / 6]);
    loss.backward();
    close(arr(x.grad), X.flatMap((row, i) => row.map((v, j) => (sigmoid(v) - Y[i]![j]!) / 6)));
    close(arr(y.grad), X.flat().map((v) => -v / 6));
  });

  it('is stable at logits of ±1000 (σ rounds to 0 or 1 there): finite loss and gradient, float64 and float32', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const x = leaf([1000, -1000, 1000, -1000], dtype);
      const loss = A.bceWithLogits(x, T.tensor([0, 1, 1, 0], { dtype }), 'none');
      close(arr(loss), [1000, 1000, 0, 0]);
      A.sum(loss).backward();
      close(arr(x.grad), [1, -1, 0, 0]);
    }
  });

  it('needs a target of the logits\' shape and dtype', () => {
    throwsWith(() => A.bceWithLogits(T.tensor(X, f64), T.tensor([1, 0, 1], f64)), "bceWithLogits: target has shape [3], expected [2,3] (the logits' shape, as PyTorch)");
    throwsWith(() => A.bceWithLogits(T.tensor(X, f64), T.tensor(Y)), 'bceWithLogits: target has dtype float32 but logits has float64');
  });
});

describe('huberLoss: torch.nn.functional.huber_loss', () => {
  it('½d² for |d| < delta, delta·(|d| - ½delta) beyond; gradient d clamped to ±delta', () => {
    // d = input - target = [0.5, -3, 1.5, 0] with delta 1: 0.125, 2.5, 1, 0 by hand
    const input = leaf([1, -2, 2.5, 0]);
    const target = T.tensor([0.5, 1, 1, 0], f64);
    close(arr(A.huberLoss(input, target, 'none')), [0.125, 2.5, 1, 0]);
    const loss = A.huberLoss(input, target);
    close(arr(loss), [(0.125 + 2.5 + 1 + 0) / 4]);
    loss.backward();
    close(arr(input.grad), [0.5 / 4, -1 / 4, 1 / 4, 0]);
    // delta 2: d = 1.5 is inside (1.125), d = -3 outside (2·(3 - 1) = 4)
    close(arr(A.huberLoss(T.tensor([1.5, -3], f64), T.tensor([0, 0], f64), { delta: 2, reduction: 'sum' })), [1.125 + 4]);
  });

  it('broadcasts the target as mseLoss does, and keeps float32', () => {
    const y = A.huberLoss(T.tensor([[0, 2], [1, -1]]), T.tensor([0.5, 0]), 'none');
    expect(y.dtype).to.equal('float32');
    close(arr(y), [0.125, 1.5, 0.125, 0.5]);
  });

  it('refuses delta <= 0 and unknown options', () => {
    throwsWith(() => A.huberLoss(T.zeros([2], f64), T.zeros([2], f64), { delta: 0 }), 'huberLoss: delta got 0, expected a finite number > 0');
    throwsWith(() => A.huberLoss(T.zeros([2], f64), T.zeros([2], f64), { beta: 1 } as never), "huberLoss: unknown option 'beta'");
    throwsWith(() => A.huberLoss(T.zeros([2], f64), T.zeros([2], f64), 2 as never), 'huberLoss: expected huberLoss(input, target, { delta?, reduction? }), got huberLoss(input, target, 2)');
  });
});

describe('mseLoss and huberLoss: a target that broadcasts past the prediction is an error', () => {
  it('[B, 1] against [B] would be a [B, B] loss (PyTorch only warns): refused, naming the loss and the shapes', () => {
    const p = T.tensor([[1], [2], [3]], f64), t = T.tensor([1, 2, 3], f64);
    throwsWith(() => A.mseLoss(p, t), "mseLoss: target has shape [3], which broadcasts with prediction [3,1] to [3,3], expected a target that broadcasts to prediction's shape [3,1]");
    throwsWith(() => A.huberLoss(p, t), "huberLoss: target has shape [3], which broadcasts with input [3,1] to [3,3]");
    throwsWith(() => A.mseLoss(T.zeros([2, 3], f64), T.zeros([2], f64)), 'mseLoss: shapes [2,3] and [2] are not broadcastable');
    throwsWith(() => A.mseLoss(T.zeros([2], f64), T.zeros([2])), 'mseLoss: target has dtype float32 but prediction has float64');
  });

  it('a target that broadcasts to the prediction still works: a row [3] against [2, 3], a number', () => {
    // by hand: (p - t)² per element, mean over the 6
    const p = T.tensor([[1, 2, 3], [4, 5, 6]], f64);
    close(arr(A.mseLoss(p, T.tensor([1, 1, 1], f64), 'none')), [0, 1, 4, 9, 16, 25]);
    close(arr(A.mseLoss(p, 2)), [(1 + 0 + 1 + 4 + 9 + 16) / 6]);
  });
});

describe('activation options are checked', () => {
  it('names the function, the option, the value and what was expected', () => {
    const x = T.tensor([1, -1], f64);
    throwsWith(() => A.leakyRelu(x, { slope: '0.1' } as never), 'leakyRelu: slope got "0.1", expected a finite number');
    throwsWith(() => T.elu(x, { alpha: NaN }), 'elu: alpha got NaN, expected a finite number');
    throwsWith(() => T.gelu(x, { approximate: 'erf' } as never), "gelu: approximate got \"erf\", expected one of 'none', 'tanh'");
    throwsWith(() => A.hardtanh(x, { min: 2 }), 'hardtanh: min got 2 and max 1, expected min < max');
    throwsWith(() => T.hardtanh(x, { min_val: -2 } as never), "hardtanh: unknown option 'min_val'");
    throwsWith(() => T.silu([1, 2] as never), 'silu: input must be a Tensor');
  });
});

describe('gelu: torch.nn.functional.gelu, exact (erf) and tanh forms', () => {
  // Φ(x), the standard normal CDF, from Python's math.erf: 0.5 * (1 + math.erf(x / math.sqrt(2)))
  const PHI: [number, number][] = [
    [-3, 0.0013498980316301035], [-1.5, 0.06680720126885809], [-1, 0.15865525393145707], [-0.5, 0.3085375387259869],
    [0, 0.5], [0.25, 0.5987063256829237], [1, 0.8413447460685429], [2, 0.9772498680518208], [4, 0.9999683287581669],
  ];
  const xs = PHI.map(([x]) => x);
  const k = Math.sqrt(2 / Math.PI);
  const tanhForm = (x: number) => 0.5 * x * (1 + Math.tanh(k * (x + 0.044715 * x ** 3)));

  it("'none' (the default) is x·Φ(x); 'tanh' is PyTorch's tanh form (Tensors, float64 and float32)", () => {
    close(arr(T.gelu(T.tensor(xs, f64))), PHI.map(([x, p]) => x * p), 1e-14);
    close(arr(T.gelu(T.tensor(xs, f64), { approximate: 'tanh' })), xs.map(tanhForm), 1e-14);
    const y32 = T.gelu(T.tensor(xs));
    expect(y32.dtype).to.equal('float32');
    close(arr(y32), PHI.map(([x, p]) => x * p), 2e-6);
    // the two forms differ, by less than 1e-3 on this grid
    const gap = xs.map((x, i) => Math.abs(tanhForm(x) - x * PHI[i]![1]));
    expect(Math.max(...gap)).to.be.within(1e-5, 1e-3);
  });

  it('the same values on Variables, float64 and float32 (dtype kept)', () => {
    close(arr(A.gelu(leaf(xs))), PHI.map(([x, p]) => x * p), 1e-14);
    close(arr(A.gelu(leaf(xs), { approximate: 'tanh' })), xs.map(tanhForm), 1e-14);
    const y32 = A.gelu(leaf(xs, 'float32'), { approximate: 'none' });
    expect(y32.dtype).to.equal('float32');
    close(arr(y32), PHI.map(([x, p]) => x * p), 2e-6);
  });

  it("gradients: Φ(x) + x·φ(x) for 'none' (φ the normal density), the derivative of the tanh form for 'tanh'", () => {
    const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    close(gradOf((x) => A.gelu(x), xs), PHI.map(([x, p]) => p + x * phi(x)));
    const dTanhForm = (x: number) => {
      const t = Math.tanh(k * (x + 0.044715 * x ** 3));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x);
    };
    close(gradOf((x) => A.gelu(x, { approximate: 'tanh' }), xs), xs.map(dTanhForm));
  });

  it('is finite at ±1000 in both forms: values -0 and 1000, gradients 0 and 1', () => {
    for (const approximate of ['none', 'tanh'] as const) {
      close(arr(A.gelu(leaf([-1000, 1000]), { approximate })), [0, 1000]);
      close(gradOf((x) => A.gelu(x, { approximate }), [-1000, 1000]), [0, 1]);
    }
  });

  it('checks its option', () => {
    throwsWith(() => A.gelu(T.tensor([1], f64), { approximate: 'erf' } as never), "gelu: approximate got \"erf\", expected one of 'none', 'tanh'");
    throwsWith(() => A.gelu(T.tensor([1], f64), 'tanh' as never), 'gelu: expected gelu(x, { approximate? }), got gelu(x, "tanh")');
  });
});
