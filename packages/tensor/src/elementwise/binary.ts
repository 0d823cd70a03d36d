// Layer: tensor/elementwise. The declarations of the binary ops (arithmetic, pow, maximum/minimum, atan2 and
// the comparisons, which give 0 or 1 in the input dtype), one entry per op (see declare.ts), and after the
// table each op's public function. Inputs arrive broadcast to one shape (stride-0 views), so a derivative
// is written for equal shapes; the sum back to a broadcast input's shape is expand's backward, in autograd.
import type { BinaryDecl, Diff, Draw } from './declare';
import { DRAW } from './declare';
import { atanLines } from './gpu-lines';
import { binaryFunction } from './apply';

const small = (g: Draw): [number, number] => [DRAW.small(g), DRAW.small(g)];
const mixed = (g: Draw): [number, number] => [DRAW.mixed(g), DRAW.mixed(g)];
const normal = (g: Draw): [number, number] => [DRAW.normal(g), DRAW.normal(g)];
/** A comparison: no gradient (its 0/1 result is a constant), exact on every device. */
const COMPARISON = { grad: 'none', test: { smooth: [[-1, 1], [-1, 1]], draw: small, gpu: 'exact' } } as const;

export const BINARY = {
  add: {
    cpu: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! + b[bo + i * bs]!; },
    gpu: 'let y = u + w;',
    grad: (_d, { dy }) => [dy, dy],
    test: { smooth: [[-1, 1], [-1, 1]], draw: normal, gpu: 'exact' },
  },
  sub: {
    cpu: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! - b[bo + i * bs]!; },
    gpu: 'let y = u - w;',
    grad: (d, { dy }) => [dy, d.neg(dy)],
    test: { smooth: [[-1, 1], [-1, 1]], draw: normal, gpu: 'exact' },
  },
  mul: {
    cpu: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! * b[bo + i * bs]!; },
    gpu: 'let y = u * w;',
    grad: (d, { a, b, dy, needs }) => [needs[0] ? d.mul(dy, b) : null, needs[1] ? d.mul(dy, a) : null],
    test: { smooth: [[-1, 1], [-1, 1]], draw: normal, gpu: 'exact' },
  },
  div: {
    cpu: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! / b[bo + i * bs]!; },
    gpu: 'let y = u / w;',
    // d(a/b) = da / b - (dy·(a/b)) db / b: divided twice rather than by b², which underflows (as PyTorch),
    // and dy first: (a/b)/b alone may overflow float32 where dy·a/b² does not, and dy = 0 (a masked-out
    // element) would then give 0·∞ = NaN instead of 0
    grad: (d, { b, y, dy, needs }) => [needs[0] ? d.div(dy, b) : null, needs[1] ? d.neg(d.div(d.mul(dy, y), b)) : null],
    test: { smooth: [[-1, 1], [0.5, 2]], draw: (g) => [DRAW.normal(g), DRAW.nonzero(g)], gpu: 'rounded' },
  },
  pow: {
    threads: true,
    // C's pow (and PyTorch's), which differs from Math.pow at base ±1: 1^w = 1 for every w (NaN too) and
    // (-1)^±Infinity = 1, where Math.pow gives NaN
    cpu: (a, ao, as, b, bo, bs, y, yo, n) => {
      for (let i = 0; i < n; i++) {
        const u = a[ao + i * as]!, w = b[bo + i * bs]!;
        y[yo + i] = u === 1 || (u === -1 && (w === Infinity || w === -Infinity)) ? 1 : Math.pow(u, w);
      }
    },
    // the CPU's rules where GLSL pow is undefined: x^0 = 1, negative bases with integer exponents, and C's
    // base ±1 cases last (after the NaN lines, since 1^NaN = 1)
    gpu: `let y = Math.pow(u, w);
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
if (!(w === w)) { y = w; }
if (u === 1 || (u === -1 && Math.abs(w) === inf)) { y = 1; }`,
    // d(a^b) = b a^(b-1) da + a^b log(a) db, with PyTorch's limits: 0 for da where b = 0 (x^0 is constant),
    // 0 for db where a = 0 and b >= 0 (0^b is constant there; the formula would give 0·-inf = NaN)
    grad: (d, { a, b, y, dy, needs }) => [
      needs[0] ? d.where(d.eq(b, 0), 0, d.mul(dy, d.mul(b, d.pow(a, d.sub(b, 1))))) : null,
      needs[1] ? d.where(d.mul(d.eq(a, 0), d.ge(b, 0)), 0, d.mul(dy, d.mul(y, d.log(a)))) : null,
    ],
    // positive bases with any exponent, and negative bases with integer exponents
    test: {
      smooth: [[0.5, 2], [-2, 2]], gpu: 'transcendental',
      draw: (g) => [g.uniform() < 0.5 ? DRAW.positive(g) : -DRAW.positive(g), DRAW.small(g)],
    },
  },
  maximum: {
    cpu: (a, ao, as, b, bo, bs, y, yo, n) => {
      for (let i = 0; i < n; i++) { const u = a[ao + i * as]!, v = b[bo + i * bs]!; y[yo + i] = u > v || u !== u ? u : v; }
    },
    gpu: 'let y = (u > w || !(u === u)) ? u : w;',
    grad: (d, { a, b, dy }) => {
      const m = pickMask(d, a, b, 'gt');
      return [d.mul(dy, m), d.mul(dy, d.sub(1, m))];
    },
    // disjoint intervals: no ties in gradcheck (the suite's own cases cross over)
    test: { smooth: [[0.5, 1], [-1, 0.3]], draw: mixed, gpu: 'exact' },
  },
  minimum: {
    cpu: (a, ao, as, b, bo, bs, y, yo, n) => {
      for (let i = 0; i < n; i++) { const u = a[ao + i * as]!, v = b[bo + i * bs]!; y[yo + i] = u < v || u !== u ? u : v; }
    },
    gpu: 'let y = (u < w || !(u === u)) ? u : w;',
    grad: (d, { a, b, dy }) => {
      const m = pickMask(d, a, b, 'lt');
      return [d.mul(dy, m), d.mul(dy, d.sub(1, m))];
    },
    test: { smooth: [[0.5, 1], [-1, 0.3]], draw: mixed, gpu: 'exact' },
  },
  atan2: {
    threads: true,
    cpu: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.atan2(a[ao + i * as]!, b[bo + i * bs]!); },
    // atan of min/max in [0, 1], then the octant: pi/2 - r when |y| > |x|, pi - r when x < 0, negated when
    // y < 0; a zero's sign is seen through 1/0 = ±Infinity (as pow does), so atan2(-0, -1) = -π as on the CPU
    gpu: `let au = Math.abs(u);
let aw = Math.abs(w);
let mx = Math.max(au, aw);
let mn = Math.min(au, aw);
let ratio = 0;
if (mx > 0) { ratio = mn / mx; }
if (mx === inf) { ratio = mn === inf ? 1 : 0; }
${atanLines('ratio', 'r')}
if (au > aw) { r = 1.5707963267948966 - r; }
if (w < 0 || (w === 0 && 1 / w < 0)) { r = 3.141592653589793 - r; }
let y = (u < 0 || (u === 0 && 1 / u < 0)) ? -r : r;
if (!(u === u) || !(w === w)) { y = u + w; }`,
    // d atan2(a, b) = (b da - a db) / (a² + b²)
    grad: (d, { a, b, dy, needs }) => {
      const r2 = d.add(d.square(a), d.square(b));
      return [needs[0] ? d.mul(dy, d.div(b, r2)) : null, needs[1] ? d.neg(d.mul(dy, d.div(a, r2))) : null];
    },
    test: { smooth: [[-1, 1], [0.5, 2]], draw: normal, gpu: 'transcendental' },
  },
  eq: { cpu: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! === b[bo + i * bs]! ? 1 : 0; }, gpu: 'let y = u === w ? 1 : 0;', ...COMPARISON },
  ne: { cpu: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! !== b[bo + i * bs]! ? 1 : 0; }, gpu: 'let y = !(u === w) ? 1 : 0;', ...COMPARISON },
  lt: { cpu: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! < b[bo + i * bs]! ? 1 : 0; }, gpu: 'let y = u < w ? 1 : 0;', ...COMPARISON },
  le: { cpu: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! <= b[bo + i * bs]! ? 1 : 0; }, gpu: 'let y = u <= w ? 1 : 0;', ...COMPARISON },
  gt: { cpu: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! > b[bo + i * bs]! ? 1 : 0; }, gpu: 'let y = u > w ? 1 : 0;', ...COMPARISON },
  ge: { cpu: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! >= b[bo + i * bs]! ? 1 : 0; }, gpu: 'let y = u >= w ? 1 : 0;', ...COMPARISON },
} satisfies Record<string, BinaryDecl>;

