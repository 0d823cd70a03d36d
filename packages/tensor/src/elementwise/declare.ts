// Layer: tensor/elementwise. What one elementwise op is, in one place: its CPU row loop, its GPU statements,
// its derivative and the inputs its tests use. The declaration files (unary-*.ts, binary.ts) hold one entry
// per op; everything else is derived from them: the op-name unions, the backends' kernels (the public
// function hands the entry to the backend), the Tensor and Variable methods, the autograd op, and the
// property, parity and gradient-check tables. Imports only types; holds the tests' input distributions.
import type { TypedArray } from '../dtype';

type A = TypedArray;
/** y[yo + i] = f(x[xo + i*xs]) for i < n (y is contiguous). */
export type UnaryRow = (x: A, xo: number, xs: number, y: A, yo: number, n: number) => void;
/** y[yo + i] = f(a[ao + i*as], b[bo + i*bs]) for i < n. */
export type BinaryRow = (a: A, ao: number, as: number, b: A, bo: number, bs: number, y: A, yo: number, n: number) => void;

/**
 * The differentiable ops a derivative is written with. The autograd package passes its own (recorded on the
 * tape when a graph of the backward is wanted), so every derivative is itself differentiable: second order
 * works for every op without a second formula. Comparisons and `sign` give constants (no gradient flows
 * through a mask). `V` is the autograd package's Variable; numbers are scalar constants.
 */
export interface Diff<V> {
  add(a: V | number, b: V | number): V;
  sub(a: V | number, b: V | number): V;
  mul(a: V | number, b: V | number): V;
  div(a: V | number, b: V | number): V;
  neg(x: V): V;
  square(x: V): V;
  sqrt(x: V): V;
  exp(x: V): V;
  log(x: V): V;
  sin(x: V): V;
  cos(x: V): V;
  sigmoid(x: V): V;
  /** `cond ? a : b` elementwise; cond is a constant mask. */
  where(cond: V, a: V | number, b: V | number): V;
  /** Constant masks (1 or 0, no gradient). */
  eq(a: V, b: V | number): V;
  ne(a: V, b: V | number): V;
  lt(a: V, b: V | number): V;
  le(a: V, b: V | number): V;
  gt(a: V, b: V | number): V;
  ge(a: V, b: V | number): V;
  pow(a: V | number, b: V | number): V;
  /** The sign of x as a constant (-1, 0, 1; NaN at NaN). */
  sign(x: V): V;
  /** Zeros like x (a constant). */
  zerosLike(x: V): V;
}

/**
 * How the 'gpu' device must agree with the CPU (float32; u = 2^-24), as test/tensor/gpu-parity.test.ts
 * states: 'exact' (one correctly rounded operation, or data movement), 'rounded' (4u relative: GL may not
 * round division and square roots correctly), 'transcendental' (2e-6 relative + 1e-7 absolute).
 */
export type GpuTolerance = 'exact' | 'rounded' | 'transcendental';

/** A seeded source of numbers for drawing test inputs (the tensor package's Generator is one). */
export interface Draw { uniform(): number; normal(): number }

/** The inputs an op is tested on. Required: an op without them does not compile. */
export interface OpTest {
  /**
   * An interval where the op is smooth (no kink, pole or step inside): gradcheck and gradgradcheck draw
   * their float64 inputs uniformly from it. `awayFromZero: true` draws magnitudes from it with random signs.
   */
  smooth: readonly [number, number];
  awayFromZero?: boolean;
  /** Inputs for the GPU parity suite (default: uniform over `smooth`). */
  draw?: (g: Draw) => number;
  gpu: GpuTolerance;
  /**
   * float64 results within this many ulp of the test oracle (default 0: exact, for kernels that call the
   * same Math function as the oracle); float32 results are the float64 result rounded once, within
   * `ulp32` float32 ulp (default 0).
   */
  ulp64?: number;
  ulp32?: number;
  /** Also checked to second order (gradgradcheck). Default true for ops with a derivative. */
  secondOrder?: boolean;
}

/** One elementwise function of one argument. */
export interface UnaryDecl {
  /** The CPU kernel: one strided row in, one contiguous row out. */
  readonly cpu: UnaryRow;
  /**
   * Run large inputs over the worker threads (backends/cpu/parallel-map.ts): for ops whose per-element work
   * (a transcendental function, 10 ns or more an element) pays for copying the operands to the shared memory.
   * The row loop must then refer to nothing outside itself (it travels as source text; checked at run time,
   * and one that cannot travel stays on the calling thread).
   */
  readonly threads?: boolean;
  /**
   * The GPU kernel: gpu.js statements reading `v` and defining `y` (plain JavaScript that gpu.js translates:
   * no closures; `nan` and `inf` name NaN and Infinity). NaN in gives NaN out without being written here.
   */
  readonly gpu: string;
  /**
   * The derivative: the gradient wrt x given the upstream gradient dy and the output y, written with `d`'s
   * differentiable ops. 'zero': piecewise constant with a zero gradient (floor: PyTorch's convention).
   * 'none': no gradient at all (sign): the result is a constant.
   */
  readonly grad: (<V>(d: Diff<V>, io: { x: V; y: V; dy: V }) => V) | 'zero' | 'none';
  readonly test: OpTest;
}

/** One elementwise function of two arguments (already broadcast to one shape). */
export interface BinaryDecl {
  readonly cpu: BinaryRow;
  /** As UnaryDecl's. */
  readonly threads?: boolean;
  /** gpu.js statements reading `u` and `w`, defining `y`. */
  readonly gpu: string;
  /**
   * The gradients wrt a and b (null where `needs` says it is not wanted). 'none': comparisons, whose 0/1
   * result is a constant.
   */
  readonly grad: (<V>(d: Diff<V>, io: { a: V; b: V; y: V; dy: V; needs: readonly [boolean, boolean] }) => [V | null, V | null]) | 'none';
  readonly test: {
    /** Intervals for a and b where the op is smooth (gradcheck's inputs). */
    smooth: readonly [readonly [number, number], readonly [number, number]];
    /** Inputs for the GPU parity suite. */
    draw?: (g: Draw) => [number, number];
    gpu: GpuTolerance;
    secondOrder?: boolean;
  };
}

/** A kernel as a backend receives it: the op's name (for caches and messages) and its two forms. */
export interface UnaryKernel { readonly name: string; readonly cpu: UnaryRow; readonly gpu: string; readonly threads: boolean }
export interface BinaryKernel { readonly name: string; readonly cpu: BinaryRow; readonly gpu: string; readonly threads: boolean }

/** The parity suite's usual input distributions. */
export const DRAW = {
  normal: (g: Draw) => 2 * g.normal(),
  positive: (g: Draw) => 0.1 + 4 * g.uniform(),
  /** small integers: ties for comparisons, exact integer exponents */
  small: (g: Draw) => Math.round(6 * g.uniform() - 3),
  mixed: (g: Draw) => (g.uniform() < 0.5 ? DRAW.small(g) : DRAW.normal(g)),
  nonzero: (g: Draw) => (g.uniform() < 0.5 ? -1 : 1) * (0.25 + 3 * g.uniform()),
  /** uniform in [lo, hi) */
  between: (lo: number, hi: number) => (g: Draw) => lo + (hi - lo) * g.uniform(),
} as const;
