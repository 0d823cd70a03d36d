// Layer: tensor/backends/gpu. The gpu.js kernel sources, generated as strings per op and per layout.
// gpu.js parses kernel source (plain `function`, no closures, no imports), so each kernel is written out
// with its shapes and strides as literals and its offsets as arguments: one flat output index
// `this.thread.x` is split into a multi-index, and every input is read at `offset + sum(index * stride)`,
// which is how views (permuted, sliced, broadcast) are read in place, without a copy.
// Op tables are typed so that a new op name fails to compile until it has a GPU kernel. Imports types,
// layout.ts (the dimension merging the CPU walk uses too) and the source helpers of codegen.ts.
import type { BinaryOp, ReduceOp, UnaryOp } from '../../backend';
import { planWalk } from '../../layout';
import { address, fn, key, names, rowMajor, specialArgs, splitIndex, type KernelSpec, type Operand } from './codegen';

// ---- op tables: statements over the input values, defining `y` ---------------------------------------

/**
 * `out = expm1(x)` without cancellation near 0: a degree-9 Taylor polynomial for |x| < 0.5 (truncation
 * < 1e-9 relative), exp(x) - 1 elsewhere. (Kahan's (u-1)*x/log(u) trick is not enough on GL devices,
 * whose exp and log are not accurate near 0 and 1.)
 */
function expm1Lines(x: string, out: string): string {
  return `let ${out} = Math.exp(${x}) - 1;
if (Math.abs(${x}) < 0.5) {
  ${out} = ${x} * (1 + ${x} * (0.5 + ${x} * (0.16666666666666666 + ${x} * (0.041666666666666664 + ${x} * (0.008333333333333333 + ${x} * (0.001388888888888889 + ${x} * (0.0001984126984126984 + ${x} * (0.0000248015873015873 + ${x} * 0.0000027557319223985893))))))));
}`;
}

/**
 * `out = log1p(x)` without cancellation near 0: for |x| < 0.5, 2·atanh(s) with s = x/(2+x) (|s| <= 1/3)
 * as an odd series to s^17 (truncation < 1e-9 relative); log(1 + x) elsewhere.
 */
function log1pLines(x: string, out: string): string {
  return `let ${out} = Math.log(1 + ${x});
if (Math.abs(${x}) < 0.5) {
  let ${out}s = ${x} / (2 + ${x});
  let ${out}q = ${out}s * ${out}s;
  ${out} = 2 * ${out}s * (1 + ${out}q * (0.3333333333333333 + ${out}q * (0.2 + ${out}q * (0.14285714285714285 + ${out}q * (0.1111111111111111 + ${out}q * (0.09090909090909091 + ${out}q * (0.07692307692307693 + ${out}q * (0.06666666666666667 + ${out}q * 0.058823529411764705))))))));
}`;
}

/**
 * `out = sin(x)` or `cos(x)` to a few float32 ulp on every device, as Cephes' sinf/cosf: |x| reduced by
 * multiples of pi/4 (Cody-Waite, pi/4 split in three so the reduction is exact for |x| < 8192), then a
 * minimax polynomial for sin or cos on [-pi/4, pi/4] chosen by the octant. The devices' own sin/cos are
 * not accurate enough: WGSL only promises 2^-11 absolute, and SwiftShader's is off by 2e-4.
 */
function sinCosLines(fn: 'sin' | 'cos', x: string, out: string): string {
  const a = `${out}a`, j = `${out}j`, r = `${out}r`, z = `${out}z`, q = `${out}q`;
  const sinPoly = `((-0.00019515295891 * ${z} + 0.0083321608736) * ${z} - 0.16666654611) * ${z} * ${r} + ${r}`;
  const cosPoly = `((0.00002443315711809948 * ${z} - 0.001388731625493765) * ${z} + 0.04166664568298827) * ${z} * ${z} - 0.5 * ${z} + 1`;
  return `let ${a} = Math.abs(${x});
let ${j} = Math.floor(${a} * 1.2732395447351628);
if (${j} - Math.floor(${j} / 2) * 2 === 1) { ${j} = ${j} + 1; }
let ${r} = ((${a} - ${j} * 0.78515625) - ${j} * 0.00024187564849853516) - ${j} * 3.774894977445941e-8;
let ${z} = ${r} * ${r};
let ${q} = ${j} - Math.floor(${j} / 8) * 8;
${fn === 'sin'
    ? `let ${out} = ${sinPoly};
if (${q} === 2 || ${q} === 6) { ${out} = ${cosPoly}; }
if (${q} > 3) { ${out} = -${out}; }
if (${x} < 0) { ${out} = -${out}; }`
    : `let ${out} = ${cosPoly};
if (${q} === 2 || ${q} === 6) { ${out} = ${sinPoly}; }
if (${q} === 2 || ${q} === 4) { ${out} = -${out}; }`}`;
}

