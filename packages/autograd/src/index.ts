// Layer: autograd. The package entry point: everything users import from '@propel-ts/autograd'.
/**
 * Tape-based reverse-mode automatic differentiation: `Variable`, `defineOp`, `gradcheck`, `nn` modules and `optim` optimizers.
 *
 * @module @propel-ts/autograd
 */
// installs Variable's methods (y.add(b), y.sum(), y.backward(), ...) on its prototype: see variable-methods.ts
import './variable-methods';
export { Variable, variable, type VarLike, type VariableOptions, type VariableMethods } from './variable';
export { defineOp, type OpDefinition, type Op } from './define-op';
export { noGrad, enableGrad, isRecording, type BackwardContext } from './tape';
export { backward, grads, grad, type BackwardOptions } from './backward';
export * from './ops';
export * from './composites';
export { gradcheck, gradgradcheck, type OpGradcheckOptions } from './gradcheck';
export {
  GradcheckError, type GradcheckOptions, type GradcheckReport, type GradcheckRow, type NondifferentiableAt,
} from './gradcheck-core';
export { checkGradient, type CheckGradientOptions, type PlainValue, type PlainGradient, type AsFloat64 } from './check-gradient';
export * as nn from './nn';
export * as optim from './optim';
export { toDot, type ToDotOptions } from './dot';
export { clipGradNorm, type ClipGradNormOptions } from './clip-grad';
