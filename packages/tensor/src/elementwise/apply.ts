// Layer: tensor/elementwise. From a declaration to the public function: check the arguments once, broadcast,
// and hand the op's kernel (its name, CPU row loop and GPU statements) to the device's backend. Backends never
// import the declarations, so a new op needs no change in either backend. Imports backends, checks, shape.
import { backendFor } from '../backends';
import { asTensor, checkSame, checkTensor } from '../checks';
import { fail } from '../errors';
import { checkArity } from '../options';
import { broadcastShapes, checkSize } from '../shape';
import type { Tensor } from '../tensor';
import type { BinaryDecl, BinaryKernel, UnaryDecl, UnaryKernel } from './declare';
import { NAN_IN_NAN_OUT } from './gpu-lines';

/** The public function of a unary op: one Tensor argument (an extra one throws). */
export function unaryFunction(name: string, decl: UnaryDecl): (x: Tensor) => Tensor {
  // on the GPU, NaN in gives NaN out whatever the declaration's statements do
  const kernel: UnaryKernel = { name, cpu: decl.cpu, gpu: `${decl.gpu}\n${NAN_IN_NAN_OUT}`, threads: decl.threads === true };
  return function (x: Tensor): Tensor {
    checkArity(name, arguments, 1, `${name}(x)`);
    checkTensor(name, x);
    checkSize(name, x.shape, 'the result', x.dtype);
    return backendFor(x.device).unary(kernel, x);
  };
}

/** The public function of a binary op: two arguments, Tensors or numbers, broadcast (an extra one throws). */
export function binaryFunction(name: string, decl: BinaryDecl): (a: Tensor | number, b: Tensor | number) => Tensor {
  const kernel: BinaryKernel = { name, cpu: decl.cpu, gpu: decl.gpu, threads: decl.threads === true };
  return function (a: Tensor | number, b: Tensor | number): Tensor {
    checkArity(name, arguments, 2, `${name}(a, b)`);
    if (typeof a === 'number' && typeof b === 'number') fail(name, 'expects at least one Tensor argument, got two numbers');
    const like = (typeof a === 'number' ? b : a) as Tensor;
    checkTensor(name, like, typeof a === 'number' ? 'b' : 'a');
    const ta = asTensor(name, a, like, 'a');
    const tb = asTensor(name, b, like, 'b');
    checkSame(name, [ta, tb], ['a', 'b']);
    const shape = broadcastShapes(name, ta.shape, tb.shape);
    checkSize(name, shape, 'the result', ta.dtype);
    return backendFor(ta.device).binary(kernel, ta.expand(shape), tb.expand(shape));
  };
}
