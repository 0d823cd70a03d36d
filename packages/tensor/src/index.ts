// Layer: tensor. The package entry point: everything users import from '@propel-ts/tensor'.
/**
 * Strided tensors with zero-copy views, CPU kernels in float32 and float64 (a WebAssembly SIMD gemm), and the optional gpu.js `'gpu'` device.
 *
 * @module @propel-ts/tensor
 */
// installs Tensor's computing methods (x.exp(), x.sum(1), x.toArray(), ...) on its prototype: see tensor-methods.ts
import './tensor-methods';

export {
  Tensor, bumpVersion, type NestedArray, type ReduceOptions, type AxisArg, type ArgAxisArg,
  type TensorMethods, type UnaryMethods, type BinaryMethods,
} from './tensor';
export type { DType, Device, TypedArray } from './dtype';
export { TensorError, fmtShape } from './errors';
export {
  checkOptions, optNumber, optBoolean, optOneOf, optSeed, checkArity, axisOptions, didYouMean, describeValue,
  type NumberRule, type AxisOptions,
} from './options';
export {
  addressOf, broadcastShapes, checkSize, contiguousStrides, flattenShape, isContiguousLayout, MAX_ELEMENTS, normalizeAxes, normalizeAxis,
  setMaxTensorBytes, getMaxTensorBytes,
  sizeOf, unravelIndex,
  type Shape,
} from './shape';
export type { Storage } from './storage';
export { CpuStorage } from './storage';
export {
  REDUCE_OPS, ARG_REDUCE_OPS, type Backend, type UnaryOp, type BinaryOp, type ReduceOp, type ArgReduceOp, type ScanOp,
} from './backend';
export {
  UNARY, BINARY, UNARY_OPS, BINARY_OPS, DRAW,
  neg, abs, exp, log, sqrt, square, reciprocal, tanh, sigmoid, relu, sin, cos, sign, log1p, expm1, softplus,
  tan, asin, acos, atan, sinh, cosh, asinh, atanh, erf, exp2, log2, log10, rsqrt, floor, ceil, trunc, round,
  add, sub, mul, div, pow, maximum, minimum, atan2, eq, ne, lt, le, gt, ge,
  type UnaryDecl, type BinaryDecl, type Diff, type Draw, type OpTest, type GpuTolerance, type UnaryKernel, type BinaryKernel,
} from './elementwise';
export { elementwiseMethods } from './elementwise/methods';
export { backendFor } from './backends';
export { recycleScope, pooledBufferBytes } from './backends/cpu/pool';
export { setNumThreads, cpuInfo, type CpuInfo } from './backends/cpu/threads';
export { parallelFor, type LoopArray, type LoopBody, type ParallelForOptions } from './backends/cpu/parallel-for';
export { Generator, manualSeed, defaultGenerator } from './random';
export {
  tensor, fromTypedArray, full, zeros, ones, zerosLike, onesLike, fullLike, arange, linspace, eye, rand, randn, generatorFrom,
  type CreateOptions, type RandomOptions,
} from './creation';
export {
  toHost, toHostAsync, copy, to, astype, where, clamp,
  sum, mean, max, min, prod, logsumexp, argmax, argmin, sumToShape,
  matmul, allClose, reduceOptions, argReduceOptions, clampBounds,
} from './ops';
export { checkTensor, checkSame } from './checks';
export { concat, stack, split, gather, indexSelect, scatterAdd, axisArg } from './join';
export { flip, roll, pad, tile, triu, tril, oneHot, type AxesArg } from './shape-ops';
export { leakyRelu, elu, gelu, silu, logSigmoid, hardtanh, softsign } from './activations';
export {
  variance, std, norm, varianceOptions, normOptions, type VarianceOptions, type VarianceArg, type NormOptions,
} from './statistics';
export { cumsum, cumprod, scanOptions, type ScanOptions, type ScanArg } from './scan';
export {
  GpuStorage, gpuInfo, setGpuMode, initGpu, runGpuKernel, onReadback, canReadSync, useGpuJs,
  type GpuInfo, type GpuMode, type GpuKernelCall, type ReadbackCheck,
} from './backends/gpu';
export { gpuSource } from './backends/gpu/codegen';