/**
 * NaN tests are written `!(v === v)`, never `v !== v`: WGSL lets a compiler assume there is no NaN, and
 * SwiftShader's unordered not-equal says false for NaN !== NaN, while its ordered equal is right.
 * Unary ops end with this line, so NaN in gives NaN out on devices whose exp or log do not keep it.
 */
const NAN_IN_NAN_OUT = 'if (!(v === v)) { y = v; }';

/**
 * Unary ops: statements reading `v`, defining `y`, with the semantics of the CPU kernels in
 * cpu/kernels.ts (NaN in gives NaN out; sigmoid and softplus in their overflow-safe forms).
 */
const UNARY_BODY = {
  neg: 'let y = -v;',
  abs: 'let y = Math.abs(v);',
  exp: 'let y = Math.exp(v);',
  // devices disagree outside the domain (SwiftShader gives log|v|): spelled out as on the CPU
  log: 'let y = Math.log(v);\nif (v < 0) { y = nan; } else if (v === 0) { y = -inf; } else if (v === inf) { y = inf; }',
  sqrt: 'let y = Math.sqrt(v);',
  square: 'let y = v * v;',
  reciprocal: 'let y = 1 / v;',
  // tanh(v) = -expm1(-2|v|) / (2 + expm1(-2|v|)) with v's sign: no overflow, accurate near 0
  tanh: `let tx = -2 * Math.abs(v);
${expm1Lines('tx', 'te')}
let y = -te / (te + 2);
if (v < 0) { y = -y; }`,
  sigmoid: `let se = Math.exp(-Math.abs(v));
let y = se / (1 + se);
if (v >= 0) { y = 1 / (1 + se); }`,
  relu: 'let y = v > 0 ? v : (v === v ? 0 : v);',
  sin: sinCosLines('sin', 'v', 'y'),
  cos: sinCosLines('cos', 'v', 'y'),
  sign: 'let y = v > 0 ? 1 : (v < 0 ? -1 : v);',
  log1p: `${log1pLines('v', 'y')}\nif (v < -1) { y = nan; } else if (v === -1) { y = -inf; } else if (v === inf) { y = inf; }`,
  expm1: expm1Lines('v', 'y'),
  softplus: `let sx = Math.exp(v);
${log1pLines('sx', 'sl')}
let y = sl;
if (v > 20) { y = v; } else if (v < -20) { y = sx; }`,
} satisfies { [K in UnaryOp]: string };

export const UNARY_SRC = Object.fromEntries(
  Object.entries(UNARY_BODY).map(([op, body]) => [op, `${body}\n${NAN_IN_NAN_OUT}`]),
) as { [K in UnaryOp]: string };

