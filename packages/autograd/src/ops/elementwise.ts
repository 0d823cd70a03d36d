// Layer: autograd/ops. Elementwise primitives with their backward next to the forward. Binary ops are
// defined on equal shapes; the public functions broadcast by `expand` first, so the gradient of a
// broadcast (a sum back to the input shape) lives in one place: expand's backward (views.ts).
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { defineOp, toVariables, type Op } from '../define-op';
import { Variable, type VarLike } from '../variable';
import { expand } from './views';

// ---- unary --------------------------------------------------------------------------------------------

const negOp = defineOp({ name: 'neg', forward: ([x]) => ({ out: T.neg(x!) }), backward: (dy): Variable[] => [neg(dy)] });
/** 1 where x is NaN, else 0. */
const isNan = (x: Tensor): Tensor => T.ne(x, x);

const absOp = defineOp({
  name: 'abs', forward: ([x]) => ({ out: T.abs(x!) }),
  // d|x| = sign(x) dx; 0 at 0 and at NaN (as PyTorch)
  backward: (dy, { inputs: [x] }) => [mul(dy, T.where(isNan(x!.value), 0, T.sign(x!.value)))],
});
const expOp = defineOp({
  name: 'exp', forward: ([x]) => ({ out: T.exp(x!) }),
  backward: (dy, { output }) => [mul(dy, output)], // d(e^x) = e^x dx
});
const logOp = defineOp({
  name: 'log', forward: ([x]) => ({ out: T.log(x!) }),
  backward: (dy, { inputs: [x] }) => [div(dy, x!)], // d log x = dx / x
});
const sqrtOp = defineOp({
  name: 'sqrt', forward: ([x]) => ({ out: T.sqrt(x!) }),
  backward: (dy, { output }) => [div(dy, mul(output, 2))], // d√x = dx / (2√x)
});
const squareOp = defineOp({
  name: 'square', forward: ([x]) => ({ out: T.square(x!) }),
  backward: (dy, { inputs: [x] }) => [mul(dy, mul(x!, 2))], // d x² = 2x dx
});
const reciprocalOp = defineOp({
  name: 'reciprocal', forward: ([x]) => ({ out: T.reciprocal(x!) }),
  backward: (dy, { output }) => [neg(mul(dy, square(output)))], // d(1/x) = -dx / x²
});
const tanhOp = defineOp({
  name: 'tanh', forward: ([x]) => ({ out: T.tanh(x!) }),
  backward: (dy, { output }) => [mul(dy, sub(1, square(output)))], // d tanh x = (1 - tanh² x) dx
});
const sigmoidOp = defineOp({
  name: 'sigmoid', forward: ([x]) => ({ out: T.sigmoid(x!) }),
  backward: (dy, { output }) => [mul(dy, mul(output, sub(1, output)))], // dσ = σ(1-σ) dx
});
const reluOp = defineOp({
  name: 'relu', forward: ([x]) => ({ out: T.relu(x!) }),
  backward: (dy, { inputs: [x] }) => [mul(dy, T.sub(1, T.le(x!.value, 0)))], // d relu = [not x <= 0] dx: 0 at 0, 1 at NaN (as PyTorch)
});
const sinOp = defineOp({
  name: 'sin', forward: ([x]) => ({ out: T.sin(x!) }),
  backward: (dy, { inputs: [x] }): Variable[] => [mul(dy, cos(x!))], // d sin x = cos x dx
});
const cosOp = defineOp({
  name: 'cos', forward: ([x]) => ({ out: T.cos(x!) }),
  backward: (dy, { inputs: [x] }): Variable[] => [neg(mul(dy, sin(x!)))], // d cos x = -sin x dx
});
const log1pOp = defineOp({
  name: 'log1p', forward: ([x]) => ({ out: T.log1p(x!) }),
  backward: (dy, { inputs: [x] }) => [div(dy, add(x!, 1))], // d log(1+x) = dx / (1+x)
});
const expm1Op = defineOp({
  name: 'expm1', forward: ([x]) => ({ out: T.expm1(x!) }),
  backward: (dy, { output }) => [mul(dy, add(output, 1))], // d(e^x - 1) = e^x dx
});
const softplusOp = defineOp({
  name: 'softplus', forward: ([x]) => ({ out: T.softplus(x!) }),
  backward: (dy, { inputs: [x] }) => [mul(dy, sigmoid(x!))], // d log(1+e^x) = σ(x) dx
});

/** The public function of a unary op: one argument (an extra one throws). */
function unaryFn(name: string, op: Op<void>): (x: VarLike) => Variable {
  return function (x: VarLike): Variable {
    T.checkArity(name, arguments, 1, `${name}(x)`);
    return op([x], undefined);
  };
}

/** -x */ export const neg = unaryFn('neg', negOp);
/** |x| (gradient sign(x); 0 at 0 and at NaN) */ export const abs = unaryFn('abs', absOp);
/** e^x */ export const exp = unaryFn('exp', expOp);
/** natural log */ export const log = unaryFn('log', logOp);
/** √x */ export const sqrt = unaryFn('sqrt', sqrtOp);
/** x² */ export const square = unaryFn('square', squareOp);
/** 1/x */ export const reciprocal = unaryFn('reciprocal', reciprocalOp);
/** tanh x */ export const tanh = unaryFn('tanh', tanhOp);
/** 1/(1+e^-x) */ export const sigmoid = unaryFn('sigmoid', sigmoidOp);
/** max(x, 0) (gradient 0 at 0, 1 at NaN, as PyTorch) */ export const relu = unaryFn('relu', reluOp);
/** sin x */ export const sin = unaryFn('sin', sinOp);
/** cos x */ export const cos = unaryFn('cos', cosOp);
/** log(1+x) */ export const log1p = unaryFn('log1p', log1pOp);
/** e^x - 1 */ export const expm1 = unaryFn('expm1', expm1Op);
/** log(1+e^x) */ export const softplus = unaryFn('softplus', softplusOp);
/** sign(x): piecewise constant, so no gradient flows. */
export function sign(x: VarLike): Variable {
  T.checkArity('sign', arguments, 1, 'sign(x)');
  return new Variable(T.sign(toVariables('sign', [x])[0]!.value));
}

