// Layer: tensor/elementwise. The declarations of the unary ops research code reaches for beyond the first
// set: trigonometric and hyperbolic functions and their inverses, erf, exp2/log2/log10, rsqrt, and rounding
// (zero gradient). One entry per op (see declare.ts), then the public functions. On the GPU each is written
// out from operations every device does accurately (the devices' own tan/asin/atan/erf are not accurate
// enough for float32 parity, or not there at all).
import type { UnaryDecl } from './declare';
import { DRAW } from './declare';
import { erfRow } from './cpu-math';
import { asinLines, atanLines, erfLines, expm1Lines, log1pLines, logLines, sinCosLines } from './gpu-lines';
import { unaryFunction } from './apply';

const LN2 = Math.LN2, LN10 = Math.LN10;
const coshOf = <V>(d: { add(a: V, b: V): V; div(a: V, b: number): V; exp(x: V): V; neg(x: V): V }, x: V) => d.div(d.add(d.exp(x), d.exp(d.neg(x))), 2);

export const UNARY_MATH = {
  tan: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.tan(x[xo + i * xs]!); },
    gpu: `${sinCosLines('sin', 'v', 'ts')}\n${sinCosLines('cos', 'v', 'tc')}\nlet y = ts / tc;`,
    grad: (d, { y, dy }) => d.mul(dy, d.add(1, d.square(y))), // d tan x = (1 + tan² x) dx
    test: { smooth: [-1.3, 1.3], gpu: 'transcendental', ulp64: 3, ulp32: 1 },
  },
  asin: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.asin(x[xo + i * xs]!); },
    gpu: asinLines('v', 'y'),
    grad: (d, { x, dy }) => d.div(dy, d.sqrt(d.sub(1, d.square(x)))), // d asin x = dx / √(1 - x²)
    test: { smooth: [-0.9, 0.9], draw: DRAW.between(-1, 1), gpu: 'transcendental' },
  },
  acos: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.acos(x[xo + i * xs]!); },
    // acos x = π/2 - asin x on [-1/2, 1/2]; 2 asin √((1-x)/2) above and π - 2 asin √((1+x)/2) below (no loss near ±1)
    gpu: `let ca = Math.abs(v);
let cs = Math.sqrt(0.5 * (1 - ca));
${asinLines('cs', 'cw')}
${asinLines('v', 'cm')}
let y = 1.5707963267948966 - cm;
if (v > 0.5) { y = 2 * cw; }
if (v < -0.5) { y = 3.141592653589793 - 2 * cw; }
if (ca > 1) { y = nan; }`,
    grad: (d, { x, dy }) => d.neg(d.div(dy, d.sqrt(d.sub(1, d.square(x))))), // d acos x = -dx / √(1 - x²)
    test: { smooth: [-0.9, 0.9], draw: DRAW.between(-1, 1), gpu: 'transcendental' },
  },
  atan: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.atan(x[xo + i * xs]!); },
    gpu: atanLines('v', 'y'),
    grad: (d, { x, dy }) => d.div(dy, d.add(1, d.square(x))), // d atan x = dx / (1 + x²)
    test: { smooth: [-3, 3], draw: (g) => 4 * g.normal(), gpu: 'transcendental' },
  },
  sinh: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.sinh(x[xo + i * xs]!); },
    // sinh|v| = (e + e/(e+1))/2 with e = expm1|v|: accurate near 0; e^|v|/2 beyond 20 (e+1 would overflow
    // first), as (h/2)·h with h = e^(|v|/2): e^|v| itself overflows float32 above 88.72, e^|v|/2 only at 89.42
    gpu: `let ha = Math.abs(v);
${expm1Lines('ha', 'he')}
let y = 0.5 * (he + he / (he + 1));
let hh = Math.exp(0.5 * ha);
if (ha > 20) { y = 0.5 * hh * hh; }
if (v < 0) { y = -y; }`,
    grad: (d, { x, dy }) => d.mul(dy, coshOf(d, x)), // d sinh x = cosh x dx
    test: { smooth: [-2, 2], gpu: 'transcendental', draw: DRAW.normal },
  },
  cosh: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.cosh(x[xo + i * xs]!); },
    // beyond 20 e^|v|/2 as (h/2)·h with h = e^(|v|/2), as sinh: finite up to 89.42, not only to 88.72
    gpu: `let ka = Math.abs(v);
let ke = Math.exp(ka);
let y = 0.5 * (ke + 1 / ke);
let kh = Math.exp(0.5 * ka);
if (ka > 20) { y = 0.5 * kh * kh; }`,
    // d cosh x = sinh x dx, sinh x = (e^x - e^-x)/2
    grad: (d, { x, dy }) => d.mul(dy, d.div(d.sub(d.exp(x), d.exp(d.neg(x))), 2)),
    test: { smooth: [-2, 2], gpu: 'transcendental', draw: DRAW.normal },
  },
  asinh: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.asinh(x[xo + i * xs]!); },
    // asinh|v| = log1p(|v| + v²/(1 + √(1 + v²))) (accurate near 0); log|v| + log 2 beyond 1e4 (v² overflows first)
    gpu: `let sa = Math.abs(v);
let sq = sa + sa * sa / (1 + Math.sqrt(1 + sa * sa));
${log1pLines('sq', 'sl')}
let y = sl;
if (sa > 10000) { y = Math.log(sa) + 0.6931471805599453; }
if (v < 0) { y = -y; }`,
    grad: (d, { x, dy }) => d.div(dy, d.sqrt(d.add(d.square(x), 1))), // d asinh x = dx / √(x² + 1)
    test: { smooth: [-3, 3], gpu: 'transcendental', draw: (g) => 5 * g.normal() },
  },
  atanh: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.atanh(x[xo + i * xs]!); },
    // atanh|v| = log1p(2|v| / (1 - |v|)) / 2; ±Infinity at ±1, NaN beyond
    gpu: `let aa = Math.abs(v);
let aq = 2 * aa / (1 - aa);
${log1pLines('aq', 'al')}
let y = 0.5 * al;
if (aa === 1) { y = inf; }
if (aa > 1) { y = nan; }
if (v < 0) { y = -y; }`,
    grad: (d, { x, dy }) => d.div(dy, d.sub(1, d.square(x))), // d atanh x = dx / (1 - x²)
    test: { smooth: [-0.8, 0.8], draw: DRAW.between(-0.99, 0.99), gpu: 'transcendental' },
  },
  erf: {
    threads: true,
    cpu: erfRow,
    gpu: erfLines('v', 'y'),
    // d erf x = (2/√π) e^(-x²) dx
    grad: (d, { x, dy }) => d.mul(dy, d.mul(d.exp(d.neg(d.square(x))), 1.1283791670955126)),
    test: { smooth: [-2, 2], draw: DRAW.normal, gpu: 'transcendental', ulp64: 16, ulp32: 1 },
  },
  exp2: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = 2 ** x[xo + i * xs]!; },
    gpu: 'let y = Math.exp(v * 0.6931471805599453);',
    grad: (d, { y, dy }) => d.mul(dy, d.mul(y, LN2)), // d 2^x = 2^x log 2 dx
    test: { smooth: [-2, 2], draw: (g) => 3 * g.normal(), gpu: 'transcendental' },
  },
  log2: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.log2(x[xo + i * xs]!); },
    gpu: `${logLines('v', 'y')}\ny = y * 1.4426950408889634;`,
    grad: (d, { x, dy }) => d.div(dy, d.mul(x, LN2)), // d log2 x = dx / (x log 2)
    test: { smooth: [0.5, 2], draw: DRAW.positive, gpu: 'transcendental' },
  },
  log10: {
    threads: true,
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.log10(x[xo + i * xs]!); },
    gpu: `${logLines('v', 'y')}\ny = y * 0.4342944819032518;`,
    grad: (d, { x, dy }) => d.div(dy, d.mul(x, LN10)), // d log10 x = dx / (x log 10)
    test: { smooth: [0.5, 2], draw: DRAW.positive, gpu: 'transcendental' },
  },
  rsqrt: {
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = 1 / Math.sqrt(x[xo + i * xs]!); },
    // written out at 0 and below: 1/0 and the square root of a negative are undefined in GLSL (-0 gives
    // -Infinity, as on the CPU: its sign is seen through 1/v, as pow does)
    gpu: 'let y = 1 / Math.sqrt(v);\nif (v === 0) { y = inf; if (1 / v < 0) { y = -inf; } } else if (v < 0) { y = nan; }',
    // d x^-½ = -½ x^-3/2 dx, as ((dy·y)·y)·y: dy first, as reciprocal's (y³ alone may overflow float32)
    grad: (d, { y, dy }) => d.mul(d.mul(d.mul(d.mul(dy, y), y), y), -0.5),
    test: { smooth: [0.5, 2], draw: DRAW.positive, gpu: 'transcendental' },
  },
  floor: {
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.floor(x[xo + i * xs]!); },
    gpu: 'let y = Math.floor(v);',
    grad: 'zero',
    test: { smooth: [0.1, 0.9], draw: (g) => DRAW.mixed(g) + (g.uniform() < 0.3 ? 0.5 : 0), gpu: 'exact' },
  },
  ceil: {
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.ceil(x[xo + i * xs]!); },
    gpu: 'let y = -Math.floor(-v);',
    grad: 'zero',
    test: { smooth: [0.1, 0.9], draw: (g) => DRAW.mixed(g) + (g.uniform() < 0.3 ? 0.5 : 0), gpu: 'exact' },
  },
  trunc: {
    cpu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.trunc(x[xo + i * xs]!); },
    gpu: 'let y = v < 0 ? -Math.floor(-v) : Math.floor(v);',
    grad: 'zero',
    test: { smooth: [0.1, 0.9], draw: (g) => DRAW.mixed(g) + (g.uniform() < 0.3 ? 0.5 : 0), gpu: 'exact' },
  },
  round: {
    // halves to even, as PyTorch and NumPy (Math.round takes halves up): 0.5 → 0, 1.5 → 2, 2.5 → 2, -2.5 → -2
    cpu: (x, xo, xs, y, yo, n) => {
      for (let i = 0; i < n; i++) {
        const v = x[xo + i * xs]!, r = Math.round(v);
        y[yo + i] = r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
      }
    },
    // from the floor and the exact fraction v - floor(v) (v + 0.5 would round wrongly just below a half)
    gpu: `let rf = Math.floor(v);
let rd = v - rf;
let y = rf;
if (rd > 0.5) { y = rf + 1; }
if (rd === 0.5 && !(Math.floor(rf / 2) * 2 === rf)) { y = rf + 1; }`,
    grad: 'zero',
    test: { smooth: [0.1, 0.4], draw: (g) => DRAW.mixed(g) + (g.uniform() < 0.3 ? 0.5 : 0), gpu: 'exact' },
  },
} satisfies Record<string, UnaryDecl>;

