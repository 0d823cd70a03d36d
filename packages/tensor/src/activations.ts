// Layer: tensor. Activations on Tensors, with torch.nn.functional's formulas: leakyRelu, elu, gelu, silu,
// logSigmoid, hardtanh, softsign. Each is built from the elementwise ops and where/clamp, so every backend
// runs it and it keeps the input's dtype; @propel-ts/autograd has the same functions on Variables (with
// gradients), written the same way. Imports the option checks, the elementwise ops and ops.ts.
import { checkTensor } from './checks';
import { abs, add, div, erf, expm1, gt, mul, neg, sigmoid, softplus, square, tanh } from './elementwise';
import { fail } from './errors';
import { clamp, where } from './ops';
import { checkArity, checkOptions, optNumber, optOneOf } from './options';
import type { Tensor } from './tensor';

/** x for x > 0, slope·x otherwise (torch.nn.functional.leaky_relu; `slope` is its negative_slope, default 0.01). */
export function leakyRelu(x: Tensor, options?: { slope?: number }): Tensor {
  checkArity('leakyRelu', arguments, 2, 'leakyRelu(x, { slope })');
  const o = checkOptions('leakyRelu', options, ['slope'], 'leakyRelu(x, OPTIONS)');
  const slope = optNumber('leakyRelu', 'slope', o.slope, 0.01);
  checkTensor('leakyRelu', x);
  return where(gt(x, 0), x, mul(x, slope));
}

/** x for x > 0, alpha·(e^x - 1) otherwise (torch.nn.functional.elu, alpha default 1). */
export function elu(x: Tensor, options?: { alpha?: number }): Tensor {
  checkArity('elu', arguments, 2, 'elu(x, { alpha })');
  const o = checkOptions('elu', options, ['alpha'], 'elu(x, OPTIONS)');
  const alpha = optNumber('elu', 'alpha', o.alpha, 1);
  checkTensor('elu', x);
  // e^x of min(x, 0): the discarded branch stays finite (alpha·∞ would be NaN for alpha 0)
  return where(gt(x, 0), x, mul(expm1(clamp(x, { max: 0 })), alpha));
}

/** √(2/π), the scale inside gelu's tanh form. */
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * The Gaussian error linear unit x·Φ(x) (torch.nn.functional.gelu): `approximate: 'none'` (default) is
 * 0.5·x·(1 + erf(x/√2)); `'tanh'` is PyTorch's tanh form 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 */
export function gelu(x: Tensor, options?: { approximate?: 'none' | 'tanh' }): Tensor {
  checkArity('gelu', arguments, 2, "gelu(x, { approximate: 'none' | 'tanh' })");
  const o = checkOptions('gelu', options, ['approximate'], 'gelu(x, OPTIONS)');
  const approximate = optOneOf('gelu', 'approximate', o.approximate, ['none', 'tanh'], 'none');
  checkTensor('gelu', x);
  const inner = approximate === 'none'
    ? erf(mul(x, Math.SQRT1_2))
    : tanh(mul(add(x, mul(mul(square(x), x), 0.044715)), SQRT_2_OVER_PI));
  return mul(mul(x, 0.5), add(inner, 1));
}

/** x·σ(x), the sigmoid linear unit (torch.nn.functional.silu, also called swish). */
export function silu(x: Tensor): Tensor {
  checkArity('silu', arguments, 1, 'silu(x)');
  checkTensor('silu', x);
  return mul(x, sigmoid(x));
}

/** log σ(x) (torch.nn.functional.logsigmoid), computed as -softplus(-x): finite for every finite x. */
export function logSigmoid(x: Tensor): Tensor {
  checkArity('logSigmoid', arguments, 1, 'logSigmoid(x)');
  checkTensor('logSigmoid', x);
  return neg(softplus(neg(x)));
}

/** x clamped to [min, max] (torch.nn.functional.hardtanh; min -1 and max 1 by default, min < max). */
export function hardtanh(x: Tensor, options?: { min?: number; max?: number }): Tensor {
  checkArity('hardtanh', arguments, 2, 'hardtanh(x, { min, max })');
  const o = checkOptions('hardtanh', options, ['min', 'max'], 'hardtanh(x, OPTIONS)');
  const min = optNumber('hardtanh', 'min', o.min, -1, { infinite: true });
  const max = optNumber('hardtanh', 'max', o.max, 1, { infinite: true });
  if (!(min < max)) fail('hardtanh', `min got ${min} and max ${max}, expected min < max (as torch.nn.Hardtanh)`);
  checkTensor('hardtanh', x);
  return clamp(x, min, max);
}

/** x / (1 + |x|) (torch.nn.functional.softsign). */
export function softsign(x: Tensor): Tensor {
  checkArity('softsign', arguments, 1, 'softsign(x)');
  checkTensor('softsign', x);
  return div(x, add(abs(x), 1));
}
