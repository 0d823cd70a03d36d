// Rows for the shape ops (issue #12: packages/tensor/src/shape-ops.ts, packages/autograd/src/ops/shape-ops.ts).
import * as T from '@propel-ts/tensor';
import { type RowFile, f64, v23, x23 } from '../../helpers/export-rows';

const classes = () => T.tensor([0, 2, 1], f64);

export const rows: RowFile['rows'] = {
  '@propel-ts/tensor': {
    flip: { args: () => [x23(), { axis: 0 }], options: 1, wrong: ['axis', '0'], bad: [[() => [x23(), [0, 0]], 'axis 0 appears more than once']] },
    roll: { args: () => [x23(), 1, { axis: 1 }], options: 2, wrong: ['axis', 0.5], bad: [[() => [x23(), [1, 2], 0], 'expected one shift per axis'], [() => [x23(), 0.5], 'shift got 0.5']] },
    pad: {
      args: () => [x23(), [[0, 0], [1, 2]], { value: 0 }], options: 2, wrong: ['value', '0'],
      bad: [[() => [x23(), [[1, 2]]], "pads has 1 pair for a tensor of rank 2"], [() => [x23(), [[0, 0], [-1, 0]]], 'expected a non-negative integer']],
    },
    tile: { args: () => [x23(), [2, 1]], bad: [[() => [x23(), [2, -1]], 'reps got [2, -1]']] },
    triu: { args: () => [x23(), { diagonal: 1 }], options: 1, wrong: ['diagonal', 0.5], bad: [[() => [T.ones([3], f64)], 'expects a tensor of rank >= 2']] },
    tril: { args: () => [x23(), { diagonal: -1 }], options: 1, wrong: ['diagonal', '1'] },
    oneHot: { args: () => [classes(), 3], bad: [[() => [classes(), 2], 'indices value 2 at position [1] is out of range'], [() => [classes(), -1], "numClasses got -1"]] },
  },
  '@propel-ts/autograd': {
    flip: { args: () => [v23(), { axis: [0, 1] }], options: 1, wrong: ['axis', [0.5]] },
    roll: { args: () => [v23(), [1, -1], { axis: [0, 1] }], options: 2, wrong: ['axis', 'last'] },
    pad: { args: () => [v23(), [[1, 0], [0, 0]], { value: 1 }], options: 2, wrong: ['value', null], bad: [[() => [v23(), [1, 1]], 'pads got [1, 1]']] },
    tile: { args: () => [v23(), [2]], bad: [[() => [v23(), '2'], 'reps got "2"']] },
    triu: { args: () => [v23(), { diagonal: 0 }], options: 1, wrong: ['diagonal', NaN] },
    tril: { args: () => [v23(), { diagonal: 0 }], options: 1, wrong: ['diagonal', Infinity] },
    oneHot: { args: () => [classes(), 3], bad: [[() => [classes(), 0], 'numClasses got 0']] },
  },
};
