// Gradient-check cases for the activations and losses (issue #12, packages/autograd/src/composites/): each
// against float64 central differences at inputs away from its kinks (leakyRelu, elu and hardtanh at their
// breakpoints, huberLoss at |d| = delta), every differentiable input included (soft targets of crossEntropy,
// targets of bceWithLogits and huberLoss), then through the backward again (gradgradcheck): every one is a
// composite of twice-differentiable primitives.
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { type Case, awayFromZero, f64, indices, transposed, u } from '../../helpers/gradcheck-inputs';

// constants used inside fns (made once: a fn must compute the same function on every call)
const CLASSES_4 = indices([4], 5);
const CLASSES_2x3 = indices([2, 3], 4);
/** Values on both sides of hardtanh's default bounds ±1, none within 0.1 of them. */
const AROUND_BOUNDS = () => T.tensor([[-1.6, -0.8, -0.2], [0.3, 0.9, 1.4]], f64);
/** Differences input - target on both sides of delta 0.5, none within 0.1 of it (and of 0). */
const HUBER_INPUT = () => T.tensor([[0.3, -0.9, 1.2], [-0.2, 0.35, -1.5]], f64);
const HUBER_TARGET = T.tensor([[0.1, 0.2, 0.1], [0.1, 0.05, -0.2]], f64);
/** Targets in [0, 1]. */
const probs = (shape: number[]) => u(shape, 0, 1);

export const cases: Case[] = [
  // ---- activations ----
  { op: 'leakyRelu', what: 'default slope', fn: (x) => A.leakyRelu(x), inputs: [awayFromZero([2, 3])] },
  { op: 'leakyRelu', what: 'slope 0.2 of a transposed input', fn: (x) => A.leakyRelu(x, { slope: 0.2 }), inputs: [transposed(awayFromZero([3, 2]))] },
  { op: 'elu', what: 'default alpha', fn: (x) => A.elu(x), inputs: [awayFromZero([2, 3], 0.2, 3)] },
  { op: 'elu', what: 'alpha 0.5', fn: (x) => A.elu(x, { alpha: 0.5 }), inputs: [awayFromZero([2, 3])] },
  { op: 'gelu', what: "exact ('none', erf)", fn: (x) => A.gelu(x), inputs: [u([2, 3], -3, 3)] },
  { op: 'gelu', what: "tanh form of a transposed input", fn: (x) => A.gelu(x, { approximate: 'tanh' }), inputs: [transposed(u([3, 2], -3, 3))] },
  { op: 'silu', what: '[2,3]', fn: (x) => A.silu(x), inputs: [u([2, 3], -4, 4)] },
  { op: 'logSigmoid', what: '[2,3]', fn: (x) => A.logSigmoid(x), inputs: [u([2, 3], -6, 6)] },
  { op: 'hardtanh', what: 'default bounds, inside and outside', fn: (x) => A.hardtanh(x), inputs: [AROUND_BOUNDS()] },
  { op: 'hardtanh', what: 'bounds [-0.5, 1]', fn: (x) => A.hardtanh(x, { min: -0.5, max: 1 }), inputs: [AROUND_BOUNDS()] },
  { op: 'softsign', what: '[2,3], both signs', fn: (x) => A.softsign(x), inputs: [u([2, 3], -3, 3)] },

  // ---- losses ----
  { op: 'crossEntropy', what: 'class indices [4] of logits [4,5]', fn: (x) => A.crossEntropy(x, CLASSES_4), inputs: [u([4, 5], -2, 2)] },
  { op: 'crossEntropy', what: 'class indices, label smoothing 0.2, sum', fn: (x) => A.crossEntropy(x, CLASSES_4, { reduction: 'sum', labelSmoothing: 0.2 }), inputs: [u([4, 5], -2, 2)] },
  { op: 'crossEntropy', what: "logits [2,4,3] (classes on axis 1), indices [2,3], 'none'", fn: (x) => A.crossEntropy(x, CLASSES_2x3, 'none'), inputs: [u([2, 4, 3], -2, 2)] },
  { op: 'crossEntropy', what: 'one unbatched sample [5], index 3', fn: (x) => A.crossEntropy(x, T.tensor(3, f64)), inputs: [u([5], -2, 2)] },
  { op: 'crossEntropy', what: 'probabilities, both inputs, label smoothing 0.1', fn: (x, p) => A.crossEntropy(x, p, { labelSmoothing: 0.1 }), inputs: [u([3, 4], -2, 2), probs([3, 4])] },
  { op: 'crossEntropy', what: 'large logits (±500, stable)', fn: (x) => A.crossEntropy(x, CLASSES_4), inputs: [u([4, 5], -500, 500)] },
  { op: 'nllLoss', what: 'log-probabilities [4,5], mean', fn: (lp) => A.nllLoss(lp, CLASSES_4), inputs: [u([4, 5], -3, 0)] },
  { op: 'nllLoss', what: "[2,4,3], 'none'", fn: (lp) => A.nllLoss(lp, CLASSES_2x3, { reduction: 'none' }), inputs: [u([2, 4, 3], -3, 0)] },
  { op: 'bceWithLogits', what: 'both inputs', fn: (x, y) => A.bceWithLogits(x, y), inputs: [u([2, 3], -3, 3), probs([2, 3])] },
  { op: 'bceWithLogits', what: "large logits (±500, stable), 'sum'", fn: (x) => A.bceWithLogits(x, T.tensor([[1, 0, 0.5], [0, 1, 0.25]], f64), 'sum'), inputs: [u([2, 3], -500, 500)] },
  { op: 'huberLoss', what: 'delta 0.5, both inputs', fn: (x, y) => A.huberLoss(x, y, { delta: 0.5 }), inputs: [HUBER_INPUT(), HUBER_TARGET] },
  { op: 'huberLoss', what: "default delta, broadcast target [3], 'none'", fn: (x, y) => A.huberLoss(x, y, 'none'), inputs: [T.tensor([[0.5, -2, 0.1], [1.7, 0.2, -0.6]], f64), T.tensor([0.1, 0.3, -0.4], f64)] },
];