/** Binary ops: statements reading `u` and `w`, defining `y` (comparisons give 0 or 1). */
export const BINARY_SRC = {
  add: 'let y = u + w;',
  sub: 'let y = u - w;',
  mul: 'let y = u * w;',
  div: 'let y = u / w;',
  // JS Math.pow semantics where GLSL pow is undefined: x^0 = 1, negative bases with integer exponents
  pow: `let y = Math.pow(u, w);
if (w === 0) { y = 1; } else if (u < 0 && Math.floor(w) === w) {
  y = Math.pow(-u, w);
  if (!(Math.floor(w / 2) * 2 === w)) { y = -y; }
}
if (u < 0 && !(Math.floor(w) === w) && u > -inf) { y = nan; }
if (Math.abs(u) === inf && !(w === 0)) {
  y = w > 0 ? inf : 0;
  if (u < 0 && Math.floor(w) === w && !(Math.floor(w / 2) * 2 === w)) { y = -y; }
}
if (u === 0 && w < 0) {
  y = inf;
  if (Math.floor(w) === w && !(Math.floor(w / 2) * 2 === w) && 1 / u < 0) { y = -inf; }
}
if (!(u === u) && !(w === 0)) { y = u; }
if (!(w === w)) { y = w; }`,
  maximum: 'let y = (u > w || !(u === u)) ? u : w;',
  minimum: 'let y = (u < w || !(u === u)) ? u : w;',
  eq: 'let y = u === w ? 1 : 0;',
  ne: 'let y = !(u === w) ? 1 : 0;',
  lt: 'let y = u < w ? 1 : 0;',
  le: 'let y = u <= w ? 1 : 0;',
  gt: 'let y = u > w ? 1 : 0;',
  ge: 'let y = u >= w ? 1 : 0;',
} satisfies { [K in BinaryOp]: string };

/** Reductions: the accumulator's start (a constant, or the first element) and one step over `v`. */
export const REDUCE_SRC = {
  sum: { init: '0', step: 'acc = acc + v;' },
  prod: { init: '1', step: 'acc = acc * v;' },
  // max/min start from the first element (a GL literal cannot be -Infinity); NaN wins, as on the CPU
  max: { init: 'first', step: 'if (v > acc || !(v === v)) { acc = v; }' },
  min: { init: 'first', step: 'if (v < acc || !(v === v)) { acc = v; }' },
} satisfies { [K in ReduceOp]: { init: string; step: string } };

// ---- kernel generators ------------------------------------------------------------------------------

/**
 * An elementwise kernel over `shape`: input j is argument `x<j>` at offset `o<j>`, its element is bound to
 * `vars[j]`, then `body` defines `y`. Arguments: x0, o0, x1, o1, ...
 */
export function elementwise(op: string, body: string, vars: readonly string[], shape: readonly number[], inputs: readonly Operand[]): KernelSpec {
  const size = shape.reduce((a, b) => a * b, 1);
  const c = planWalk(shape, [...inputs.map((x) => x.strides), rowMajor(shape)]);
  const p = names('p', c.shape.length);
  const lines = [...splitIndex('this.thread.x', p, c.shape)];
  vars.forEach((v, j) => lines.push(`let ${v} = x${j}[${address(`o${j}`, p, c.strides[j]!)}];`));
  lines.push(body, 'return y;');
  const special = specialArgs(body);
  return {
    op,
    key: key(op, c.shape, ...c.strides.slice(0, inputs.length)),
    source: fn([...inputs.flatMap((_, j) => [`x${j}`, `o${j}`]), ...special.params], lines),
    size,
    loopMax: 1,
    scalars: special.values,
  };
}

/** A kernel filling `size` elements with its one argument `value`. */
export function fill(size: number): KernelSpec {
  return { op: 'full', key: key('full', size), source: fn(['value'], ['return value;']), size, loopMax: 1 };
}

/**
 * Reduce `x` (arguments x0, o0) over the dims `reduced` of `shape` (ascending), keeping the others in order.
 * With `chunks` > 1 (one reduced dim of length `n` only), the output gains a last dim of `chunks` partial
 * results, each over `ceil(n / chunks)` elements: the first pass of a two-pass reduction.
 */
