// Layer: tensor. The argument checks every public op starts with: a Tensor where one is expected, one dtype
// and one device across the inputs, and numbers turned into scalar tensors like their partner. Imports
// backends (for the scalar), errors and Tensor.
import { backendFor } from './backends';
import { describe, fail } from './errors';
import { Tensor } from './tensor';

/** Throw unless `x` is a Tensor; `arg` names it in the message. */
export function checkTensor(op: string, x: unknown, arg = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) fail(op, `${arg} must be a Tensor, got ${describe(x)}`);
}

/** Throw unless all tensors share one dtype and one device. */
export function checkSame(op: string, xs: readonly Tensor[], names: readonly string[]): void {
  const first = xs[0]!;
  xs.forEach((x, i) => {
    if (x.dtype !== first.dtype) {
      fail(op, `${names[i]} has dtype ${x.dtype} but ${names[0]} has ${first.dtype}, expected one dtype (convert with .astype('${first.dtype}'))`);
    }
    if (x.device !== first.device) {
      fail(op, `${names[i]} is on '${x.device}' but ${names[0]} is on '${first.device}', expected one device (move with .to('${first.device}'))`);
    }
  });
}

/** A number becomes a scalar tensor like `like`; a tensor passes through. */
export function asTensor(op: string, x: Tensor | number, like: Tensor, arg: string): Tensor {
  if (typeof x === 'number') return backendFor(like.device).full([], x, like.dtype);
  checkTensor(op, x, arg);
  return x;
}