const M = UNARY_MATH;
/** tangent */ export const tan = unaryFunction('tan', M.tan);
/** arcsine, in [-π/2, π/2] (NaN outside [-1, 1]) */ export const asin = unaryFunction('asin', M.asin);
/** arccosine, in [0, π] (NaN outside [-1, 1]) */ export const acos = unaryFunction('acos', M.acos);
/** arctangent, in (-π/2, π/2) */ export const atan = unaryFunction('atan', M.atan);
/** hyperbolic sine */ export const sinh = unaryFunction('sinh', M.sinh);
/** hyperbolic cosine */ export const cosh = unaryFunction('cosh', M.cosh);
/** inverse hyperbolic sine */ export const asinh = unaryFunction('asinh', M.asinh);
/** inverse hyperbolic tangent (±Infinity at ±1, NaN beyond) */ export const atanh = unaryFunction('atanh', M.atanh);
/** the error function (2/√π) ∫₀ˣ e^(-t²) dt */ export const erf = unaryFunction('erf', M.erf);
/** 2^x */ export const exp2 = unaryFunction('exp2', M.exp2);
/** base-2 logarithm */ export const log2 = unaryFunction('log2', M.log2);
/** base-10 logarithm */ export const log10 = unaryFunction('log10', M.log10);
/** 1/√x */ export const rsqrt = unaryFunction('rsqrt', M.rsqrt);
/** the largest integer ≤ x (zero gradient, as PyTorch) */ export const floor = unaryFunction('floor', M.floor);
/** the smallest integer ≥ x (zero gradient) */ export const ceil = unaryFunction('ceil', M.ceil);
/** x rounded toward zero (zero gradient) */ export const trunc = unaryFunction('trunc', M.trunc);
/** x rounded to the nearest integer, halves to even as PyTorch and NumPy (zero gradient) */ export const round = unaryFunction('round', M.round);