// ---- binary (equal shapes; broadcasting happens in the public wrappers) ------------------------------

const addOp = defineOp({ name: 'add', forward: ([a, b]) => ({ out: T.add(a!, b!) }), backward: (dy) => [dy, dy] });
const subOp = defineOp({ name: 'sub', forward: ([a, b]) => ({ out: T.sub(a!, b!) }), backward: (dy) => [dy, neg(dy)] });
const mulOp = defineOp({
  name: 'mul', forward: ([a, b]) => ({ out: T.mul(a!, b!) }),
  backward: (dy, { inputs: [a, b], needsGrad }) => [needsGrad[0] ? mul(dy, b!) : null, needsGrad[1] ? mul(dy, a!) : null],
});
const divOp = defineOp({
  name: 'div', forward: ([a, b]) => ({ out: T.div(a!, b!) }),
  // d(a/b) = da / b - (a/b) db / b: divided twice rather than by b², which underflows (as PyTorch)
  backward: (dy, { inputs: [, b], output, needsGrad }) => [
    needsGrad[0] ? div(dy, b!) : null,
    needsGrad[1] ? neg(mul(dy, div(output, b!))) : null,
  ],
});
const powOp = defineOp({
  name: 'pow', forward: ([a, b]) => ({ out: T.pow(a!, b!) }),
  // d(a^b) = b a^(b-1) da + a^b log(a) db, with PyTorch's limits: 0 for da where b = 0 (x^0 is constant),
  // 0 for db where a = 0 and b >= 0 (0^b is constant there; the formula would give 0·-inf = NaN)
  backward: (dy, { inputs: [a, b], output, needsGrad }) => [
    needsGrad[0] ? where(T.eq(b!.value, 0), 0, mul(dy, mul(b!, pow(a!, sub(b!, 1))))) : null,
    needsGrad[1] ? where(T.mul(T.eq(a!.value, 0), T.ge(b!.value, 0)), 0, mul(dy, mul(output, log(a!)))) : null,
  ],
});
/**
 * The share of maximum's (or minimum's) gradient that goes to `a`: 1 where a wins, 0 where b wins, ½ at a
 * tie (as PyTorch). At a NaN the output is that NaN, so the NaN operand gets the gradient (½ each when both
 * are NaN); PyTorch gives both operands the full gradient there.
 */
function pickMask(a: Tensor, b: Tensor, first: 'gt' | 'lt'): Tensor {
  const wins = T.add(first === 'gt' ? T.gt(a, b) : T.lt(a, b), T.mul(T.eq(a, b), 0.5));
  return T.add(wins, T.mul(isNan(a), T.sub(1, T.mul(isNan(b), 0.5))));
}
const maximumOp = defineOp({
  name: 'maximum', forward: ([a, b]) => ({ out: T.maximum(a!, b!) }),
  backward: (dy, { inputs: [a, b] }) => {
    const m = pickMask(a!.value, b!.value, 'gt');
    return [mul(dy, m), mul(dy, T.sub(1, m))];
  },
});
const minimumOp = defineOp({
  name: 'minimum', forward: ([a, b]) => ({ out: T.minimum(a!, b!) }),
  backward: (dy, { inputs: [a, b] }) => {
    const m = pickMask(a!.value, b!.value, 'lt');
    return [mul(dy, m), mul(dy, T.sub(1, m))];
  },
});

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

/** The public function of a binary op: two arguments, broadcast (an extra one throws). */
function binary(op: Op<void>, name: string): (a: VarLike, b: VarLike) => Variable {
  return function (a: VarLike, b: VarLike): Variable {
    T.checkArity(name, arguments, 2, `${name}(a, b)`);
    return op(broadcastVars(name, [a, b]), undefined);
  };
}

/** a + b (broadcasting) */ export const add = binary(addOp, 'add');
/** a - b (broadcasting) */ export const sub = binary(subOp, 'sub');
/** a * b (broadcasting) */ export const mul = binary(mulOp, 'mul');
/** a / b (broadcasting) */ export const div = binary(divOp, 'div');
/** a ** b (broadcasting) */ export const pow = binary(powOp, 'pow');
/** elementwise max (ties split the gradient) */ export const maximum = binary(maximumOp, 'maximum');
/** elementwise min (ties split the gradient) */ export const minimum = binary(minimumOp, 'minimum');

// ---- comparisons: piecewise constant, no gradient -----------------------------------------------------

const compare = (f: (a: Tensor, b: Tensor) => Tensor, name: string) => function (a: VarLike, b: VarLike): Variable {
  T.checkArity(name, arguments, 2, `${name}(a, b)`);
  const [va, vb] = toVariables(name, [a, b]);
  return new Variable(f(va!.value, vb!.value));
};
/** 1 where a == b else 0 (no gradient) */ export const eq = compare(T.eq, 'eq');
/** 1 where a != b else 0 (no gradient) */ export const ne = compare(T.ne, 'ne');
/** 1 where a < b else 0 (no gradient) */ export const lt = compare(T.lt, 'lt');
/** 1 where a <= b else 0 (no gradient) */ export const le = compare(T.le, 'le');
/** 1 where a > b else 0 (no gradient) */ export const gt = compare(T.gt, 'gt');
/** 1 where a >= b else 0 (no gradient) */ export const ge = compare(T.ge, 'ge');

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
