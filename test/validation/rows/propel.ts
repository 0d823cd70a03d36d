// Rows for the propel package's exports outside the main table: mixtureNll (packages/propel/src/mixture-nll.ts).
import * as T from '@propel-ts/tensor';
import { f64, type RowFile } from '../../helpers/export-rows';

const out = () => T.tensor([[[0.1, 0.5]], [[0.2, 0.4]]], f64);   // [B = 2, I = 1, 2n = 2]
const tgt = () => T.tensor([[0.1], [0.3]], f64);

export const rows: RowFile['rows'] = {
  '@propel-ts/propel': {
    mixtureNll: {
      args: () => [out(), tgt(), {}], options: 2, wrong: ['reduction', 'avg'],
      bad: [
        [() => [out(), tgt(), { sigmaTransform: 'relu' }], "mixtureNll: sigmaTransform got \"relu\", expected one of 'identity', 'softplus', 'exp'"],
        [() => [out(), T.tensor([[0.1, 0], [0.3, 0]], f64), {}], 'mixtureNll: target has n = 2 dimensions, expected 1'],
      ],
    },
  },
};
