// Probe rows of the elementwise ops, one per op of the declaration tables (packages/tensor/src/elementwise),
// in both packages: a unary op takes one argument, a binary op two (a third is refused, naming the op).
import * as T from '@propel-ts/tensor';
import { binary, CONSTANT, INTERNAL, unary, vBinary, vUnary, type Row, type RowFile } from '../../helpers/export-rows';

const each = (names: readonly string[], row: Row) => Object.fromEntries(names.map((n) => [n, row]));

export const rows: RowFile['rows'] = {
  '@propel-ts/tensor': {
    ...each(T.UNARY_OPS, unary), ...each(T.BINARY_OPS, binary),
    UNARY: CONSTANT, BINARY: CONSTANT, UNARY_OPS: CONSTANT, BINARY_OPS: CONSTANT, DRAW: CONSTANT, elementwiseMethods: INTERNAL,
  },
  '@propel-ts/autograd': { ...each(T.UNARY_OPS, vUnary), ...each(T.BINARY_OPS, vBinary) },
};
