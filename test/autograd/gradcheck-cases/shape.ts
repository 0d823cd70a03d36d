// Gradient-check cases for the shape ops (issue #12, packages/autograd/src/ops/shape-ops.ts): each op on
// contiguous and non-contiguous inputs, and through its backward a second time (gradgradcheck), where a
// product with x makes the second derivative non-zero.
import * as A from '@propel-ts/autograd';
import { type Case, everyOtherRow, transposed, u } from '../../helpers/gradcheck-inputs';

export const cases: Case[] = [
  { op: 'flip', what: 'one axis', fn: (x) => A.flip(x, 1), inputs: [u([2, 3])] },
  { op: 'flip', what: 'every axis (no axis given) of a transposed input', fn: (x) => A.flip(x), inputs: [transposed(u([4, 3]))] },
  { op: 'flip', what: 'axes [0, -1] of rank 3', fn: (x) => A.flip(x, { axis: [0, -1] }), inputs: [u([2, 3, 2])] },
  { op: 'roll', what: 'along one axis, shift past the size', fn: (x) => A.roll(x, 5, 1), inputs: [u([2, 3])] },
  { op: 'roll', what: 'flattened, negative shift, sliced input', fn: (x) => A.roll(x, -4), inputs: [everyOtherRow(u([6, 3]))] },
  { op: 'roll', what: 'two axes', fn: (x) => A.roll(x, [1, -2], { axis: [0, 2] }), inputs: [u([3, 2, 4])] },
  { op: 'pad', what: 'both sides of both axes, with a value', fn: (x) => A.pad(x, [[1, 2], [0, 1]], { value: 0.5 }), inputs: [u([2, 3])] },
  { op: 'pad', what: 'one axis of a transposed input', fn: (x) => A.pad(x, [[0, 0], [2, 1]]), inputs: [transposed(u([3, 2]))] },
  { op: 'tile', what: 'reps as long as the rank', fn: (x) => A.tile(x, [2, 3]), inputs: [u([2, 2])] },
  { op: 'tile', what: 'reps longer than the rank (new leading axis)', fn: (x) => A.tile(x, [3, 1, 2]), inputs: [u([2, 3])] },
  { op: 'tile', what: 'reps shorter than the rank, sliced input', fn: (x) => A.tile(x, [2]), inputs: [everyOtherRow(u([4, 3]))] },
  { op: 'triu', what: 'main diagonal', fn: (x) => A.triu(x), inputs: [u([3, 4])] },
  { op: 'triu', what: 'diagonal 1 of a transposed input', fn: (x) => A.triu(x, 1), inputs: [transposed(u([4, 3]))] },
  { op: 'tril', what: 'diagonal -1, batched', fn: (x) => A.tril(x, { diagonal: -1 }), inputs: [u([2, 3, 3])] },
];

export const secondOrder: Case[] = [
  { op: 'flip', what: 'flip(x) * x', fn: (x) => A.mul(A.flip(x, 0), x), inputs: [u([3, 2])] },
  { op: 'roll', what: 'roll(x) * x', fn: (x) => A.mul(A.roll(x, 1, 1), x), inputs: [u([2, 3])] },
  { op: 'pad', what: 'pad(x)²', fn: (x) => A.square(A.pad(x, [[1, 0], [0, 2]], { value: 1 })), inputs: [u([2, 2])] },
  { op: 'tile', what: 'tile(x)³', fn: (x) => A.pow(A.tile(x, [2, 1]), 3), inputs: [u([2, 3])] },
  { op: 'triu', what: 'triu(x) * x', fn: (x) => A.mul(A.triu(x, 1), x), inputs: [u([3, 3])] },
  { op: 'tril', what: 'tril(x x)', fn: (x) => A.tril(A.matmul(x, x)), inputs: [u([3, 3])] },
];

// oneHot: its output is piecewise constant in the indices (and indices are not differentiable), so no
// gradient flows; its values are tested in test/tensor/shape-ops.test.ts
export const notOps = ['oneHot'];
