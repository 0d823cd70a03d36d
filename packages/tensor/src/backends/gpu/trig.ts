// Layer: tensor/backends/gpu. sin and cos as gpu.js kernel statements, accurate over the whole float32
// range in every mode: Cephes' reduction and polynomials for |x| < 8192, and a Payne-Hanek reduction in
// float32 arithmetic only (gpu.js has no integers or doubles on the device) for larger arguments.
// Generates source text; imports nothing.

/**
 * 2/pi in hexadecimal, 180 bits (fdlibm's `two_over_pi` table, checked against pi computed exactly in
 * test/tensor/gpu-trig.test.ts). Read three digits at a time: chunk k is 12 bits of weight 2^(-12(k+1)).
 */
const TWO_OVER_PI_HEX = 'A2F9836E4E441529FC2757D1F534DDC0DB6295993C439';

/** 2/pi = sum over k of TWO_OVER_PI_CHUNKS[k] * 2^(-12(k+1)), each chunk an integer below 2^12. */
export const TWO_OVER_PI_CHUNKS: readonly number[] = Array.from(
  { length: TWO_OVER_PI_HEX.length / 3 }, (_, k) => parseInt(TWO_OVER_PI_HEX.slice(3 * k, 3 * k + 3), 16),
);

/** Below this |x| Cephes' three-part Cody-Waite reduction is exact enough; at and above it, Payne-Hanek. */
export const LARGE_ARGUMENT = 8192;

/** Exact powers of two the exponent search divides out, largest first: |x| < 2^128 is brought into [1, 2). */
const EXPONENT_STEPS = [64, 32, 16, 8, 4, 2, 1];

/** Weights 2^(E-23-12j) up to this j are scaled from 2^E, later ones from 2^(E-100): see payneHanekLines. */
const LAST_FROM_S = 8;

/**
 * Statements setting `${out}r` (the reduced argument, |r| <= pi/4 + tiny) and `${out}q` (the octant, 0, 2,
 * 4 or 6, as the small path's) for `a = |x| >= 8192`. Only float32 operations, and every result that
 * matters is exact, so rounding, fused multiply-adds and reassociation by a GL or WGSL compiler cannot
 * change it:
 *
 * 1. a = m * 2^(E-23) with m an integer in [2^23, 2^24): E is found by comparisons with exact powers of
 *    two (log2 is not correctly rounded on GL devices); m = mh * 2^12 + ml, halves below 2^12.
 * 2. a * 2/pi is the sum of the terms mh * c_j * W_j and ml * c_(j-1) * W_j over the 12-bit 2/pi chunks
 *    c_j, with W_j = 2^(E-23-12j): products of two 12-bit integers and a power of two, exact. Only
 *    a * 2/pi modulo 4 matters (the quadrant and the fraction), and a term of weight >= 4 is 0 modulo 4,
 *    so W_j is capped at 4; a weight that underflows belongs to a term below 2^-100.
 * 3. Each term is reduced modulo 4 (t - 4 floor(t/4), exact) and split at 2^-21: the high parts are
 *    multiples of 2^-21 below 4, summed modulo 4 exactly (every partial sum is below 8: 24 bits); the
 *    rests are below 2^-21 each, so rounding their sum costs about 2^-40.
 * 4. n = round(high sum) is the quadrant, and r = ((high - n) + rests) * pi/2, within about 1e-7 of the
 *    exact reduced argument whatever the size of x.
 *
 * Compilers fold chains of constant factors (Mesa turns (s * 2^-23) * 2^-120 into s * 2^-143, which
 * flushes to 0) and may reorder a product of runtime values (mh * 2^127 overflows). So no source product
 * holds two constants whose product leaves the normal range, nor two runtime factors whose product can
 * overflow: W_j is 2^E times one constant for j <= 8 and 2^(E-100), tracked by the exponent search
 * separately, times one constant beyond; the cap keeps mh * c_j * W_j below 2^26. 15 chunks cover every
 * float32: near 2^128 the last one contributes terms near 2^-52.
 */
