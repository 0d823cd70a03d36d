// Layer: tensor/backends/gpu. The gpu.js kernels of cumsum and cumprod. A gpu.js kernel computes each
// output element on its own, with no pass able to read another's partial results, so output element k of
// a slice loops over the slice's elements up to k itself. A long slice (n > SCAN_ONE_PASS_MAX) would make
// that n² work, so it runs in two kernels: the totals of blocks of about √n elements, then each output
// element combines the totals of the blocks before its own and its own block's elements up to k
// (2√n steps). Every loop has its real bound as a literal, which gpu.js's GL translation keeps as it is
// (a loop whose bound it cannot see becomes one of at most loopMaxIterations steps, default 1,000, that
// stops silently), and loopMax is set to that bound as well. Imports a type, layout.ts and codegen.ts.
import type { ScanOp } from '../../backend';
import { planWalk } from '../../layout';
import { address, fn, key, names, rowMajor, splitIndex, type KernelSpec, type Operand } from './codegen';

/** Slices up to this long are scanned in one kernel (n steps per output element). */
const SCAN_ONE_PASS_MAX = 4096;

/** The block length of a scan of `n` elements: n itself (one pass), or ⌈√n⌉ for the two-pass scan. */
export function scanBlock(n: number): number {
  return n <= SCAN_ONE_PASS_MAX ? n : Math.ceil(Math.sqrt(n));
}

const INIT = { sum: '0', prod: '1' } satisfies { [K in ScanOp]: string };
const COMBINE = { sum: '+', prod: '*' } satisfies { [K in ScanOp]: string };

/**
 * The kernel's index space: the dimensions before `axis` (merged where both x and the row-major output
 * walk them as one), the scanned one, and those after it (merged likewise). `pb`/`pa` name their indices.
 */
function geometry(shape: readonly number[], x: Operand, axis: number) {
  const outer = shape.slice(0, axis), inner = shape.slice(axis + 1);
  const before = planWalk(outer, [x.strides.slice(0, axis), rowMajor(outer)]);
  const after = planWalk(inner, [x.strides.slice(axis + 1), rowMajor(inner)]);
  const pb = names('b', before.shape.length), pa = names('a', after.shape.length);
  // the address of element 0 of this thread's slice in x
  const base = address(address('o0', pb, before.strides[0]!), pa, after.strides[0]!);
  return { before, after, pb, pa, base, innerSize: inner.reduce((a, b) => a * b, 1) };
}

/**
 * First pass of a two-pass scan: the sum (or product) of each block of `block` elements of `x` (arguments
 * x0, o0) along `axis`. The output is contiguous of x's shape with the axis replaced by ⌈n / block⌉ blocks.
 */
export function scanTotals(op: ScanOp, shape: readonly number[], x: Operand, axis: number, block: number): KernelSpec {
  const n = shape[axis]!, s = x.strides[axis]!, blocks = Math.ceil(n / block);
  const g = geometry(shape, x, axis);
  const lines = [
    ...splitIndex('this.thread.x', [...g.pb, 'blk', ...g.pa], [...g.before.shape, blocks, ...g.after.shape]),
    `let base = ${g.base};`,
    `let start = blk * ${block};`,
    `let acc = ${INIT[op]};`,
    `for (let r = 0; r < ${block}; r++) {`,
    `  if (start + r < ${n}) { acc = acc ${COMBINE[op]} x0[base + (start + r) * ${s}]; }`,
    '}',
    'return acc;',
  ];
  return {
    op: op === 'sum' ? 'cumsum' : 'cumprod',
    key: key('scanTotals', op, g.before.shape, g.before.strides[0], n, s, g.after.shape, g.after.strides[0], block),
    source: fn(['x0', 'o0'], lines),
    size: g.before.shape.reduce((a, b) => a * b, 1) * blocks * g.innerSize,
    loopMax: block,
  };
}

/**
 * The inclusive scan of `x` (arguments x0, o0) of `shape` along `axis`: output element k of a slice
 * combines elements 0..k (k..n-1 when `reverse`), in float32 in slice order. With `block` < n it also reads
 * scanTotals' output (arguments x1, o1) and loops over the other blocks' totals and its own block only.
 */
export function scan(op: ScanOp, shape: readonly number[], x: Operand, axis: number, reverse: boolean, block = shape[axis]!): KernelSpec {
  const n = shape[axis]!, s = x.strides[axis]!;
  const g = geometry(shape, x, axis);
  const step = `acc = acc ${COMBINE[op]} x0[base + j * ${s}];`;
  // the elements of the slice that output k combines
  const wanted = reverse ? 'j >= k' : 'j <= k';
  const lines = [
    ...splitIndex('this.thread.x', [...g.pb, 'k', ...g.pa], [...g.before.shape, n, ...g.after.shape]),
    `let base = ${g.base};`,
    `let acc = ${INIT[op]};`,
  ];
  if (block >= n) {
    lines.push(`for (let j = 0; j < ${n}; j++) {`, `  if (${wanted}) { ${step} }`, '}');
  } else {
    const blocks = Math.ceil(n / block);
    // the totals are contiguous [...before, blocks, ...after]: their strides over the merged dimensions
    const tb = g.before.strides[1]!.map((d) => d * blocks * g.innerSize);
    lines.push(
      ...splitIndex('k', ['blk', 'w'], [blocks, block]),
      `let tbase = ${address(address('o1', g.pb, tb), g.pa, g.after.strides[1]!)};`,
      `for (let r = 0; r < ${blocks}; r++) {`,
      `  if (r ${reverse ? '>' : '<'} blk) { acc = acc ${COMBINE[op]} x1[tbase + r * ${g.innerSize}]; }`,
      '}',
      `let start = blk * ${block};`,
      `for (let r = 0; r < ${block}; r++) {`,
      '  let j = start + r;',
      `  if (j < ${n} && ${wanted}) { ${step} }`,
      '}',
    );
  }
  lines.push('return acc;');
  const blocked = block < n;
  return {
    op: op === 'sum' ? 'cumsum' : 'cumprod',
    key: key('scan', op, reverse, g.before.shape, g.before.strides[0], n, s, g.after.shape, g.after.strides[0], block),
    source: fn(blocked ? ['x0', 'o0', 'x1', 'o1'] : ['x0', 'o0'], lines),
    size: g.before.shape.reduce((a, b) => a * b, 1) * n * g.innerSize,
    loopMax: blocked ? Math.max(block, Math.ceil(n / block)) : n,
  };
}
