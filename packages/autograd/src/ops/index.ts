// Layer: autograd/ops. Every differentiable op, re-exported for the package entry and Variable methods.
export * from './elementwise';
export * from './views';
export * from './reduce';
export * from './linalg';
export * from './indexing';
export * from '../composite';
