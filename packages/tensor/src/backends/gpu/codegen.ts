// Layer: tensor/backends/gpu. Helpers that write gpu.js kernel source as text: the kernel's `function`,
// the split of the flat output index `this.thread.x` into a multi-index, and strided addresses, plus the
// kernel description (KernelSpec) the engine runs. Used by the built-in kernel generators (kernels.ts)
// and, through `gpuSource`, by packages writing their own kernels for runGpuKernel (e.g. PROPEL's).
// Imports nothing.

/** One generated kernel: the cache key, its source, the output length and the real loop bound. */
export interface KernelSpec {
  /** Op name, for error messages. */
  readonly op: string;
  /** Kernel name + shapes + strides (+ input lengths and kinds, added by the caller): the cache key. */
  readonly key: string;
  readonly source: string;
  /** Number of output elements (the kernel's 1-D output). */
  readonly size: number;
  /** The largest loop bound in the source; gpu.js's loopMaxIterations is set to it (default cap: 1000). */
  readonly loopMax: number;
  /** Numbers passed after the inputs (runtime arguments, e.g. NaN and Infinity: see specialArgs). */
  readonly scalars?: readonly number[];
}

/** A strided input as the generators see it: strides over the kernel's index space. */
export interface Operand {
  readonly strides: readonly number[];
}

/**
 * Kernel sources may name `nan` and `inf`; such a kernel takes them as runtime arguments. A source cannot
 * write them: gpu.js rejects a NaN literal, and its WGSL translation turns \`Infinity\` into the largest
 * finite float32; nor can it compute them (0/0 is a WGSL compile error, and a device may fold it).
 */
const SPECIAL_VALUES: readonly [string, number][] = [['nan', NaN], ['inf', Infinity]];

/** The special values `body` names: the parameters to declare after the inputs, and the values to pass. */
export function specialArgs(body: string): { params: string[]; values: number[] } {
  const named = SPECIAL_VALUES.filter(([name]) => new RegExp(`\\b${name}\\b`).test(body));
  return { params: named.map(([name]) => name), values: named.map(([, value]) => value) };
}

/** Row-major strides of `shape`. */
export function rowMajor(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1]! * shape[d + 1]!;
  return s;
}

/**
 * Statements splitting the flat index `flat` into `names` (row-major over `sizes`; the first size is not
 * needed). Float division is corrected by one step each way, so the split is exact for every index below
 * 2^24 on every backend.
 */
export function splitIndex(flat: string, names: readonly string[], sizes: readonly number[]): string[] {
  const lines: string[] = [];
  let rest = flat;
  for (let d = names.length - 1; d > 0; d--) {
    const p = names[d]!, n = sizes[d]!, q = `q${p}`;
    if (n === 1) { lines.push(`let ${p} = 0;`); continue; }
    lines.push(
      `let ${q} = Math.floor(${rest} / ${n});`,
      `let ${p} = ${rest} - ${q} * ${n};`,
      `if (${p} < 0) { ${q} = ${q} - 1; ${p} = ${p} + ${n}; }`,
      `if (${p} >= ${n}) { ${q} = ${q} + 1; ${p} = ${p} - ${n}; }`,
    );
    rest = q;
  }
  if (names.length > 0) lines.push(`let ${names[0]!} = ${rest};`);
  return lines;
}

/** `offset + idx0 * stride0 + ...`, leaving out stride-0 terms. */
export function address(offset: string, names: readonly string[], strides: readonly number[]): string {
  const terms = [offset];
  names.forEach((p, d) => {
    const s = strides[d]!;
    if (s === 1) terms.push(p);
    else if (s !== 0) terms.push(`${p} * ${s}`);
  });
  return terms.join(' + ');
}

/** A kernel `function` of parameters `args` whose body is `body` (lines, each may hold several). */
export function fn(args: readonly string[], body: readonly string[]): string {
  return `function(${args.join(', ')}) {\n  ${body.join('\n').split('\n').join('\n  ')}\n}`;
}

/** `prefix0, prefix1, ...`: n index names. */
export const names = (prefix: string, n: number) => Array.from({ length: n }, (_, d) => `${prefix}${d}`);
/** A cache key from parts (arrays written as `[a,b]`). */
export const key = (...parts: readonly unknown[]) => parts.map((p) => (Array.isArray(p) ? `[${p.join(',')}]` : String(p))).join('|');

/**
 * The source helpers for `runGpuKernel` callers, the ones the built-in kernels use: `fn(args, lines)` writes
 * the kernel function, `splitIndex('this.thread.x', names, sizes)` the statements splitting the flat output
 * index into exact integer indices, `address(offset, names, strides)` a strided read position.
 *
 * ```ts
 * const x = tensor([[1, 2], [3, 4], [5, 6]], { device: 'gpu' }).T;   // a [2, 3] view, strides [1, 2]
 * const { fn, splitIndex, address } = gpuSource;
 * const source = fn(['x0', 'o0'], [
 *   ...splitIndex('this.thread.x', ['i', 'j'], x.shape),
 *   `return x0[${address('o0', ['i', 'j'], x.strides)}] * 10;`,   // the view read in place
 * ]);
 * runGpuKernel({ name: 'scaled', source, output: x.shape, inputs: [x], loopBound: 1 }).toArray();   // [[10, 30, 50], [20, 40, 60]]
 * ```
 */
export const gpuSource = Object.freeze({ fn, splitIndex, address });
