// Layer: tensor/elementwise. The declarations of the first unary ops: arithmetic, exponentials and logs,
// activations and sin/cos. One entry per op (CPU row loop, GPU statements, derivative, test inputs; see
// declare.ts), and after the table the op's public function. Each row loop is its own function literal so
// V8 specialises it: one shared loop calling `f(x)` through a table is 1.6-9x slower.
import type { UnaryDecl } from './declare';
import { DRAW } from './declare';
import { tanhRow } from './cpu-math';
import { expm1Lines, log1pLines, logLines, sinCosLines } from './gpu-lines';
import { unaryFunction } from './apply';

export const UNARY_CORE = {
  neg: {
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = -x[xo + i * xs]!; },
    gpu: 'let y = -v;',
    grad: (d, { dy }) => d.neg(dy),
    test: { smooth: [-1, 1], draw: DRAW.normal, gpu: 'exact' },
  },
  abs: {
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.abs(x[xo + i * xs]!); },
    gpu: 'let y = Math.abs(v);',
    // d|x| = sign(x) dx; 0 at 0 and at NaN (as PyTorch)
    grad: (d, { x, dy }) => d.mul(dy, d.where(d.ne(x, x), 0, d.sign(x))),
    test: { smooth: [0.2, 1.5], awayFromZero: true, draw: DRAW.normal, gpu: 'exact' },
  },
  exp: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.exp(x[xo + i * xs]!); },
    gpu: 'let y = Math.exp(v);',
    grad: (d, { y, dy }) => d.mul(dy, y), // d e^x = e^x dx
    test: { smooth: [-1, 1], draw: DRAW.normal, gpu: 'transcendental' },
  },
  log: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.log(x[xo + i * xs]!); },
    // devices disagree outside the domain (SwiftShader gives log|v|): spelled out as on the CPU
    gpu: logLines('v', 'y'),
    grad: (d, { x, dy }) => d.div(dy, x), // d log x = dx / x
    test: { smooth: [0.5, 2], draw: DRAW.positive, gpu: 'transcendental' },
  },
  sqrt: {
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.sqrt(x[xo + i * xs]!); },
    gpu: 'let y = Math.sqrt(v);',
    grad: (d, { y, dy }) => d.div(dy, d.mul(y, 2)), // d√x = dx / (2√x)
    test: { smooth: [0.5, 2], draw: DRAW.positive, gpu: 'rounded' },
  },
  square: {
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) { const v = x[xo + i * xs]!; y[yo + i] = v * v; } },
    gpu: 'let y = v * v;',
    grad: (d, { x, dy }) => d.mul(dy, d.mul(x, 2)), // d x² = 2x dx
    test: { smooth: [-1, 1], draw: DRAW.normal, gpu: 'rounded' },
  },
  reciprocal: {
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = 1 / x[xo + i * xs]!; },
    gpu: 'let y = 1 / v;',
    // d(1/x) = -dx / x² as -(dy·y)·y: y² alone may overflow float32 where dy·y² does not (and dy = 0 would give NaN)
    grad: (d, { y, dy }) => d.neg(d.mul(d.mul(dy, y), y)),
    test: { smooth: [0.5, 2], awayFromZero: true, draw: DRAW.nonzero, gpu: 'rounded' },
  },
  tanh: {
    threads: true,
    cpu: tanhRow,
    // tanh(v) = -expm1(-2|v|) / (2 + expm1(-2|v|)) with v's sign: no overflow, accurate near 0
    gpu: `let tx = -2 * Math.abs(v);
${expm1Lines('tx', 'te')}
let y = -te / (te + 2);
if (v < 0) { y = -y; }`,
    grad: (d, { y, dy }) => d.mul(dy, d.sub(1, d.square(y))), // d tanh x = (1 - tanh² x) dx
    test: { smooth: [-2, 2], draw: DRAW.normal, gpu: 'transcendental', ulp32: 4 },
  },
  sigmoid: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => {
      for (let i = 0; i < n; i++) {
        const v = x[xo + i * xs]!;
        if (v >= 0) y[yo + i] = 1 / (1 + Math.exp(-v));
        else { const e = Math.exp(v); y[yo + i] = e / (1 + e); }
      }
    },
    gpu: `let se = Math.exp(-Math.abs(v));
let y = se / (1 + se);
if (v >= 0) { y = 1 / (1 + se); }`,
    grad: (d, { y, dy }) => d.mul(dy, d.mul(y, d.sub(1, y))), // dσ = σ(1-σ) dx
    test: { smooth: [-3, 3], draw: (g) => 8 * g.normal(), gpu: 'transcendental' },
  },
  relu: {
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) { const v = x[xo + i * xs]!; y[yo + i] = v > 0 ? v : v === v ? 0 : v; } },
    gpu: 'let y = v > 0 ? v : (v === v ? 0 : v);',
    // d relu = [not x <= 0] dx: 0 at 0, 1 at NaN (as PyTorch)
    grad: (d, { x, dy }) => d.mul(dy, d.sub(1, d.le(x, 0))),
    test: { smooth: [0.2, 1.5], awayFromZero: true, draw: DRAW.mixed, gpu: 'exact' },
  },
  sin: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.sin(x[xo + i * xs]!); },
    gpu: sinCosLines('sin', 'v', 'y'),
    grad: (d, { x, dy }) => d.mul(dy, d.cos(x)), // d sin x = cos x dx
    test: { smooth: [-3, 3], draw: DRAW.normal, gpu: 'transcendental' },
  },
  cos: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.cos(x[xo + i * xs]!); },
    gpu: sinCosLines('cos', 'v', 'y'),
    grad: (d, { x, dy }) => d.neg(d.mul(dy, d.sin(x))), // d cos x = -sin x dx
    test: { smooth: [-3, 3], draw: DRAW.normal, gpu: 'transcendental' },
  },
  sign: {
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) { const v = x[xo + i * xs]!; y[yo + i] = v > 0 ? 1 : v < 0 ? -1 : v === v ? 0 : v; } },
    gpu: 'let y = v > 0 ? 1 : (v < 0 ? -1 : v);',
    grad: 'none', // piecewise constant: no gradient flows
    test: { smooth: [0.2, 1.5], awayFromZero: true, draw: DRAW.mixed, gpu: 'exact' },
  },
  log1p: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.log1p(x[xo + i * xs]!); },
    gpu: `${log1pLines('v', 'y')}\nif (v < -1) { y = nan; } else if (v === -1) { y = -inf; } else if (v === inf) { y = inf; }`,
    grad: (d, { x, dy }) => d.div(dy, d.add(x, 1)), // d log(1+x) = dx / (1+x)
    test: { smooth: [-0.5, 2], draw: (g) => (g.uniform() < 0.3 ? 1e-4 * g.normal() : -0.9 + 4 * g.uniform()), gpu: 'transcendental' },
  },
  expm1: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.expm1(x[xo + i * xs]!); },
    gpu: expm1Lines('v', 'y'),
    grad: (d, { y, dy }) => d.mul(dy, d.add(y, 1)), // d(e^x - 1) = e^x dx
    test: { smooth: [-2, 2], draw: (g) => (g.uniform() < 0.3 ? 1e-4 * g.normal() : DRAW.normal(g)), gpu: 'transcendental' },
  },
  softplus: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => {
      for (let i = 0; i < n; i++) {
        const v = x[xo + i * xs]!;
        y[yo + i] = v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)); // exact for all v, no overflow
      }
    },
    gpu: `let sx = Math.exp(v);
${log1pLines('sx', 'sl')}
let y = sl;
if (v > 20) { y = v; } else if (v < -20) { y = sx; }`,
    grad: (d, { x, dy }) => d.mul(dy, d.sigmoid(x)), // d log(1+e^x) = σ(x) dx
    // the oracle, max(x,0) + log1p(e^-|x|), may be a different formula than the kernel's
    test: { smooth: [-4, 4], draw: (g) => 12 * g.normal(), gpu: 'transcendental', ulp64: 2, ulp32: 1 },
  },
} satisfies Record<string, UnaryDecl>;

