// Layer: propel. The package entry point: everything users import from '@propel-ts/propel'.
/**
 * The PROPEL probabilistic regression loss (Asad et al., ICPR 2020) as one fused, numerically stable autograd op, the mixture negative log-likelihood (MDN loss), and mixture helpers.
 *
 * @module @propel-ts/propel
 */
export { propelLoss, PropelLoss, type PropelLossOptions, type Reduction } from './propel-op';
export { propelLossComposite } from './composite';
export { mixtureNll, type MixtureNllOptions } from './mixture-nll';
export {
  propelForward, propelBackward, type PropelSaved, type PropelForwardResult, type PropelForwardOptions,
} from './kernel';
export {
  checkPropelInputs, propelDimsFromShapes, resolvePropelOptions, stdOf, varianceOf,
  type PropelMode, type SigmaTransform, type FloatArray, type PropelDims, type PropelKernelOptions,
} from './inputs';
export * from './mixture';