function payneHanekLines(a: string, out: string): string {
  const u = `${out}u`, s = `${out}s`, sd = `${out}sd`, m = `${out}m`, mh = `${out}mh`, ml = `${out}ml`;
  const w = `${out}w`, t = `${out}t`, th = `${out}th`, hi = `${out}hi`, lo = `${out}lo`, n = `${out}n`;
  // s = 2^E and sd = 2^(E-100), by the same steps
  const lines = [`let ${u} = ${a};`, `let ${s} = 1;`, `let ${sd} = ${2 ** -100};`];
  for (const e of EXPONENT_STEPS) {
    lines.push(`if (${u} >= ${2 ** e}) { ${u} = ${u} * ${2 ** -e}; ${s} = ${s} * ${2 ** e}; ${sd} = ${sd} * ${2 ** e}; }`);
  }
  lines.push(
    // u in [1, 2): m = u * 2^23 is the 24-bit significand
    `let ${m} = ${u} * 8388608;`,
    `let ${mh} = Math.floor(${m} * ${2 ** -12});`,
    `let ${ml} = ${m} - ${mh} * 4096;`,
    `let ${w} = 0;`,
    `let ${t} = 0;`,
    `let ${th} = 0;`,
    `let ${hi} = 0;`,
    `let ${lo} = 0;`,
  );
  // one term: reduce modulo 4, add its part above 2^-21 to hi (modulo 4) and the rest to lo
  const term = (product: string) => [
    `${t} = ${product};`,
    `${t} = ${t} - Math.floor(${t} * 0.25) * 4;`,
    `${th} = Math.floor(${t} * 2097152) * ${2 ** -21};`,
    `${hi} = ${hi} + ${th};`,
    `${hi} = ${hi} - Math.floor(${hi} * 0.25) * 4;`,
    `${lo} = ${lo} + (${t} - ${th});`,
  ];
  const chunks = TWO_OVER_PI_CHUNKS;
  chunks.forEach((c, j) => {
    const weight = j <= LAST_FROM_S ? `${s} * ${2 ** (-23 - 12 * j)}` : `${sd} * ${2 ** (77 - 12 * j)}`;
    lines.push(`${w} = ${weight};`, `if (${w} > 4) { ${w} = 4; }`);
    lines.push(...term(`${mh} * ${c} * ${w}`));
    if (j > 0) lines.push(...term(`${ml} * ${chunks[j - 1]} * ${w}`));
  });
  lines.push(
    `let ${n} = Math.floor(${hi} + 0.5);`,
    `${out}r = ((${hi} - ${n}) + ${lo}) * 1.5707963267948966;`,
    `${out}q = 2 * (${n} - Math.floor(${n} * 0.25) * 4);`,
  );
  return lines.join('\n');
}

/**
 * `out = sin(x)` or `cos(x)` within about 2e-7 absolute of the exact value of the float32 `x`, for every
 * float32 (±Infinity and NaN give NaN), on every device. |x| < 8192 is reduced as Cephes' sinf/cosf do:
 * by multiples of pi/4 (Cody-Waite, pi/4 split in three, exact for |x| < 8192); larger |x| by the
 * Payne-Hanek reduction above, a branch the small arguments skip. Then a minimax polynomial for sin or
 * cos on [-pi/4, pi/4] chosen by the octant. The devices' own sin/cos are not accurate enough: WGSL only
 * promises 2^-11 absolute, and SwiftShader's is off by 2e-4. The statements may name `nan` (a runtime
 * argument of the kernel: see specialArgs in codegen.ts).
 */
export function sinCosLines(fn: 'sin' | 'cos', x: string, out: string): string {
  const a = `${out}a`, b = `${out}b`, j = `${out}j`, r = `${out}r`, z = `${out}z`, q = `${out}q`;
  const sinPoly = `((-0.00019515295891 * ${z} + 0.0083321608736) * ${z} - 0.16666654611) * ${z} * ${r} + ${r}`;
  const cosPoly = `((0.00002443315711809948 * ${z} - 0.001388731625493765) * ${z} + 0.04166664568298827) * ${z} * ${z} - 0.5 * ${z} + 1`;
  const large = payneHanekLines(a, out).split('\n').map((l) => `  ${l}`).join('\n');
  // the small path runs on min(|x|, 8192), so a large argument computes nothing that overflows there
  return `let ${a} = Math.abs(${x});
let ${b} = ${a};
if (${b} > ${LARGE_ARGUMENT}) { ${b} = ${LARGE_ARGUMENT}; }
let ${j} = Math.floor(${b} * 1.2732395447351628);
if (${j} - Math.floor(${j} / 2) * 2 === 1) { ${j} = ${j} + 1; }
let ${r} = ((${b} - ${j} * 0.78515625) - ${j} * 0.00024187564849853516) - ${j} * 3.774894977445941e-8;
let ${q} = ${j} - Math.floor(${j} / 8) * 8;
if (${a} >= ${LARGE_ARGUMENT}) {
${large}
}
let ${z} = ${r} * ${r};
${fn === 'sin'
    ? `let ${out} = ${sinPoly};
if (${q} === 2 || ${q} === 6) { ${out} = ${cosPoly}; }
if (${q} > 3) { ${out} = -${out}; }
if (${x} < 0) { ${out} = -${out}; }`
    : `let ${out} = ${cosPoly};
if (${q} === 2 || ${q} === 6) { ${out} = ${sinPoly}; }
if (${q} === 2 || ${q} === 4) { ${out} = -${out}; }`}
if (${a} > 3.4028234663852886e38) { ${out} = nan; }`;
}
