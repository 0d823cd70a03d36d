// Layer: tensor/elementwise. The elementwise ops as one table each (UNARY, BINARY), built from the
// declaration files, and the names derived from them: the op-name unions, the lists the tests iterate,
// and the public functions. A new op is an entry in unary-core.ts, unary-math.ts or binary.ts plus its
// public function after that table; the compiler then asks for it everywhere else (docs/walkthrough.md,
// "Adding an op").
import { UNARY_CORE } from './unary-core';
import { UNARY_MATH } from './unary-math';
import { BINARY } from './binary';

/** Every unary op's declaration, by name. */
export const UNARY = { ...UNARY_CORE, ...UNARY_MATH };
/** Every binary op's declaration, by name (the comparisons give 0 or 1 in the input dtype). */
export { BINARY };

/** Elementwise functions of one argument. */
export type UnaryOp = keyof typeof UNARY;
/** Elementwise functions of two arguments. */
export type BinaryOp = keyof typeof BINARY;
export const UNARY_OPS = Object.keys(UNARY) as UnaryOp[];
export const BINARY_OPS = Object.keys(BINARY) as BinaryOp[];

export * from './unary-core';
export * from './unary-math';
export * from './binary';
export { DRAW, type UnaryDecl, type BinaryDecl, type Diff, type Draw, type OpTest, type GpuTolerance, type UnaryKernel, type BinaryKernel } from './declare';