export function reduce(op: ReduceOp, shape: readonly number[], x: Operand, reduced: readonly number[], chunks = 1): KernelSpec {
  const keptDims = shape.map((_, d) => d).filter((d) => !reduced.includes(d));
  const keptShape = keptDims.map((d) => shape[d]!);
  const kept = planWalk(keptShape, [keptDims.map((d) => x.strides[d]!), rowMajor(keptShape)]);
  const red = planWalk(reduced.map((d) => shape[d]!), [reduced.map((d) => x.strides[d]!)]);
  const src = REDUCE_SRC[op];
  const p = names('p', kept.shape.length);
  const outShape = chunks > 1 ? [...kept.shape, chunks] : kept.shape;
  const lines = splitIndex('this.thread.x', chunks > 1 ? [...p, 'ch'] : p, outShape);
  lines.push(`let base = ${address('o0', p, kept.strides[0]!)};`);
  let loopMax: number;
  if (chunks > 1) {
    if (red.shape.length !== 1) throw new Error('internal: a chunked reduction needs one reduced dimension');
    const n = red.shape[0]!, s = red.strides[0]![0]!, len = Math.ceil(n / chunks);
    loopMax = len;
    lines.push(
      `let start = ch * ${len};`,
      `let acc = ${src.init === 'first' ? `x0[base + start * ${s}]` : src.init};`,
      `for (let r = 0; r < ${len}; r++) {`,
      `  if (start + r < ${n}) {`,
      `    let v = x0[base + (start + r) * ${s}];`,
      `    ${src.step}`,
      '  }',
      '}',
    );
  } else {
    loopMax = Math.max(...red.shape);
    lines.push(`let acc = ${src.init === 'first' ? 'x0[base]' : src.init};`);
    const r = names('r', red.shape.length);
    let indent = '';
    red.shape.forEach((n, d) => { lines.push(`${indent}for (let ${r[d]} = 0; ${r[d]} < ${n}; ${r[d]}++) {`); indent += '  '; });
    lines.push(`${indent}let v = x0[${address('base', r, red.strides[0]!)}];`, `${indent}${src.step}`);
    red.shape.forEach(() => { indent = indent.slice(2); lines.push(`${indent}}`); });
  }
  lines.push('return acc;');
  return {
    op,
    key: key('reduce', op, kept.shape, kept.strides[0], red.shape, red.strides[0], chunks),
    source: fn(['x0', 'o0'], lines),
    size: outShape.reduce((a, b) => a * b, 1),
    loopMax,
  };
}

/** Index of the max/min of `x` (arguments x0, o0) along `axis`: first occurrence, NaN counts as the extreme. */
export function argReduce(op: 'argmax' | 'argmin', shape: readonly number[], x: Operand, axis: number): KernelSpec {
  const keptShape = shape.filter((_, d) => d !== axis);
  const kept = planWalk(keptShape, [x.strides.filter((_, d) => d !== axis), rowMajor(keptShape)]);
  const n = shape[axis]!, s = x.strides[axis]!;
  const cmp = op === 'argmax' ? '>' : '<';
  const p = names('p', kept.shape.length);
  const lines = [
    ...splitIndex('this.thread.x', p, kept.shape),
    `let base = ${address('o0', p, kept.strides[0]!)};`,
    'let best = x0[base];',
    'let bi = 0;',
    `for (let r = 1; r < ${n}; r++) {`,
    '  if (best === best) {',
    `    let v = x0[base + r * ${s}];`,
    `    if (v ${cmp} best || !(v === v)) { best = v; bi = r; }`,
    '  }',
    '}',
    'return bi;',
  ];
  return { op, key: key(op, kept.shape, kept.strides[0], n, s), source: fn(['x0', 'o0'], lines), size: keptShape.reduce((a, b) => a * b, 1), loopMax: n };
}

/** Batched `a [...batch, m, k] @ b [...batch, k, n]` (arguments x0, o0, x1, o1); batch dims may have stride 0. */
export function matmul(shapeA: readonly number[], a: Operand, b: Operand, n: number): KernelSpec {
  const nd = shapeA.length;
  const m = shapeA[nd - 2]!, k = shapeA[nd - 1]!;
  const batchShape = shapeA.slice(0, nd - 2);
  const batch = planWalk(batchShape, [a.strides.slice(0, nd - 2), b.strides.slice(0, nd - 2), rowMajor(batchShape)]);
  const bn = names('b', batch.shape.length);
  const sam = a.strides[nd - 2]!, sak = a.strides[nd - 1]!, sbk = b.strides[nd - 2]!, sbn = b.strides[nd - 1]!;
  const lines = [
    ...splitIndex('this.thread.x', [...bn, 'i', 'j'], [...batch.shape, m, n]),
    `let ra = ${address('o0', [...bn, 'i'], [...batch.strides[0]!, sam])};`,
    `let rb = ${address('o1', [...bn, 'j'], [...batch.strides[1]!, sbn])};`,
    'let acc = 0;',
    `for (let r = 0; r < ${k}; r++) {`,
    `  acc = acc + x0[ra + r * ${sak}] * x1[rb + r * ${sbk}];`,
    '}',
    'return acc;',
  ];
  return {
    op: 'matmul',
    key: key('matmul', batch.shape, batch.strides[0], batch.strides[1], m, k, n, sam, sak, sbk, sbn),
    source: fn(['x0', 'o0', 'x1', 'o1'], lines),
    size: batch.shape.reduce((s, d) => s * d, 1) * m * n,
    loopMax: k,
  };
}

