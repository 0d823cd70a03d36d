// Layer: propel. The package entry point: everything users import from '@propel-ts/propel'.
export { propelLoss, PropelLoss, type PropelLossOptions, type Reduction } from './propel-op';
export { propelLossComposite } from './composite';
export {
  propelForward, propelBackward, checkPropelInputs, propelDimsFromShapes, stdOf, varianceOf,
  type PropelMode, type SigmaTransform, type PropelDims, type PropelKernelOptions, type PropelSaved,
} from './kernel';
export * from './mixture';
