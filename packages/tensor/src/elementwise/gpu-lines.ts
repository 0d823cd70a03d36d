// Layer: tensor/elementwise. Statements the GPU forms of the elementwise ops share: gpu.js kernel text for
// functions the devices do not compute accurately enough themselves (expm1, log1p, log's domain, atan,
// asin, erf; sin/cos come from backends/gpu/trig.ts). Each returns statements that define `out` from the expression `x`, with names derived
// from `out` so that two uses in one kernel do not clash. Imports only trig.ts (which imports nothing).

/**
 * `out = expm1(x)` without cancellation near 0: a degree-9 Taylor polynomial for |x| < 0.5 (truncation
 * < 1e-9 relative), exp(x) - 1 elsewhere. (Kahan's (u-1)*x/log(u) trick is not enough on GL devices,
 * whose exp and log are not accurate near 0 and 1.)
 */
export function expm1Lines(x: string, out: string): string {
  return `let ${out} = Math.exp(${x}) - 1;
if (Math.abs(${x}) < 0.5) {
  ${out} = ${x} * (1 + ${x} * (0.5 + ${x} * (0.16666666666666666 + ${x} * (0.041666666666666664 + ${x} * (0.008333333333333333 + ${x} * (0.001388888888888889 + ${x} * (0.0001984126984126984 + ${x} * (0.0000248015873015873 + ${x} * 0.0000027557319223985893))))))));
}`;
}

/**
 * `out = log1p(x)` without cancellation near 0: for |x| < 0.5, 2·atanh(s) with s = x/(2+x) (|s| <= 1/3)
 * as an odd series to s^17 (truncation < 1e-9 relative); log(1 + x) elsewhere.
 */
export function log1pLines(x: string, out: string): string {
  return `let ${out} = Math.log(1 + ${x});
if (Math.abs(${x}) < 0.5) {
  let ${out}s = ${x} / (2 + ${x});
  let ${out}q = ${out}s * ${out}s;
  ${out} = 2 * ${out}s * (1 + ${out}q * (0.3333333333333333 + ${out}q * (0.2 + ${out}q * (0.14285714285714285 + ${out}q * (0.1111111111111111 + ${out}q * (0.09090909090909091 + ${out}q * (0.07692307692307693 + ${out}q * (0.06666666666666667 + ${out}q * 0.058823529411764705))))))));
}`;
}

/** sin and cos, exact over the float32 range (Payne-Hanek beyond 8192): in backends/gpu/trig.ts. */
export { sinCosLines } from '../backends/gpu/trig';

/** `out = log(x)` with the CPU's domain: NaN below 0, -Infinity at 0, Infinity at Infinity (devices disagree there). */
export function logLines(x: string, out: string): string {
  return `let ${out} = Math.log(${x});
if (${x} < 0) { ${out} = nan; } else if (${x} === 0) { ${out} = -inf; } else if (${x} === inf) { ${out} = inf; }`;
}

/**
 * `out = atan(x)` to a few float32 ulp, as Cephes' atanf: |x| is reduced to [0, tan(pi/8)] by
 * atan(x) = pi/2 + atan(-1/x) above tan(3pi/8) and pi/4 + atan((x-1)/(x+1)) above tan(pi/8), then an odd
 * polynomial. (The devices' own atan missed the parity tolerance on headless GL: 1.5e-6 relative.)
 */
export function atanLines(x: string, out: string): string {
  const a = `${out}a`, b = `${out}b`, z = `${out}z`;
  return `let ${a} = Math.abs(${x});
let ${out} = 0;
let ${b} = ${a};
if (${a} > 2.414213562373095) { ${out} = 1.5707963267948966; ${b} = -1 / ${a}; }
else if (${a} > 0.41421356237309503) { ${out} = 0.7853981633974483; ${b} = (${a} - 1) / (${a} + 1); }
let ${z} = ${b} * ${b};
${out} = ${out} + (((0.0805374449538 * ${z} - 0.138776856032) * ${z} + 0.199777106478) * ${z} - 0.333329491539) * ${z} * ${b} + ${b};
if (${x} < 0) { ${out} = -${out}; }`;
}

/**
 * `out = asin(x)` as Cephes' asinf: an odd polynomial on |x| <= 0.5, and asin(a) = pi/2 - 2 asin(sqrt((1-a)/2))
 * above (no loss near 1). NaN outside [-1, 1].
 */
export function asinLines(x: string, out: string): string {
  const a = `${out}a`, s = `${out}s`, z = `${out}z`;
  return `let ${a} = Math.abs(${x});
let ${s} = ${a};
let ${z} = ${a} * ${a};
if (${a} > 0.5) { ${z} = 0.5 * (1 - ${a}); ${s} = Math.sqrt(${z}); }
let ${out} = ((((0.042163199048 * ${z} + 0.024181311049) * ${z} + 0.045470025998) * ${z} + 0.074953002686) * ${z} + 0.16666752422) * ${z} * ${s} + ${s};
if (${a} > 0.5) { ${out} = 1.5707963267948966 - 2 * ${out}; }
if (${x} < 0) { ${out} = -${out}; }
if (${a} > 1) { ${out} = nan; }`;
}

/**
 * `out = erf(x)`: the Maclaurin series to x^13 for |x| < 0.5 (truncation below 1e-9 relative), else
 * 1 - erfc(|x|) with Numerical Recipes' Chebyshev fit of erfc (relative error below 1.2e-7, so below 6e-8
 * absolute in erf), with x's sign.
 */
export function erfLines(x: string, out: string): string {
  const a = `${out}a`, q = `${out}q`, t = `${out}t`;
  return `let ${a} = Math.abs(${x});
let ${q} = ${x} * ${x};
let ${out} = 1.1283791670955126 * ${x} * (1 + ${q} * (-0.3333333333333333 + ${q} * (0.1 + ${q} * (-0.023809523809523808 + ${q} * (0.004629629629629629 + ${q} * (-0.0007575757575757576 + ${q} * 0.00010683760683760684))))));
if (${a} >= 0.5) {
  let ${t} = 1 / (1 + 0.5 * ${a});
  ${out} = 1 - ${t} * Math.exp(-${a} * ${a} - 1.26551223 + ${t} * (1.00002368 + ${t} * (0.37409196 + ${t} * (0.09678418 + ${t} * (-0.18628806 + ${t} * (0.27886807 + ${t} * (-1.13520398 + ${t} * (1.48851587 + ${t} * (-0.82215223 + ${t} * 0.17087277)))))))));
  if (${a} > 9) { ${out} = 1; }
  if (${x} < 0) { ${out} = -${out}; }
}`;
}

/**
 * NaN tests are written `!(v === v)`, never `v !== v`: WGSL lets a compiler assume there is no NaN, and
 * SwiftShader's unordered not-equal says false for NaN !== NaN, while its ordered equal is right.
 * Unary ops end with this line, so NaN in gives NaN out on devices whose exp or log do not keep it.
 */
export const NAN_IN_NAN_OUT = 'if (!(v === v)) { y = v; }';
