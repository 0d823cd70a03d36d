// Layer: autograd/composites. Every composite: a differentiable function built only from the primitives
// of ops/ (no defineOp, no backward of its own), so its gradient is the chain rule through them. Nothing
// in ops/ imports this module.
export * from './reductions';
export * from './activations';
export * from './losses';
export * from './statistics';
