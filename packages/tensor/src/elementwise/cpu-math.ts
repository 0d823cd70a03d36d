// Layer: tensor/elementwise. The CPU row loops of the ops Math does not give (or not fast enough): tanh for
// float32 results, and erf in float64. Imports only a type.
import type { TypedArray } from '../dtype';

// tanh for float32 results: a rational approximation (odd degree-13 / even degree-6 polynomials, the form
// Eigen uses for float) for |x| <= 7.9, and (1 - e^-2|x|) / (1 + e^-2|x|) beyond. Within 4 float32 ulp of
// the correctly rounded value (3 seen; checked on a dense grid in test/tensor/kernels.property.test.ts)
// and about 4x faster than Math.tanh, which dominated small MLP training steps. float64 keeps Math.tanh.
//
// Both row loops here are self-contained (their constants and helpers inside them): large inputs run them on
// the worker threads, which get a row loop as its source text (backends/cpu/parallel-map.ts).

/** tanh's row loop: float32 results by the approximation (|x| < 4e-4 returns x, exact in float32), float64 by Math.tanh. */
export function tanhRow(x: TypedArray, xo: number, xs: number, y: TypedArray, yo: number, n: number): void {
  if (!(y instanceof Float32Array)) {
    for (let i = 0; i < n; i++) y[yo + i] = Math.tanh(x[xo + i * xs]!);
    return;
  }
  const TA1 = 4.89352455891786e-3, TA3 = 6.37261928875436e-4, TA5 = 1.48572235717979e-5, TA7 = 5.12229709037114e-8;
  const TA9 = -8.60467152213735e-11, TA11 = 2.00018790482477e-13, TA13 = -2.76076847742355e-16;
  const TB0 = 4.89352518554385e-3, TB2 = 2.268434632439e-3, TB4 = 1.18534705686654e-4, TB6 = 1.19825839466702e-6;
  const TCLAMP = 7.90531110763549805;
  for (let i = 0; i < n; i++) {
    const v = x[xo + i * xs]!;
    const ax = Math.abs(v);
    if (!(ax >= 0.0004)) {
      y[yo + i] = v; // also NaN
    } else if (ax > TCLAMP) {
      const e = Math.exp(-2 * ax);
      const t = (1 - e) / (1 + e);
      y[yo + i] = v < 0 ? -t : t;
    } else {
      const x2 = v * v;
      const p = v * (TA1 + x2 * (TA3 + x2 * (TA5 + x2 * (TA7 + x2 * (TA9 + x2 * (TA11 + x2 * TA13))))));
      const q = TB0 + x2 * (TB2 + x2 * (TB4 + x2 * TB6));
      y[yo + i] = p / q;
    }
  }
}

/**
 * erf's row loop, in float64 (JavaScript has no Math.erf): the Maclaurin series for |x| < 1 (its terms
 * fall from the first, so the alternating sum loses nothing), beyond it 1 - erfc(|x|) with erfc's
 * continued fraction (modified Lentz), and ±1 from |x| = 6 on. Within 4 ulp of Python's math.erf on a dense
 * grid (test/tensor/erf.test.ts). erf(±∞) = ±1, NaN stays NaN. float32 results are the float64 value rounded.
 */
export function erfRow(x: TypedArray, xo: number, xs: number, y: TypedArray, yo: number, n: number): void {
  const TWO_OVER_SQRT_PI = 1.1283791670955126;
  const ONE_OVER_SQRT_PI = 0.5641895835477563;
  /** e^(-a²) without the rounding error of a² (a split into 26-bit halves, so ah² is exact). */
  const expMinusSquare = (a: number): number => {
    const c = a * 134217729;
    const ah = c - (c - a), al = a - ah;
    return Math.exp(-ah * ah) * Math.exp(-al * (2 * ah + al));
  };
  const erf = (v: number): number => {
    const a = Math.abs(v);
    if (!(a >= 1)) {
      if (!(a === a) || v === 0) return v; // NaN; ±0 keeps its sign (erf is odd), which the sum below loses
      // v Σ (-v²)^n / (n! (2n+1)), to a term below 1e-17 of the sum
      const q = v * v;
      let term = v, sum = v;
      for (let k = 1; k < 30; k++) {
        term *= -q / k;
        const t = term / (2 * k + 1);
        sum += t;
        if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
      }
      return TWO_OVER_SQRT_PI * sum;
    }
    let r: number;
    if (a < 6) {
      // erfc(a) = e^(-a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + ...)))), evaluated by modified Lentz
      const tiny = 1e-300;
      let f = a, C = a, D = 0;
      for (let k = 1; k < 500; k++) {
        const an = k / 2;
        D = a + an * D;
        D = D === 0 ? 1 / tiny : 1 / D;
        C = a + an / C;
        if (C === 0) C = tiny;
        const delta = C * D;
        f *= delta;
        if (Math.abs(delta - 1) < 1e-16) break;
      }
      r = 1 - ONE_OVER_SQRT_PI * expMinusSquare(a) / f;
    } else {
      r = 1; // erfc(6) = 2e-17 is below half an ulp of 1
    }
    return v < 0 ? -r : r;
  };
  for (let i = 0; i < n; i++) y[yo + i] = erf(x[xo + i * xs]!);
}
