// Layer: autograd/ops. The elementwise primitives, one autograd op per declaration of the tensor package
// (packages/tensor/src/elementwise: each op's forward kernel and its derivative, written with the
// differentiable ops of the Diff interface, which this file supplies). So the derivative of every op is
// itself recorded on the tape when a graph of the backward is wanted, and second order works without a
// second formula. Binary ops are defined on equal shapes; the public functions broadcast by `expand`
// first, so the gradient of a broadcast (a sum back to the input shape) lives in one place: expand's
// backward (views.ts). Adding an op: docs/walkthrough.md, "Adding an op".
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { defineOp, toVariables } from '../define-op';
import { Variable, type VarLike } from '../variable';
import { expand } from './views';

/**
 * The ops a declaration's derivative is written with, as Variables: recorded on the tape (so differentiable
 * again) whenever the backward itself is being recorded. Comparisons and sign give constants.
 */
const D: T.Diff<Variable> = {
  add: (a, b) => add(a, b), sub: (a, b) => sub(a, b), mul: (a, b) => mul(a, b), div: (a, b) => div(a, b),
  pow: (a, b) => pow(a, b), neg: (x) => neg(x), square: (x) => square(x), sqrt: (x) => sqrt(x),
  exp: (x) => exp(x), log: (x) => log(x), sin: (x) => sin(x), cos: (x) => cos(x), sigmoid: (x) => sigmoid(x),
  where: (c, a, b) => where(c, a, b),
  eq: (a, b) => eq(a, b), ne: (a, b) => ne(a, b), lt: (a, b) => lt(a, b), le: (a, b) => le(a, b),
  gt: (a, b) => gt(a, b), ge: (a, b) => ge(a, b),
  sign: (x) => sign(x), zerosLike: (x) => new Variable(T.zerosLike(x.value)),
};

/** The tensor package's public function of an elementwise op (the forward). */
function tensorFn<F>(name: string): F {
  return (T as unknown as Record<string, F>)[name]!;
}

/**
 * The differentiable function of a unary op: its forward is the tensor function, its backward the
 * declaration's derivative. A 'zero' derivative (floor, round, ...) gives zeros, as PyTorch; 'none' (sign)
 * gives a constant, through which no gradient flows.
 */
function unaryOp(name: T.UnaryOp): (x: VarLike) => Variable {
  const decl: T.UnaryDecl = T.UNARY[name];
  const forward = tensorFn<(x: Tensor) => Tensor>(name);
  const grad = decl.grad;
  if (grad === 'none') {
    return function (x: VarLike): Variable {
      T.checkArity(name, arguments, 1, `${name}(x)`);
      return new Variable(forward(toVariables(name, [x])[0]!.value));
    };
  }
  const op = defineOp({
    name,
    forward: ([x]) => ({ out: forward(x!) }),
    backward: grad === 'zero'
      ? (dy: Variable) => [D.zerosLike(dy)]
      : (dy: Variable, { inputs: [x], output }) => [grad(D, { x: x!, y: output, dy })],
  });
  return function (x: VarLike): Variable {
    T.checkArity(name, arguments, 1, `${name}(x)`);
    return op([x], undefined);
  };
}

/** The differentiable function of a binary op (broadcast first); comparisons ('none') give constants. */
function binaryOp(name: T.BinaryOp): (a: VarLike, b: VarLike) => Variable {
  const decl: T.BinaryDecl = T.BINARY[name];
  const forward = tensorFn<(a: Tensor, b: Tensor) => Tensor>(name);
  const grad = decl.grad;
  if (grad === 'none') {
    return function (a: VarLike, b: VarLike): Variable {
      T.checkArity(name, arguments, 2, `${name}(a, b)`);
      const [va, vb] = toVariables(name, [a, b]);
      return new Variable(forward(va!.value, vb!.value));
    };
  }
  const op = defineOp({
    name,
    forward: ([a, b]) => ({ out: forward(a!, b!) }),
    backward: (dy: Variable, { inputs: [a, b], output, needsGrad }) => grad(D, { a: a!, b: b!, y: output, dy, needs: [needsGrad[0]!, needsGrad[1]!] }),
  });
  return function (a: VarLike, b: VarLike): Variable {
    T.checkArity(name, arguments, 2, `${name}(a, b)`);
    return op(broadcastVars(name, [a, b]), undefined);
  };
}

// ---- the ops: one line each (the declarations are in the tensor package) -------------------------------

