// The elementwise ops' gradient checks, derived from their declarations (packages/tensor/src/elementwise):
// each op with a derivative is checked on float64 inputs drawn from its `test.smooth` interval (magnitudes
// with random signs where `test.awayFromZero`), to first order and, unless it says otherwise, second order.
// Ops without a gradient (sign, the comparisons) are listed as non-ops. The suite's own table adds the
// layouts (scalar, transposed, sliced, broadcast) and the edge cases by hand.
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import type { Variable } from '@propel-ts/autograd';
import { awayFromZero, u, type Case } from '../../helpers/gradcheck-inputs';

const fnOf = (op: string) => (A as unknown as Record<string, (...xs: Variable[]) => Variable>)[op]!;

const unary = T.UNARY_OPS.filter((op) => T.UNARY[op].grad !== 'none');
const binary = T.BINARY_OPS.filter((op) => T.BINARY[op].grad !== 'none');

function unaryInput(op: T.UnaryOp, shape: readonly number[]): T.Tensor {
  const t: T.OpTest = T.UNARY[op].test;
  const [lo, hi] = t.smooth;
  return t.awayFromZero ? awayFromZero(shape, lo, hi) : u(shape, lo, hi);
}

function binaryInputs(op: T.BinaryOp, shape: readonly number[]): T.Tensor[] {
  const [[lo0, hi0], [lo1, hi1]] = T.BINARY[op].test.smooth;
  return [u(shape, lo0, hi0), u(shape, lo1, hi1)];
}

const secondOrderToo = (t: { secondOrder?: boolean; gpu: string }, grad: unknown) => typeof grad === 'function' && t.secondOrder !== false;

export const cases: Case[] = [
  ...unary.map((op): Case => ({ op, what: `declared smooth on [${T.UNARY[op].test.smooth.join(', ')}]`, fn: fnOf(op), calls: fnOf(op), inputs: [unaryInput(op, [2, 3])] })),
  ...binary.map((op): Case => ({ op, what: 'declared smooth intervals', fn: fnOf(op), calls: fnOf(op), inputs: binaryInputs(op, [2, 3]) })),
];

export const secondOrder: Case[] = [
  ...unary.filter((op) => secondOrderToo(T.UNARY[op].test, T.UNARY[op].grad))
    .map((op): Case => ({ op, what: 'declared', fn: fnOf(op), calls: fnOf(op), inputs: [unaryInput(op, [2, 3])] })),
  ...binary.filter((op) => secondOrderToo(T.BINARY[op].test, T.BINARY[op].grad))
    .map((op): Case => ({ op, what: 'declared', fn: fnOf(op), calls: fnOf(op), inputs: binaryInputs(op, [2, 3]) })),
];

// no gradient flows through these: their 0/1 or sign results are constants (tested in tape.test.ts)
export const notOps: string[] = [
  ...T.UNARY_OPS.filter((op) => T.UNARY[op].grad === 'none'),
  ...T.BINARY_OPS.filter((op) => T.BINARY[op].grad === 'none'),
];
