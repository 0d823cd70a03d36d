// Layer: autograd/ops. Every primitive (an op made by defineOp, with its own backward) and the thin
// spellings of one beside it (transpose is a permute, squeeze a reshape, ...), re-exported for the package
// entry and Variable's methods. The composites are in ../composites.
export * from './elementwise';
export * from './views';
export * from './reduce';
export * from './linalg';
export * from './join';
export * from './indexing';
export * from './shape-ops';
export * from './scan';
export * from './statistics';
