// Layer: tensor/backends/gpu. The gpu.js kernel sources, generated as strings per op and per layout.
// gpu.js parses kernel source (plain `function`, no closures, no imports), so each kernel is written out
// with its shapes and strides as literals and its offsets as arguments: one flat output index
// `this.thread.x` is split into a multi-index, and every input is read at `offset + sum(index * stride)`,
// which is how views (permuted, sliced, broadcast) are read in place, without a copy.
// The elementwise ops' statements come with each op's declaration (elementwise/); the reduction table here
// is typed so that a new reduction fails to compile until it has a GPU kernel. Imports types, layout.ts
// (the dimension merging the CPU walk uses too) and the source helpers of codegen.ts.
import type { ReduceOp } from '../../backend';
import { planWalk } from '../../layout';
import { address, fn, key, names, rowMajor, specialArgs, splitIndex, type KernelSpec, type Operand } from './codegen';

// ---- the reduction table ----------------------------------------------------------------------------

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

/**
 * `out[p] = x[p with p[axis] = index[p]]` (arguments x0, o0 for x; x1, o1 for index); out has index's shape.
 * `n` is x's size along `axis`: an index outside [0, n) gives NaN instead of reading out of bounds.
 */
export function gather(indexShape: readonly number[], x: Operand, index: Operand, axis: number, n: number): KernelSpec {
  const p = names('p', indexShape.length);
  const xIdx = p.map((name, d) => (d === axis ? 'k' : name));
  const lines = [
    ...splitIndex('this.thread.x', p, indexShape),
    `let k = x1[${address('o1', p, index.strides)}];`,
    // an index outside [0, n) or not an integer reads nothing and gives NaN (the caller checks the index
    // values when a NaN is read back); the comparisons are false for a NaN index
    'let y = nan;',
    `if (k >= 0 && k < ${n} && Math.floor(k) === k) { y = x0[${address('o0', xIdx, x.strides)}]; }`,
    'return y;',
  ];
  const special = specialArgs(lines.join('\n'));
  return {
    op: 'gather',
    key: key('gather', axis, n, indexShape, x.strides, index.strides),
    source: fn(['x0', 'o0', 'x1', 'o1', ...special.params], lines),
    size: indexShape.reduce((a, b) => a * b, 1),
    loopMax: 1,
    scalars: special.values,
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
  // an index outside [0, shape[axis]) or not an integer makes its whole line NaN (checked on read-back)
  const loop = [
    `for (let r = 0; r < ${j}; r++) {`,
    `  let k = x1[${address('o1', at, index.strides)}];`,
    `  if (k === p${axis}) { acc = acc + x0[${address('o0', at, src.strides)}]; }`,
    `  if (!(k >= 0 && k < ${shape[axis]} && Math.floor(k) === k)) { acc = nan; }`,
    '}',
  ];
  const lines = [
    ...splitIndex('this.thread.x', p, shape),
    'let acc = 0;',
    ...(inside.length ? [`if (${inside.join(' && ')}) {`, ...loop.map((l) => `  ${l}`), '}'] : loop),
    'return acc;',
  ];
  const special = specialArgs(lines.join('\n'));
  return {
    op: 'scatterAdd',
    key: key('scatterAdd', axis, shape, indexShape, index.strides, src.strides),
    source: fn(['x0', 'o0', 'x1', 'o1', ...special.params], lines),
    size: shape.reduce((a, b) => a * b, 1),
    loopMax: j,
    scalars: special.values,
  };
}