const U = UNARY_CORE;
/** -x */ export const neg = unaryFunction('neg', U.neg);
/** |x| */ export const abs = unaryFunction('abs', U.abs);
/** e^x */ export const exp = unaryFunction('exp', U.exp);
/** natural log */ export const log = unaryFunction('log', U.log);
/** square root */ export const sqrt = unaryFunction('sqrt', U.sqrt);
/** x² */ export const square = unaryFunction('square', U.square);
/** 1/x */ export const reciprocal = unaryFunction('reciprocal', U.reciprocal);
/** hyperbolic tangent */ export const tanh = unaryFunction('tanh', U.tanh);
/** 1/(1+e^-x), computed without overflow */ export const sigmoid = unaryFunction('sigmoid', U.sigmoid);
/** max(x, 0) */ export const relu = unaryFunction('relu', U.relu);
/** sine */ export const sin = unaryFunction('sin', U.sin);
/** cosine */ export const cos = unaryFunction('cos', U.cos);
/** -1, 0 or 1 (NaN stays NaN) */ export const sign = unaryFunction('sign', U.sign);
/** log(1+x), accurate near 0 */ export const log1p = unaryFunction('log1p', U.log1p);
/** e^x - 1, accurate near 0 */ export const expm1 = unaryFunction('expm1', U.expm1);
/** log(1+e^x), without overflow */ export const softplus = unaryFunction('softplus', U.softplus);
