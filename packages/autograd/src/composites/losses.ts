// Layer: autograd/composites. Losses built from the primitives (their gradients come from the chain rule):
// mseLoss. Imports the primitives and the reductions.
import * as T from '@propel-ts/tensor';
import type { Variable, VarLike } from '../variable';
import { square, sub } from '../ops/elementwise';
import { sum } from '../ops/views';
import { mean } from './reductions';

/**
 * Mean squared error between prediction and target: `reduction` 'mean' (default), 'sum' or 'none', as a
 * string (`mseLoss(a, b, 'sum')`) or as PyTorch's keyword (`mseLoss(a, b, { reduction: 'sum' })`).
 */
export function mseLoss(prediction: VarLike, target: VarLike, reduction: 'mean' | 'sum' | 'none' | { reduction?: 'mean' | 'sum' | 'none' } = 'mean'): Variable {
  T.checkArity('mseLoss', arguments, 3, "mseLoss(prediction, target, 'mean' | 'sum' | 'none')");
  const given = typeof reduction === 'string' ? reduction : T.checkOptions('mseLoss', reduction, ['reduction'], 'mseLoss(prediction, target, OPTIONS)').reduction;
  const r = T.optOneOf('mseLoss', 'reduction', given, ['mean', 'sum', 'none'], 'mean');
  const d = square(sub(prediction, target));
  return r === 'mean' ? mean(d) : r === 'sum' ? sum(d) : d;
}
