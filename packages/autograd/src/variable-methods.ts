// Layer: autograd. The methods of Variable (declared in variable.ts as VariableMethods), installed on
// Variable.prototype here, the one file that imports both the class and the ops: the ops construct
// Variables, so variable.ts cannot import them (an import cycle). The package entry imports this file, and
// package.json lists it under "sideEffects" so that bundlers keep it. Imports variable, backward, the ops
// and the composites.
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { backward } from './backward';
import * as ops from './ops';
import * as composites from './composites';
import { Variable, type VariableBinaryMethods, type VariableMethods, type VariableUnaryMethods } from './variable';

/** `[3, 2]` from both `reshape(3, 2)` and `reshape([3, 2])`. */
function flat(args: number[] | [readonly number[]]): number[] {
  const first = args[0];
  if (args.length === 1 && Array.isArray(first)) return first.slice();
  return (args as number[]).slice();
}

// typed against VariableMethods, so a method declared there and missing here fails to compile
const methods: VariableMethods & ThisType<Variable> = {
  backward(dy, options) {
    T.checkArity('backward', arguments, 2, 'y.backward(dy, { retainGraph, createGraph })');
    // y.backward({ retainGraph: true }): the options in dy's place
    if (dy !== undefined && !(dy instanceof T.Tensor) && typeof dy === 'object' && dy !== null && Object.getPrototypeOf(dy) === Object.prototype) {
      if (arguments.length > 1) throw new T.TensorError('backward: options given twice, expected y.backward(dy, options) or y.backward(options)');
      backward(this, undefined, dy);
      return;
    }
    backward(this, dy as Tensor | undefined, options);
  },
  sum(options) { T.checkArity('sum', arguments, 1, 'y.sum(axis) or y.sum({ axis, keepDims })'); return ops.sum(this, options); },
  mean(options) { T.checkArity('mean', arguments, 1, 'y.mean(axis) or y.mean({ axis, keepDims })'); return composites.mean(this, options); },
  max(options) { T.checkArity('max', arguments, 1, 'y.max(axis) or y.max({ axis, keepDims })'); return ops.max(this, options); },
  min(options) { T.checkArity('min', arguments, 1, 'y.min(axis) or y.min({ axis, keepDims })'); return ops.min(this, options); },
  logsumexp(options) { T.checkArity('logsumexp', arguments, 1, 'y.logsumexp(axis) or y.logsumexp({ axis, keepDims })'); return composites.logsumexp(this, options); },
  matmul(b) { T.checkArity('matmul', arguments, 1, 'y.matmul(b)'); return ops.matmul(this, b); },
  reshape(...shape) { return ops.reshape(this, flat(shape)); },
  view(...shape) { return ops.reshape(this, flat(shape)); },
  permute(...dims) { return ops.permute(this, flat(dims)); },
  transpose(dim0 = -2, dim1 = -1) {
    T.checkArity('transpose', arguments, 2, 'y.transpose(dim0, dim1)');
    if (arguments.length === 1) throw new T.TensorError(`transpose: got y.transpose(${T.describeValue(dim0)}), expected y.transpose(dim0, dim1) (both dims) or y.transpose() (the last two)`);
    return arguments.length === 0 ? ops.transpose(this) : ops.transpose(this, dim0, dim1);
  },
  expand(...shape) { return ops.expand(this, flat(shape)); },
  slice(dim, start = 0, end, step = 1) { T.checkArity('slice', arguments, 4, 'y.slice(dim, start, end, step)'); return ops.slice(this, dim, start, end, step); },
  select(dim, index) { T.checkArity('select', arguments, 2, 'y.select(dim, index)'); return ops.select(this, dim, index); },
  squeeze(dim) { T.checkArity('squeeze', arguments, 1, 'y.squeeze(dim)'); return ops.squeeze(this, dim); },
  unsqueeze(dim) { T.checkArity('unsqueeze', arguments, 1, 'y.unsqueeze(dim)'); return ops.unsqueeze(this, dim); },
  flatten(startDim = 0, endDim = -1) { T.checkArity('flatten', arguments, 2, 'y.flatten(startDim, endDim)'); return ops.flatten(this, startDim, endDim); },
  // the rest pass their arguments on as given, so the function's own checks (and its arity) apply
  variance(...args) { return composites.variance(this, ...args); },
  std(...args) { return ops.std(this, ...args); },
  norm(...args) { return ops.norm(this, ...args); },
  cumsum(...args) { return (ops.cumsum as (x: Variable, ...a: unknown[]) => Variable)(this, ...args); },
  cumprod(...args) { return (ops.cumprod as (x: Variable, ...a: unknown[]) => Variable)(this, ...args); },
  flip(...args) { return ops.flip(this, ...args); },
  roll(...args) { return ops.roll(this, ...args); },
  tile(...args) { return (ops.tile as (x: Variable, ...a: unknown[]) => Variable)(this, ...args); },
  triu(...args) { return ops.triu(this, ...args); },
  tril(...args) { return ops.tril(this, ...args); },
};

// non-enumerable, as methods written in a class body are
// and one method per elementwise op of the tensor package's tables (`y.tanh()`, `y.atan2(x)`)
const elementwise = T.elementwiseMethods(ops, 'y', 'b', 'packages/autograd/src/ops/elementwise.ts') as unknown as VariableUnaryMethods & VariableBinaryMethods;
for (const [name, fn] of Object.entries({ ...methods, ...elementwise })) {
  Object.defineProperty(Variable.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
}
// `w.T`, as Tensor's and PyTorch's: the matrix transpose of a 2-D Variable (without it `w.T` is undefined)
Object.defineProperty(Variable.prototype, 'T', {
  get(this: Variable): Variable {
    if (this.ndim !== 2) throw new T.TensorError(`T: expects a 2-D Variable, got shape ${T.fmtShape(this.shape)} (use transpose(dim0, dim1) or permute)`);
    return ops.transpose(this, 0, 1);
  },
  configurable: true, enumerable: false,
});
