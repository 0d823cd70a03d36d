// Probe rows of the memory budget's setter and getter (packages/tensor/src/shape.ts).
import type { RowFile } from '../../helpers/export-rows';

export const rows: RowFile['rows'] = {
  '@propel-ts/tensor': {
    // the valid call sets the budget: noValidCall keeps the suite from changing it
    setMaxTensorBytes: { args: () => [2 ** 32], noValidCall: true, bad: [[() => [0], 'bytes got 0, expected a positive integer'], [() => ['1'], 'bytes got "1"']] },
    getMaxTensorBytes: { args: () => [] },
  },
};
