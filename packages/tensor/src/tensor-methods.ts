// Layer: tensor. The methods of Tensor that compute or read (declared in tensor.ts as TensorMethods,
// UnaryMethods and BinaryMethods), installed on Tensor.prototype here, the one file that imports both the
// class and the ops: the ops construct Tensors, so tensor.ts cannot import them (an import cycle). One
// method per elementwise op comes from the op tables, so a new op is a method without a line here. The
// package entry imports this file, and package.json lists it under "sideEffects" so that bundlers keep it.
import * as E from './elementwise';
import { elementwiseMethods } from './elementwise/methods';
import { fail, fmtShape } from './errors';
import * as join from './join';
import * as ops from './ops';
import * as scan from './scan';
import * as shapeOps from './shape-ops';
import * as stats from './statistics';
import { checkArity } from './options';
import { sizeOf } from './shape';
import { Tensor, type BinaryMethods, type NestedArray, type TensorMethods, type UnaryMethods } from './tensor';
import type { TypedArray } from './dtype';

/** Flat row-major values as nested arrays of `shape` (a number for a scalar). */
function nest(shape: readonly number[], flat: TypedArray): NestedArray {
  const build = (dim: number, base: number): NestedArray => {
    if (dim === shape.length) return flat[base]!;
    const inner = sizeOf(shape.slice(dim + 1));
    return Array.from({ length: shape[dim]! }, (_, i) => build(dim + 1, base + i * inner));
  };
  return build(0, 0);
}

// typed against TensorMethods, so a method declared there and missing here fails to compile
// the readers take no argument: one given (a dtype to toTypedArray, an index to item, as NumPy's) would be
// dropped, so it throws instead
const methods: TensorMethods & ThisType<Tensor> = {
  toTypedArray() { checkArity('toTypedArray', arguments, 0, 'x.toTypedArray() (convert with x.astype(dtype) first)'); return ops.toHost(this); },
  toArray() { checkArity('toArray', arguments, 0, 'x.toArray()'); return nest(this.shape, ops.toHost(this, 'toArray')); },
  item() {
    checkArity('item', arguments, 0, 'x.item() (select an element first: x.reshape(-1).select(0, i).item())');
    if (this.size !== 1) fail('item', `tensor of shape ${fmtShape(this.shape)} has ${this.size} elements, expected exactly 1`);
    return ops.toHost(this, 'item')[0]!;
  },
  data() { checkArity('data', arguments, 0, 'x.data() (convert with x.astype(dtype) first)'); return ops.toHostAsync(this); },
  array() {
    // the arity is checked at the call (as data's); a failed read still rejects the promise, as before
    checkArity('array', arguments, 0, 'x.array()');
    return (async () => nest(this.shape, await ops.toHostAsync(this)))();
  },
  contiguous() {
    checkArity('contiguous', arguments, 0, 'x.contiguous()');
    if (this.isContiguous() && this.offset === 0 && this.storage.length === this.size) return this;
    return ops.copy(this);
  },
  split(sizeOrSections, dim = 0) {
    checkArity('split', arguments, 2, 'x.split(sizeOrSections, dim)');
    return join.split(this, sizeOrSections, dim);
  },
  to(device) { checkArity('to', arguments, 1, 'x.to(device)'); return ops.to(this, device); },
  astype(dtype) { checkArity('astype', arguments, 1, 'x.astype(dtype)'); return ops.astype(this, dtype); },
  clone() { checkArity('clone', arguments, 0, 'x.clone()'); return ops.copy(this); },
  clamp(min, max) {
    checkArity('clamp', arguments, 2, 'x.clamp(min, max) or x.clamp({ min, max })');
    return arguments.length < 2 ? ops.clamp(this, min) : ops.clamp(this, min, max);
  },
  sum(options) { checkArity('sum', arguments, 1, 'x.sum(axis) or x.sum({ axis, keepDims })'); return ops.sum(this, options); },
  mean(options) { checkArity('mean', arguments, 1, 'x.mean(axis) or x.mean({ axis, keepDims })'); return ops.mean(this, options); },
  max(options) { checkArity('max', arguments, 1, 'x.max(axis) or x.max({ axis, keepDims })'); return ops.max(this, options); },
  min(options) { checkArity('min', arguments, 1, 'x.min(axis) or x.min({ axis, keepDims })'); return ops.min(this, options); },
  prod(options) { checkArity('prod', arguments, 1, 'x.prod(axis) or x.prod({ axis, keepDims })'); return ops.prod(this, options); },
  logsumexp(options) { checkArity('logsumexp', arguments, 1, 'x.logsumexp(axis) or x.logsumexp({ axis, keepDims })'); return ops.logsumexp(this, options); },
  argmax(options) { checkArity('argmax', arguments, 1, 'x.argmax(axis) or x.argmax({ axis, keepDims })'); return ops.argmax(this, options); },
  argmin(options) { checkArity('argmin', arguments, 1, 'x.argmin(axis) or x.argmin({ axis, keepDims })'); return ops.argmin(this, options); },
  matmul(other) { checkArity('matmul', arguments, 1, 'x.matmul(other)'); return ops.matmul(this, other); },
  indexSelect(dim, index) { checkArity('indexSelect', arguments, 2, 'x.indexSelect(dim, index)'); return join.indexSelect(this, dim, index); },
  gather(dim, index) { checkArity('gather', arguments, 2, 'x.gather(dim, index)'); return join.gather(this, dim, index); },
  // the rest pass their arguments on as given, so the function's own checks (and its arity) apply
  variance(...args) { return stats.variance(this, ...args); },
  std(...args) { return stats.std(this, ...args); },
  norm(...args) { return stats.norm(this, ...args); },
  cumsum(...args) { return (scan.cumsum as (x: Tensor, ...a: unknown[]) => Tensor)(this, ...args); },
  cumprod(...args) { return (scan.cumprod as (x: Tensor, ...a: unknown[]) => Tensor)(this, ...args); },
  flip(...args) { return shapeOps.flip(this, ...args); },
  roll(...args) { return shapeOps.roll(this, ...args); },
  tile(...args) { return (shapeOps.tile as (x: Tensor, ...a: unknown[]) => Tensor)(this, ...args); },
  triu(...args) { return shapeOps.triu(this, ...args); },
  tril(...args) { return shapeOps.tril(this, ...args); },
};

// and one method per elementwise op, from the op tables
const elementwise = elementwiseMethods(E, 'x', 'other', 'its declaration file (packages/tensor/src/elementwise/)') as unknown as UnaryMethods & BinaryMethods;
for (const [name, method] of Object.entries({ ...methods, ...elementwise })) {
  Object.defineProperty(Tensor.prototype, name, { value: method, writable: true, configurable: true, enumerable: false });
}