/** -x */ export const neg = unaryOp('neg');
/** |x| (gradient sign(x); 0 at 0 and at NaN) */ export const abs = unaryOp('abs');
/** e^x */ export const exp = unaryOp('exp');
/** natural log */ export const log = unaryOp('log');
/** √x */ export const sqrt = unaryOp('sqrt');
/** x² */ export const square = unaryOp('square');
/** 1/x */ export const reciprocal = unaryOp('reciprocal');
/** tanh x */ export const tanh = unaryOp('tanh');
/** 1/(1+e^-x) */ export const sigmoid = unaryOp('sigmoid');
/** max(x, 0) (gradient 0 at 0, 1 at NaN, as PyTorch) */ export const relu = unaryOp('relu');
/** sin x */ export const sin = unaryOp('sin');
/** cos x */ export const cos = unaryOp('cos');
/** log(1+x) */ export const log1p = unaryOp('log1p');
/** e^x - 1 */ export const expm1 = unaryOp('expm1');
/** log(1+e^x) */ export const softplus = unaryOp('softplus');
/** sign(x): piecewise constant, so no gradient flows. */ export const sign = unaryOp('sign');
/** tan x */ export const tan = unaryOp('tan');
/** arcsine */ export const asin = unaryOp('asin');
/** arccosine */ export const acos = unaryOp('acos');
/** arctangent */ export const atan = unaryOp('atan');
/** sinh x */ export const sinh = unaryOp('sinh');
/** cosh x */ export const cosh = unaryOp('cosh');
/** inverse hyperbolic sine */ export const asinh = unaryOp('asinh');
/** inverse hyperbolic tangent */ export const atanh = unaryOp('atanh');
/** the error function (gradient (2/√π) e^(-x²)) */ export const erf = unaryOp('erf');
/** 2^x */ export const exp2 = unaryOp('exp2');
/** log₂ x */ export const log2 = unaryOp('log2');
/** log₁₀ x */ export const log10 = unaryOp('log10');
/** 1/√x */ export const rsqrt = unaryOp('rsqrt');
/** floor (zero gradient, as PyTorch) */ export const floor = unaryOp('floor');
/** ceil (zero gradient) */ export const ceil = unaryOp('ceil');
/** trunc (zero gradient) */ export const trunc = unaryOp('trunc');
/** round, halves to even (zero gradient) */ export const round = unaryOp('round');

/** a + b (broadcasting) */ export const add = binaryOp('add');
/** a - b (broadcasting) */ export const sub = binaryOp('sub');
/** a * b (broadcasting) */ export const mul = binaryOp('mul');
/** a / b (broadcasting) */ export const div = binaryOp('div');
/** a ** b (broadcasting) */ export const pow = binaryOp('pow');
/** elementwise max (ties split the gradient) */ export const maximum = binaryOp('maximum');
/** elementwise min (ties split the gradient) */ export const minimum = binaryOp('minimum');
/** atan2(y, x), the angle of (x, y) (broadcasting) */ export const atan2 = binaryOp('atan2');
/** 1 where a == b else 0 (no gradient) */ export const eq = binaryOp('eq');
/** 1 where a != b else 0 (no gradient) */ export const ne = binaryOp('ne');
/** 1 where a < b else 0 (no gradient) */ export const lt = binaryOp('lt');
/** 1 where a <= b else 0 (no gradient) */ export const le = binaryOp('le');
/** 1 where a > b else 0 (no gradient) */ export const gt = binaryOp('gt');
/** 1 where a >= b else 0 (no gradient) */ export const ge = binaryOp('ge');

// ---- broadcasting -------------------------------------------------------------------------------------

/** Convert to Variables and broadcast both to their common shape (a no-op when already equal). */
export function broadcastVars(op: string, inputs: readonly VarLike[]): Variable[] {
  T.checkArity('broadcastVars', arguments, 2, 'broadcastVars(op, inputs)');
  const vars = toVariables(op, inputs);
  const shape = vars.reduce<readonly number[]>((s, v) => T.broadcastShapes(op, s, v.shape), []);
  return vars.map((v) => (sameShape(v.shape, shape) ? v : expand(v, shape)));
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

// ---- where and clamp ----------------------------------------------------------------------------------

const whereOp = defineOp({
  name: 'where', forward: ([c, a, b]) => ({ out: T.where(c!, a!, b!) }),
  // d where(c, a, b) = where(c, da, 0) + where(c, 0, db)
  backward: (dy, { inputs: [c], needsGrad }) => [
    null,
    needsGrad[1] ? where(c!, dy, 0) : null,
    needsGrad[2] ? where(c!, 0, dy) : null,
  ],
});
/** `cond ? a : b` elementwise with broadcasting; no gradient flows into `cond`. */
export function where(cond: VarLike, a: VarLike, b: VarLike): Variable {
  T.checkArity('where', arguments, 3, 'where(cond, a, b)');
  const [c, va, vb] = broadcastVars('where', [cond, a, b]);
  return whereOp([c!.detach(), va!, vb!], undefined);
}

const clampOp = defineOp<{ min?: number; max?: number }>({
  name: 'clamp', forward: ([x], { min, max }) => ({ out: T.clamp(x!, min, max) }),
  // gradient 1 inside [min, max] (bounds included, as PyTorch), 0 outside
  backward: (dy, { inputs: [x], params: { min, max } }) => {
    let mask = T.onesLike(x!.value);
    if (min !== undefined) mask = T.mul(mask, T.ge(x!.value, min));
    if (max !== undefined) mask = T.mul(mask, T.le(x!.value, max));
    return [mul(dy, mask)];
  },
});
/** Limit x to [min, max] (either may be omitted): `clamp(x, 0, 1)`, `clamp(x, { min: 0 })`; numbers only. */
export function clamp(x: VarLike, min?: number | { min?: number; max?: number }, max?: number): Variable {
  const bounds = T.clampBounds('clamp', arguments);
  if (bounds.min instanceof T.Tensor || bounds.max instanceof T.Tensor) {
    throw new T.TensorError('clamp: min and max must be numbers for a differentiable clamp, got a Tensor (use maximum/minimum for tensor bounds)');
  }
  return clampOp([x], bounds as { min?: number; max?: number });
}