/** Concatenate inputs (arguments x0, o0, x1, o1, ...) of `shapes` along `axis`. */
export function concat(shapes: readonly (readonly number[])[], inputs: readonly Operand[], axis: number): KernelSpec {
  const outShape = shapes[0]!.slice();
  outShape[axis] = shapes.reduce((s, sh) => s + sh[axis]!, 0);
  const p = names('p', outShape.length);
  const lines = [...splitIndex('this.thread.x', p, outShape), 'let y = 0;'];
  let start = 0;
  inputs.forEach((x, j) => {
    const end = start + shapes[j]![axis]!;
    const idx = p.map((name, d) => (d === axis ? `(${name} - ${start})` : name));
    const cond = j === 0 ? `if (p${axis} < ${end})` : j === inputs.length - 1 ? 'else' : `else if (p${axis} < ${end})`;
    lines.push(`${cond} { y = x${j}[${address(`o${j}`, idx, x.strides)}]; }`);
    start = end;
  });
  lines.push('return y;');
  return {
    op: 'concat',
    key: key('concat', axis, ...shapes.map((s) => [...s]), ...inputs.map((x) => [...x.strides])),
    source: fn(inputs.flatMap((_, j) => [`x${j}`, `o${j}`]), lines),
    size: outShape.reduce((a, b) => a * b, 1),
    loopMax: 1,
  };
}

/** `out[p] = x[p with p[axis] = index[p]]` (arguments x0, o0 for x; x1, o1 for index); out has index's shape. */
export function gather(indexShape: readonly number[], x: Operand, index: Operand, axis: number): KernelSpec {
  const p = names('p', indexShape.length);
  const xIdx = p.map((name, d) => (d === axis ? 'k' : name));
  const lines = [
    ...splitIndex('this.thread.x', p, indexShape),
    `let k = x1[${address('o1', p, index.strides)}];`,
    `return x0[${address('o0', xIdx, x.strides)}];`,
  ];
  return {
    op: 'gather',
    key: key('gather', axis, indexShape, x.strides, index.strides),
    source: fn(['x0', 'o0', 'x1', 'o1'], lines),
    size: indexShape.reduce((a, b) => a * b, 1),
    loopMax: 1,
  };
}

/**
 * Zeros of `shape` plus `src` (arguments x0, o0) added at `index` (x1, o1) along `axis`, written gather-style:
 * each output element sums the sources whose index along `axis` points at it.
 */
export function scatterAdd(shape: readonly number[], indexShape: readonly number[], index: Operand, src: Operand, axis: number): KernelSpec {
  const p = names('p', shape.length);
  const j = indexShape[axis]!;
  const at = p.map((name, d) => (d === axis ? 'r' : name));
  // output positions beyond the index's extent (in dims other than axis) receive nothing
  const inside = p.filter((_, d) => d !== axis && indexShape[d]! < shape[d]!).map((name) => `${name} < ${indexShape[p.indexOf(name)]}`);
  const loop = [
    `for (let r = 0; r < ${j}; r++) {`,
    `  if (x1[${address('o1', at, index.strides)}] === p${axis}) { acc = acc + x0[${address('o0', at, src.strides)}]; }`,
    '}',
  ];
  const lines = [
    ...splitIndex('this.thread.x', p, shape),
    'let acc = 0;',
    ...(inside.length ? [`if (${inside.join(' && ')}) {`, ...loop.map((l) => `  ${l}`), '}'] : loop),
    'return acc;',
  ];
  return {
    op: 'scatterAdd',
    key: key('scatterAdd', axis, shape, indexShape, index.strides, src.strides),
    source: fn(['x0', 'o0', 'x1', 'o1'], lines),
    size: shape.reduce((a, b) => a * b, 1),
    loopMax: j,
  };
}
