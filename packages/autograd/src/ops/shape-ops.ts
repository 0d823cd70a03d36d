// Layer: autograd/ops. The shape ops of '@propel-ts/tensor' (flip, roll, pad, tile, triu, tril) made
// differentiable: each forward is the tensor op (which checks the arguments), each backward is written
// with differentiable ops, so second-order gradients work. They move elements around without changing
// them, so each backward moves dy back: flip and triu/tril are their own adjoints, roll's is the roll the
// other way, pad's is a slice, tile's the sum over the copies. oneHot has no gradient. Imports define-op,
// variable and views.
import * as T from '@propel-ts/tensor';
import { defineOp, toVariables } from '../define-op';
import { Variable, type VarLike } from '../variable';
import { reshape, slice, sumToShape } from './views';

const flipOp = defineOp<T.AxesArg | undefined>({
  name: 'flip', forward: ([x], axis) => ({ out: T.flip(x!, axis) }),
  // flipping twice is the identity: the gradient is dy flipped back along the same axes
  backward: (dy, { params: axis }) => [flip(dy, axis)],
});
/** Reverse the elements along `axis` (one or several; every axis when omitted, as NumPy): `flip(x, 0)`, `flip(x, { axis: [0, 1] })`. */
export function flip(x: VarLike, axis?: T.AxesArg): Variable {
  T.checkArity('flip', arguments, 2, 'flip(x, axis) or flip(x, { axis })');
  return flipOp([x], axis);
}

const rollOp = defineOp<{ shift: number | readonly number[]; axis?: T.AxesArg }>({
  name: 'roll', forward: ([x], p) => ({ out: T.roll(x!, p.shift, p.axis) }),
  // rolling by -shift undoes the roll: the gradient is dy rolled back (shifts checked by the forward)
  backward: (dy, { params: p }) => [roll(dy, typeof p.shift === 'number' ? -p.shift : p.shift.map((s) => -s), p.axis)],
});
/** Shift the elements along `axis` by `shift`, wrapping around (torch.roll; the flattened tensor without an axis). */
export function roll(x: VarLike, shift: number | readonly number[], axis?: T.AxesArg): Variable {
  T.checkArity('roll', arguments, 3, 'roll(x, shift, axis) or roll(x, shift, { axis })');
  return rollOp([x], { shift, axis });
}

const padOp = defineOp<{ pads: readonly (readonly [number, number])[]; options?: { value?: number } }>({
  name: 'pad', forward: ([x], p) => ({ out: T.pad(x!, p.pads, p.options) }),
  // the padding is constant: the gradient is the slice of dy where x sits (pairs checked by the forward)
  backward: (dy, { inputs: [x], params: p }) => {
    let g = dy;
    p.pads.forEach(([before], ax) => { g = slice(g, ax, before, before + x!.shape[ax]!); });
    return [g];
  },
});
/** Constant padding, one `[before, after]` pair per axis, first axis first (NumPy's order; PyTorch's F.pad is last axis first). */
export function pad(x: VarLike, pads: readonly (readonly [number, number])[], options?: { value?: number }): Variable {
  T.checkArity('pad', arguments, 3, 'pad(x, [[before, after], ...], { value })');
  return padOp([x], { pads, options });
}

const tileOp = defineOp<number | readonly number[]>({
  name: 'tile', forward: ([x], reps) => ({ out: T.tile(x!, reps) }),
  // every copy of x gets its block of dy: view dy as [r0, d0, r1, d1, ...] and sum over the r axes
  backward: (dy, { inputs: [x], params: reps }) => {
    const nd = dy.ndim;
    const r = typeof reps === 'number' ? [reps] : reps;
    const ones = (n: number) => new Array<number>(n).fill(1);
    const dims = [...ones(nd - x!.ndim), ...x!.shape];
    const all = [...ones(nd - r.length), ...r];
    const blocks = reshape(dy, dims.flatMap((d, i) => [all[i]!, d]));
    return [reshape(sumToShape(blocks, dims.flatMap((d) => [1, d])), x!.shape)];
  },
});
/** Repeat `x` `reps[i]` times along axis i (torch.tile: short reps get leading 1s, long ones add leading axes). */
export function tile(x: VarLike, reps: number | readonly number[]): Variable {
  T.checkArity('tile', arguments, 2, 'tile(x, reps)');
  return tileOp([x], reps);
}

type Diagonal = number | { diagonal?: number } | undefined;
const triuOp = defineOp<Diagonal>({
  name: 'triu', forward: ([x], diagonal) => ({ out: T.triu(x!, diagonal) }),
  // a mask is its own adjoint: the gradient is the same triangle of dy
  backward: (dy, { params: diagonal }) => [triu(dy, diagonal)],
});
const trilOp = defineOp<Diagonal>({
  name: 'tril', forward: ([x], diagonal) => ({ out: T.tril(x!, diagonal) }),
  backward: (dy, { params: diagonal }) => [tril(dy, diagonal)],
});
/** Upper triangle of the last two axes (`j - i >= diagonal` kept, 0 elsewhere): `triu(x)`, `triu(x, 1)`, `triu(x, { diagonal })`. */
export function triu(x: VarLike, diagonal?: number | { diagonal?: number }): Variable {
  T.checkArity('triu', arguments, 2, 'triu(x, diagonal) or triu(x, { diagonal })');
  return triuOp([x], diagonal);
}
/** Lower triangle of the last two axes (`j - i <= diagonal` kept, 0 elsewhere). */
export function tril(x: VarLike, diagonal?: number | { diagonal?: number }): Variable {
  T.checkArity('tril', arguments, 2, 'tril(x, diagonal) or tril(x, { diagonal })');
  return trilOp([x], diagonal);
}

/** One-hot encoding `[...indices.shape, numClasses]` in indices' dtype (no gradient: indices are not differentiable). */
export function oneHot(indices: VarLike, numClasses: number): Variable {
  T.checkArity('oneHot', arguments, 2, 'oneHot(indices, numClasses)');
  return new Variable(T.oneHot(toVariables('oneHot', [indices])[0]!.value, numClasses));
}
