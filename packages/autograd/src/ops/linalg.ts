// Layer: autograd/ops. Matrix product. The primitive works on equal batch shapes; the public function
// promotes 1-D arguments and broadcasts batch dimensions through expand (whose backward sums them).
import * as T from '@propel-ts/tensor';
import { defineOp, toVariables } from '../define-op';
import type { Variable, VarLike } from '../variable';
import { expand, squeeze, transpose, unsqueeze } from './views';

/** True when the last two dims of `x` are stored column-major (e.g. `W.transpose()` of a row-major W). */
function columnMajor(x: Variable): boolean {
  const s = x.value.strides;
  return x.ndim >= 2 && s[x.ndim - 2] === 1 && s[x.ndim - 1] !== 1;
}

const matmulOp = defineOp({
  name: 'matmul', forward: ([a, b]) => ({ out: T.matmul(a!, b!) }),
  // d(AB) = dA B + A dB  →  dA = dy Bᵀ, dB = Aᵀ dy. For an input stored column-major (Linear's Wᵀ) the
  // same product is computed transposed, (dyᵀ A)ᵀ, so the gradient comes out in the storage order of
  // the parameter behind it: contiguous once the transpose is undone.
  backward: (dy, { inputs: [a, b], needsGrad }) => [
    needsGrad[0] ? (columnMajor(a!) ? transpose(matmul(b!, transpose(dy))) : matmul(dy, transpose(b!))) : null,
    needsGrad[1] ? (columnMajor(b!) ? transpose(matmul(transpose(dy), a!)) : matmul(transpose(a!), dy)) : null,
  ],
});

/** Matrix product with torch.matmul's rules (1-D promotion, broadcast batch dimensions). */
export function matmul(a: VarLike, b: VarLike): Variable {
  T.checkArity('matmul', arguments, 2, 'matmul(a, b)');
  const [va, vb] = toVariables('matmul', [a, b]);
  if (va!.ndim === 0 || vb!.ndim === 0) {
    throw new T.TensorError(`matmul: expects tensors of rank >= 1, got shapes ${T.fmtShape(va!.shape)} and ${T.fmtShape(vb!.shape)}`);
  }
  const a2 = va!.ndim === 1 ? unsqueeze(va!, 0) : va!;
  const b2 = vb!.ndim === 1 ? unsqueeze(vb!, 1) : vb!;
  const k = a2.shape[a2.ndim - 1]!;
  if (k !== b2.shape[b2.ndim - 2]) {
    throw new T.TensorError(`matmul: inner dimensions differ: a ${T.fmtShape(va!.shape)} has ${k} columns, b ${T.fmtShape(vb!.shape)} has ${b2.shape[b2.ndim - 2]} rows, expected them equal`);
  }
  const batch = T.broadcastShapes('matmul', a2.shape.slice(0, -2), b2.shape.slice(0, -2));
  const m = a2.shape[a2.ndim - 2]!;
  const n = b2.shape[b2.ndim - 1]!;
  const ea = same(a2.shape, [...batch, m, k]) ? a2 : expand(a2, [...batch, m, k]);
  const eb = same(b2.shape, [...batch, k, n]) ? b2 : expand(b2, [...batch, k, n]);
  let y = matmulOp([ea, eb], undefined);
  if (va!.ndim === 1) y = squeeze(y, -2);
  if (vb!.ndim === 1) y = squeeze(y, -1);
  return y;
}

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