export const secondOrder: Case[] = [
  { op: 'leakyRelu', what: 'leakyRelu(x)²', fn: (x) => A.square(A.leakyRelu(x, { slope: 0.3 })), inputs: [awayFromZero([2, 3])] },
  { op: 'elu', what: 'both branches', fn: (x) => A.elu(x, { alpha: 0.7 }), inputs: [awayFromZero([2, 3])] },
  { op: 'gelu', what: "exact ('none')", fn: (x) => A.gelu(x), inputs: [u([2, 3], -2, 2)] },
  { op: 'gelu', what: 'tanh form', fn: (x) => A.gelu(x, { approximate: 'tanh' }), inputs: [u([2, 3], -2, 2)] },
  { op: 'silu', what: '[2,3]', fn: (x) => A.silu(x), inputs: [u([2, 3], -3, 3)] },
  { op: 'logSigmoid', what: '[2,3]', fn: (x) => A.logSigmoid(x), inputs: [u([2, 3], -4, 4)] },
  { op: 'hardtanh', what: 'hardtanh(x)³', fn: (x) => A.pow(A.hardtanh(x), 3), inputs: [AROUND_BOUNDS()] },
  { op: 'softsign', what: 'away from 0', fn: (x) => A.softsign(x), inputs: [awayFromZero([2, 3])] },
  { op: 'crossEntropy', what: 'class indices, label smoothing 0.1', fn: (x) => A.crossEntropy(x, CLASSES_4, { labelSmoothing: 0.1 }), inputs: [u([4, 5], -2, 2)] },
  { op: 'crossEntropy', what: 'probabilities, both inputs', fn: (x, p) => A.crossEntropy(x, p), inputs: [u([3, 4], -2, 2), probs([3, 4])] },
  { op: 'nllLoss', what: 'of log-probabilities exp(x) - 2 (non-linear in x)', fn: (x) => A.nllLoss(A.sub(A.exp(x), 2), CLASSES_4), inputs: [u([4, 5])] },
  { op: 'bceWithLogits', what: 'both inputs', fn: (x, y) => A.bceWithLogits(x, y), inputs: [u([2, 3], -3, 3), probs([2, 3])] },
  { op: 'huberLoss', what: 'delta 0.5, both inputs', fn: (x, y) => A.huberLoss(x, y, { delta: 0.5 }), inputs: [HUBER_INPUT(), HUBER_TARGET] },
];
