// Rows for the reductions and scans (issue #12: packages/tensor/src/statistics.ts and scan.ts,
// packages/autograd/src/ops/statistics.ts, ops/scan.ts and composites/statistics.ts).
import { type RowFile, HELPER, v23, x23 } from '../../helpers/export-rows';

export const rows: RowFile['rows'] = {
  '@propel-ts/tensor': {
    variance: { args: () => [x23(), { axis: 1, correction: 0 }], options: 1, wrong: ['correction', -1], bad: [[() => [x23(), { unbiased: false }], 'correction: 0 for unbiased: false']] },
    std: { args: () => [x23(), { axis: 0, keepDims: true }], options: 1, wrong: ['correction', '1'] },
    norm: { args: () => [x23(), { p: 1, axis: 1 }], options: 1, wrong: ['p', NaN], bad: [[() => [x23(), 2], 'expected norm(x, { p: 2 }) for the order or norm(x, { axis: 2 }) for the axis']] },
    cumsum: { args: () => [x23(), { axis: 1, reverse: true }], options: 1, wrong: ['reverse', 'yes'], bad: [[() => [x23()], 'axis is required']] },
    cumprod: { args: () => [x23(), { axis: 0 }], options: 1, wrong: ['axis', '0'], bad: [[() => [x23(), { reverse: true }], 'axis is required']] },
    varianceOptions: HELPER, normOptions: HELPER, scanOptions: HELPER,
  },
  '@propel-ts/autograd': {
    variance: { args: () => [v23(), { axis: [0, 1], correction: 1 }], options: 1, wrong: ['correction', Infinity] },
    std: { args: () => [v23(), { correction: 0 }], options: 1, wrong: ['keepDims', 1] },
    norm: { args: () => [v23(), { p: Infinity, keepDims: true }], options: 1, wrong: ['p', '2'], bad: [[() => [v23(), 1], 'expected norm(x, { p: 1 })']] },
    cumsum: { args: () => [v23(), { axis: -1 }], options: 1, wrong: ['axis', 0.5], bad: [[() => [v23(), {}], 'axis is required']] },
    cumprod: { args: () => [v23(), { axis: 1, reverse: false }], options: 1, wrong: ['reverse', 1] },
  },
};