/**
 * The share of maximum's (or minimum's) gradient that goes to `a`: 1 where a wins, 0 where b wins, ½ at a
 * tie (as PyTorch). At a NaN the output is that NaN, so the NaN operand gets the gradient (½ each when both
 * are NaN); PyTorch gives both operands the full gradient there. A constant (built from masks).
 */
function pickMask<V>(d: Diff<V>, a: V, b: V, first: 'gt' | 'lt'): V {
  const wins = d.add(first === 'gt' ? d.gt(a, b) : d.lt(a, b), d.mul(d.eq(a, b), 0.5));
  return d.add(wins, d.mul(d.ne(a, a), d.sub(1, d.mul(d.ne(b, b), 0.5))));
}

const B = BINARY;
/** a + b with broadcasting. */ export const add = binaryFunction('add', B.add);
/** a - b with broadcasting. */ export const sub = binaryFunction('sub', B.sub);
/** a * b with broadcasting. */ export const mul = binaryFunction('mul', B.mul);
/** a / b with broadcasting. */ export const div = binaryFunction('div', B.div);
/** a ** b with broadcasting (C's pow rules, as PyTorch's: `pow(1, NaN)` and `pow(-1, Infinity)` are 1). */ export const pow = binaryFunction('pow', B.pow);
/** Elementwise max (NaN propagates). */ export const maximum = binaryFunction('maximum', B.maximum);
/** Elementwise min (NaN propagates). */ export const minimum = binaryFunction('minimum', B.minimum);
/** The angle of the point (x, y) in (-π, π]: atan2(y, x), with broadcasting (PyTorch's argument order). */
export const atan2 = binaryFunction('atan2', B.atan2);
/** 1 where a == b else 0. */ export const eq = binaryFunction('eq', B.eq);
/** 1 where a != b else 0. */ export const ne = binaryFunction('ne', B.ne);
/** 1 where a < b else 0. */ export const lt = binaryFunction('lt', B.lt);
/** 1 where a <= b else 0. */ export const le = binaryFunction('le', B.le);
/** 1 where a > b else 0. */ export const gt = binaryFunction('gt', B.gt);
/** 1 where a >= b else 0. */ export const ge = binaryFunction('ge', B.ge);
