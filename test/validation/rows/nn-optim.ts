// Rows for the nn layers and activation modules, optimizers, schedulers and gradient clipping of issue #12
// (packages/autograd/src/nn/, packages/autograd/src/optim/, packages/autograd/src/clip-grad.ts).
import * as A from '@propel-ts/autograd';
import { type RowFile, v23 } from '../../helpers/export-rows';

const sgd = () => new A.optim.SGD([v23()], 0.1);

export const rows: RowFile['rows'] = {
  '@propel-ts/autograd': {
    clipGradNorm: {
      args: () => [[v23()], 1, {}], options: 2, wrong: ['normType', 0],
      bad: [[() => [[v23()], -1], 'maxNorm got -1'], [() => [v23(), '1'], 'maxNorm got "1"']],
    },
    'nn.LayerNorm': { args: () => [3, {}], options: 1, wrong: ['eps', -1], bad: [[() => [[2, 0]], 'normalizedShape got [2, 0]']] },
    'nn.Dropout': {
      args: () => [0.5, { seed: 1 }], options: 1, wrong: ['seed', 1.5],
      bad: [[() => [1.5], 'p got 1.5'], [() => [{ p: 0.5 }, { seed: 1 }], 'got 2 arguments']],
    },
    'nn.GELU': { args: () => [{}], options: 0, wrong: ['approximate', 'erf'], bad: [[() => ['fast'], 'approximate got "fast"']] },
    'nn.SiLU': { args: () => [] },
    'nn.LeakyReLU': { args: () => [{}], options: 0, wrong: ['slope', '0.2'], bad: [[() => [NaN], 'slope got NaN']] },
    'nn.ELU': { args: () => [{}], options: 0, wrong: ['alpha', Infinity], bad: [[() => ['1'], 'expected new nn.ELU(']] },
    'optim.RMSprop': { args: () => [[v23()], {}], options: 1, wrong: ['alpha', 2], bad: [[() => [[v23()], 0], 'lr got 0']] },
    'optim.Adagrad': { args: () => [[v23()], {}], options: 1, wrong: ['lrDecay', -1], bad: [[() => [[v23()], { eps: NaN }], 'eps got NaN']] },
    'optim.LRScheduler': { exempt: 'the abstract base class of the schedulers: StepLR and CosineAnnealingLR have rows' },
    'optim.StepLR': {
      args: () => [sgd(), { stepSize: 2 }], options: 1, wrong: ['gamma', 'x'],
      bad: [[() => [sgd(), {}], 'stepSize is required'], [() => [{ lr: 0.1 }, { stepSize: 2 }], 'optimizer got']],
    },
    'optim.CosineAnnealingLR': {
      args: () => [sgd(), { tMax: 10 }], options: 1, wrong: ['etaMin', -1],
      bad: [[() => [sgd(), { etaMin: 0 }], 'tMax is required'], [() => [sgd(), 0], 'tMax got 0']],
    },
  },
};
