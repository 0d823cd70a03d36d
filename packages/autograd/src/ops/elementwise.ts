// Layer: autograd/ops. Elementwise primitives with their backward next to the forward. Binary ops are
// defined on equal shapes; the public functions broadcast by `expand` first, so the gradient of a
// broadcast (a sum back to the input shape) lives in one place: expand's backward (views.ts).
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { defineOp, toVariables } from '../define-op';
import { Variable, type VarLike } from '../variable';
import { expand } from './views';

// ---- unary --------------------------------------------------------------------------------------------

const negOp = defineOp({ name: 'neg', forward: ([x]) => ({ out: T.neg(x!) }), backward: (dy): Variable[] => [neg(dy)] });
const absOp = defineOp({
  name: 'abs', forward: ([x]) => ({ out: T.abs(x!) }),
  backward: (dy, { inputs: [x] }) => [mul(dy, T.sign(x!.value))], // d|x| = sign(x) dx
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
  backward: (dy, { inputs: [x] }) => [mul(dy, T.gt(x!.value, 0))], // d relu = [x > 0] dx
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

/** -x */ export const neg = (x: VarLike): Variable => negOp([x], undefined);
/** |x| (gradient sign(x), 0 at 0) */ export const abs = (x: VarLike): Variable => absOp([x], undefined);
/** e^x */ export const exp = (x: VarLike): Variable => expOp([x], undefined);
/** natural log */ export const log = (x: VarLike): Variable => logOp([x], undefined);
/** √x */ export const sqrt = (x: VarLike): Variable => sqrtOp([x], undefined);
/** x² */ export const square = (x: VarLike): Variable => squareOp([x], undefined);
/** 1/x */ export const reciprocal = (x: VarLike): Variable => reciprocalOp([x], undefined);
/** tanh x */ export const tanh = (x: VarLike): Variable => tanhOp([x], undefined);
/** 1/(1+e^-x) */ export const sigmoid = (x: VarLike): Variable => sigmoidOp([x], undefined);
/** max(x, 0) (gradient 0 at 0) */ export const relu = (x: VarLike): Variable => reluOp([x], undefined);
/** sin x */ export const sin = (x: VarLike): Variable => sinOp([x], undefined);
/** cos x */ export const cos = (x: VarLike): Variable => cosOp([x], undefined);
/** log(1+x) */ export const log1p = (x: VarLike): Variable => log1pOp([x], undefined);
/** e^x - 1 */ export const expm1 = (x: VarLike): Variable => expm1Op([x], undefined);
/** log(1+e^x) */ export const softplus = (x: VarLike): Variable => softplusOp([x], undefined);
/** sign(x): piecewise constant, so no gradient flows. */
export const sign = (x: VarLike): Variable => new Variable(T.sign(toVariables('sign', [x])[0]!.value));

// ---- binary (equal shapes; broadcasting happens in the public wrappers) ------------------------------

const addOp = defineOp({ name: 'add', forward: ([a, b]) => ({ out: T.add(a!, b!) }), backward: (dy) => [dy, dy] });
const subOp = defineOp({ name: 'sub', forward: ([a, b]) => ({ out: T.sub(a!, b!) }), backward: (dy) => [dy, neg(dy)] });
const mulOp = defineOp({
  name: 'mul', forward: ([a, b]) => ({ out: T.mul(a!, b!) }),
  backward: (dy, { inputs: [a, b], needsGrad }) => [needsGrad[0] ? mul(dy, b!) : null, needsGrad[1] ? mul(dy, a!) : null],
});
const divOp = defineOp({
  name: 'div', forward: ([a, b]) => ({ out: T.div(a!, b!) }),
  // d(a/b) = da / b - a db / b²
  backward: (dy, { inputs: [a, b], needsGrad }) => [
    needsGrad[0] ? div(dy, b!) : null,
    needsGrad[1] ? neg(div(mul(dy, a!), square(b!))) : null,
  ],
});
const powOp = defineOp({
  name: 'pow', forward: ([a, b]) => ({ out: T.pow(a!, b!) }),
  // d(a^b) = b a^(b-1) da + a^b log(a) db
  backward: (dy, { inputs: [a, b], output, needsGrad }) => [
    needsGrad[0] ? mul(dy, mul(b!, pow(a!, sub(b!, 1)))) : null,
    needsGrad[1] ? mul(dy, mul(output, log(a!))) : null,
  ],
});
/** Where a and b tie the gradient is split evenly between them (as PyTorch). */
function pickMask(a: Tensor, b: Tensor, first: 'gt' | 'lt'): Tensor {
  return T.add(first === 'gt' ? T.gt(a, b) : T.lt(a, b), T.mul(T.eq(a, b), 0.5));
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
  const vars = toVariables(op, inputs);
  const shape = vars.reduce<readonly number[]>((s, v) => T.broadcastShapes(op, s, v.shape), []);
  return vars.map((v) => (sameShape(v.shape, shape) ? v : expand(v, shape)));
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

const binary = (op: (i: readonly VarLike[], p: undefined) => Variable, name: string) =>
  (a: VarLike, b: VarLike): Variable => op(broadcastVars(name, [a, b]), undefined);

/** a + b (broadcasting) */ export const add = binary(addOp, 'add');
/** a - b (broadcasting) */ export const sub = binary(subOp, 'sub');
/** a * b (broadcasting) */ export const mul = binary(mulOp, 'mul');
/** a / b (broadcasting) */ export const div = binary(divOp, 'div');
/** a ** b (broadcasting) */ export const pow = binary(powOp, 'pow');
/** elementwise max (ties split the gradient) */ export const maximum = binary(maximumOp, 'maximum');
/** elementwise min (ties split the gradient) */ export const minimum = binary(minimumOp, 'minimum');

// ---- comparisons: piecewise constant, no gradient -----------------------------------------------------

const compare = (f: (a: Tensor, b: Tensor) => Tensor, name: string) => (a: VarLike, b: VarLike): Variable => {
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
/** Limit x to [min, max] (either may be omitted). */
export function clamp(x: VarLike, min?: number, max?: number): Variable {
  return clampOp([x], { min, max });
}
