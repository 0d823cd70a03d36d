// Rows for the activations and losses (issue #12: packages/tensor/src/activations.ts,
// packages/autograd/src/composites/activations.ts and losses.ts).
import * as T from '@propel-ts/tensor';
import { type RowFile, f64, unary, v23, vUnary, x23 } from '../../helpers/export-rows';

/** Class indices for the [2, 3] logits of v23(). */
const classes = () => T.tensor([2, 0], f64);

export const rows: RowFile['rows'] = {
  '@propel-ts/tensor': {
    leakyRelu: { args: () => [x23(), { slope: 0.1 }], options: 1, wrong: ['slope', '0.1'], bad: [[() => [x23(), 0.1], 'expected leakyRelu(x, { slope: 0.1 }), got leakyRelu(x, 0.1)']] },
    elu: { args: () => [x23(), { alpha: 0.5 }], options: 1, wrong: ['alpha', NaN] },
    gelu: { args: () => [x23(), { approximate: 'tanh' }], options: 1, wrong: ['approximate', 'exact'], bad: [[() => [x23(), { approximate: 'Tanh' }], "approximate got \"Tanh\", expected one of 'none', 'tanh'"]] },
    silu: { ...unary, bad: [[() => [[1, 2]], 'input must be a Tensor']] },
    logSigmoid: unary,
    hardtanh: { args: () => [x23(), { min: 0, max: 2 }], options: 1, wrong: ['max', '1'], bad: [[() => [x23(), { min: 1, max: -1 }], 'min got 1 and max -1, expected min < max']] },
    softsign: unary,
  },
  '@propel-ts/autograd': {
    leakyRelu: { args: () => [v23(), { slope: 0.1 }], options: 1, wrong: ['slope', null] },
    elu: { args: () => [v23(), {}], options: 1, wrong: ['alpha', Infinity] },
    gelu: { args: () => [v23(), { approximate: 'none' }], options: 1, wrong: ['approximate', true] },
    silu: vUnary, logSigmoid: vUnary, softsign: vUnary,
    hardtanh: { args: () => [v23(), { min: -2, max: 2 }], options: 1, wrong: ['min', '-1'], bad: [[() => [v23(), { min: 1, max: 1 }], 'expected min < max']] },
    crossEntropy: {
      args: () => [v23(), classes(), { reduction: 'sum', labelSmoothing: 0.1 }], options: 2, wrong: ['labelSmoothing', 1.5],
      bad: [
        [() => [v23(), T.tensor([0, 3], f64)], 'target[1] got 3, expected an integer class index in [0, 3)'],
        [() => [v23(), T.tensor([0.5, 1], f64)], 'target[0] got 0.5, expected an integer class index'],
        [() => [v23(), T.tensor([0, 1, 2], f64)], 'target has shape [3], expected [2] (class indices for logits [2,3]'],
        [() => [v23(), x23(), 'summ'], "reduction got \"summ\", expected one of 'mean', 'sum', 'none' (did you mean 'sum'?)"],
      ],
    },
    nllLoss: {
      args: () => [v23(), classes(), { reduction: 'none' }], options: 2, wrong: ['reduction', 'avg'],
      bad: [[() => [v23(), T.tensor([[0, 1], [1, 0]], f64)], 'target has shape [2,2], expected [2]'], [() => [v23(), T.tensor([-1, 0], f64)], 'target[0] got -1']],
    },
    bceWithLogits: { args: () => [v23(), x23(), {}], options: 2, wrong: ['reduction', 1], bad: [[() => [v23(), T.ones([3], f64)], 'target has shape [3], expected [2,3]']] },
    huberLoss: { args: () => [v23(), x23(), { delta: 0.5 }], options: 2, wrong: ['delta', 0], bad: [[() => [v23(), x23(), { delta: -1 }], 'delta got -1, expected a finite number > 0']] },
  },
};
