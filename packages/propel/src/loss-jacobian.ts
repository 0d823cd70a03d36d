// Layer: propel. The numerical core of the PROPEL loss on flat row-major arrays: one pass over the samples
// that computes each sample's loss in the stable log form and (when asked) its Jacobian d L_b / d output,
// with the hand-derived gradient formulas of docs PROPEL.md ("Stable form"). Numbers and typed arrays only:
// the arguments are checked by kernel.ts (`propelForward`) before they get here, and a sample the loop cannot
// handle is reported back, not thrown, for inputs.ts's `diagnoseSample` to explain.
//
// Samples are independent, so large batches run on every core: kernel.ts hands `propelSamples` to
// '@propel-ts/tensor''s parallelFor, which runs it on ranges of samples in worker threads from its source
// text. That is why `propelSamples` is one function holding its constants and helpers: it may refer to
// nothing outside itself. A sample's numbers do not depend on which range it falls in, so the bits are the
// same whatever the thread count. Imports only a type.
import type { FloatArray } from './inputs';

/**
 * One sample's unpacked values and the working arrays of both paths, allocated once per range of samples
 * and overwritten for each sample (a loop over samples allocates nothing).
 */
interface SampleScratch {
  readonly I: number;
  readonly n: number;
  /** `[I, n]` means, variances and dv/ds (the transform's derivative); `[n]` target. */
  readonly mu: Float64Array;
  readonly v: Float64Array;
  readonly dvds: Float64Array;
  readonly t: Float64Array;
  /** Fast path, `[I, n]`: 1/(v_g + v_id) and t_d - mu_id, kept from the T1 loop for the Jacobian. */
  readonly r1: Float64Array;
  readonly e1: Float64Array;
  /** Fast path, `[I]`: Mahalanobis sums, products of v_g + v_id and of v_id, unnormalised T1 weights. */
  readonly q1: Float64Array;
  readonly prodS: Float64Array;
  readonly prodV: Float64Array;
  readonly u1: Float64Array;
  /** `[I, n]`: sum_k p_k dc_k/dmu and dc_k/dv (unnormalised on the fast path; the slow path's gradient). */
  readonly cmu: Float64Array;
  readonly cv: Float64Array;
  /** Fast path, `[n]` per pair: 1/(v_id + v_jd) and mu_id - mu_jd. */
  readonly rp: Float64Array;
  readonly dp: Float64Array;
  /** Slow path: normalised weights of the T1 terms `[I]` and the T2 terms `[I(I+1)/2]`, and their logs. */
  readonly w1: Float64Array;
  readonly w2: Float64Array;
  readonly a: Float64Array;
  readonly c: Float64Array;
  /** Slow path's result: [log T1, log T2]. */
  readonly out2: Float64Array;
}

/** What `propelSamples` runs on: output, target, lossPerSample, logT1, logT2, jacobian, params. */
export type PropelArrays = readonly [FloatArray, FloatArray, FloatArray, Float64Array, Float64Array, FloatArray, Float64Array];

/**
 * Samples [b0, b1) of the pass, on `[output, target, lossPerSample, logT1, logT2, jacobian, params]` (the
 * arrays of kernel.ts's LossJacobianArgs; jacobian empty for a loss-only pass; params = [I, n, sigma, mode
 * (0 'paper', 1 'torchpropel'), transform code, 1 when the Jacobian is wanted]). Returns -1 or the first
 * sample of the range it could not handle (the ones after it in the range are left unwritten).
 *
 * The hot loop uses numbers and typed arrays only (the arguments are read into locals first), so V8
 * compiles it once. Log-sum-exps with no log per term: with q the Mahalanobis sums and P the products over
 * n of variances,
 *   T1 terms  exp(a_i - a_r) = exp(-(q_i - q_r)/2) sqrt(P_r / P_i), r = argmin q (term r is 1: no underflow);
 *   T2 terms  relative to M = max(log H(v_g), max_i c_i), which also bounds every pair term (Cauchy-Schwarz:
 *             G(i,j) <= sqrt(H(v_i) H(v_j))), so every scaled term is <= 2 and their sum >= 1.
 * Products leaving [1e-280, 1e280] send the sample to `slowSample` (a log per term).
 *
 * Jacobian (PROPEL.md): dL = (sum_k p_k dc_k - sum_i w_i da_i) / ln 10 with the softmax weights w (T1) and
 * p (T2). The T2 part is accumulated with unnormalised weights while the pairs are visited and scaled by
 * 1/sum at the end; the T1 part uses the per-(i,d) 1/S and t - mu kept from the first loop.
 */
export function propelSamples(arrays: PropelArrays, b0: number, b1: number): number {
  const LOG_2PI = Math.log(2 * Math.PI);
  const LOG_2SQRTPI = Math.log(2 * Math.sqrt(Math.PI));
  // products of n factors outside this range are redone as sums of logs (no under/overflow, no subnormals)
  const PROD_LO = 1e-280;
  const PROD_HI = 1e280;
  const [output, target, lossPerSample, logT1, logT2, jacobian, params] = arrays;
  // integers as int32 (a Float64Array gives doubles, and every index below would be computed in floating point)
  const I = params[0]! | 0, n = params[1]! | 0, sigma = params[2]!, code = params[4]! | 0;
  const jac = params[5] === 1 ? jacobian : null;
  const vg = sigma * sigma;
  // log H(P_gt): n-dimensional in 'paper' mode, the 1-D formula in 'torchpropel' mode (the reference's bug 1)
  const c0 = params[3] === 0 ? -n * LOG_2SQRTPI - n * Math.log(sigma) : -LOG_2SQRTPI - Math.log(sigma);
  const row = 2 * n;
  const grad = jac !== null;
  const logT1Const = Math.log(2 / I) - 0.5 * n * LOG_2PI;     // log(2/I) + log G normaliser
  const cSelfConst = -2 * Math.log(I) - n * LOG_2SQRTPI;      // log(1/I²) + log H normaliser
  const pairRatio = 2 * Math.pow(2, n / 2);                    // exp(log(2/I²) + log G normaliser - cSelfConst)
  const scratch = allocScratch(I, n);
  const { mu, v, dvds, t, r1, e1, q1, prodS, prodV, u1, cmu, cv, rp, dp, out2 } = scratch;

  for (let b = b0; b < b1; b++) {
    const ob = b * I * row;
    const tb = b * n;
    // load; `x - x` is 0 for finite x and NaN otherwise; a variance must be finite and > 0
    let bad = 0;
    for (let d = 0; d < n; d++) {
      const x = target[tb + d]!;
      bad += x - x;
      t[d] = x;
    }
    for (let i = 0; i < I; i++) {
      const oi = ob + i * row;
      const ki = i * n;
      for (let d = 0; d < n; d++) {
        const m = output[oi + d]!;
        const s = output[oi + n + d]!;
        let vv: number;
        let dv: number;
        if (code === 0) {            // v = s², dv/ds = 2s
          vv = s * s;
          dv = 2 * s;
        } else if (code === 1) {     // std = softplus(s) = max(s,0) + log1p(e^-|s|), dstd/ds = sigmoid(s)
          const z = Math.exp(-Math.abs(s));
          const sd = (s > 0 ? s : 0) + Math.log1p(z);
          vv = sd * sd;
          dv = (2 * sd * (s > 0 ? 1 : z)) / (1 + z);
        } else {                     // std = e^s, v = e^2s, dv/ds = 2v
          vv = Math.exp(2 * s);
          dv = 2 * vv;
        }
        bad += m - m + (vv - vv);
        if (!(vv > 0)) bad = NaN;
        mu[ki + d] = m;
        v[ki + d] = vv;
        dvds[ki + d] = dv;
      }
    }
    if (bad !== 0) return b;

    // T1 terms a_i and T2 self terms c_i: Mahalanobis sums and products
    let inRange = true;
    let qMin = Infinity;
    let minPV = Infinity;
    for (let i = 0; i < I; i++) {
      const ki = i * n;
      let q = 0;
      let pS = 1;
      let pV = 1;
      for (let d = 0; d < n; d++) {
        const vv = v[ki + d]!;
        const S = vg + vv;
        const r = 1 / S;
        const e = t[d]! - mu[ki + d]!;
        r1[ki + d] = r;
        e1[ki + d] = e;
        q += e * e * r;
        pS *= S;
        pV *= vv;
      }
      q1[i] = q;
      prodS[i] = pS;
      prodV[i] = pV;
      if (q < qMin) qMin = q;
      if (pV < minPV) minPV = pV;
      if (!(pS > PROD_LO && pS < PROD_HI && pV > PROD_LO && pV < PROD_HI)) inRange = false;
    }
    let l1 = 0;
    let l2 = 0;
    if (inRange) {
      let sumA = 0;
      for (let i = 0; i < I; i++) {
        const e = Math.exp(-0.5 * (q1[i]! - qMin)) / Math.sqrt(prodS[i]!);
        u1[i] = e;
        sumA += e;
      }
      l1 = logT1Const - 0.5 * qMin + Math.log(sumA);

      const selfMax = cSelfConst - 0.5 * Math.log(minPV);
      const M = selfMax > c0 ? selfMax : c0;
      const selfScale = Math.exp(cSelfConst - M);
      const pairScale = selfScale * pairRatio;
      let sumC = Math.exp(c0 - M);
      for (let i = 0; i < I; i++) {
        const u = selfScale / Math.sqrt(prodV[i]!);
        sumC += u;
        if (grad) {
          const ki = i * n;
          const hu = -0.5 * u;
          for (let d = 0; d < n; d++) {
            cmu[ki + d] = 0;
            cv[ki + d] = hu / v[ki + d]!; // dc_i/dv = -1/(2v)
          }
        }
      }
      for (let i = 0; i < I && inRange; i++) {
        const ki = i * n;
        for (let j = i + 1; j < I; j++) {
          const kj = j * n;
          let q = 0;
          let pS = 1;
          for (let d = 0; d < n; d++) {
            const S = v[ki + d]! + v[kj + d]!;
            const r = 1 / S;
            const e = mu[ki + d]! - mu[kj + d]!;
            rp[d] = r;
            dp[d] = e;
            q += e * e * r;
            pS *= S;
          }
          if (!(pS > PROD_LO && pS < PROD_HI)) { inRange = false; break; }
          const u = (pairScale * Math.exp(-0.5 * q)) / Math.sqrt(pS);
          sumC += u;
          if (grad && u !== 0) {
            // dc_ij/dmu_i = -(mu_i - mu_j)/S' = -dc_ij/dmu_j;  dc_ij/dv_i = dc_ij/dv_j = (mu_i - mu_j)²/(2S'²) - 1/(2S')
            for (let d = 0; d < n; d++) {
              const r = rp[d]!;
              const e = dp[d]!;
              const ue = u * e * r;
              cmu[ki + d]! -= ue;
              cmu[kj + d]! += ue;
              const h = 0.5 * r * (ue * e - u);
              cv[ki + d]! += h;
              cv[kj + d]! += h;
            }
          }
        }
      }
      if (inRange) {
        l2 = M + Math.log(sumC);
        if (jac !== null) {
          // dL/dmu = (p·dc/dmu - w (t - mu)/S) / ln10;  dL/dv = (p·dc/dv - w ((t - mu)²/(2S²) - 1/(2S))) / ln10
          const gA = 1 / (sumA * Math.LN10);
          const gC = 1 / (sumC * Math.LN10);
          for (let i = 0; i < I; i++) {
            const oi = ob + i * row;
            const ki = i * n;
            const wi = u1[i]! * gA;
            for (let d = 0; d < n; d++) {
              const r = r1[ki + d]!;
              const e = e1[ki + d]!;
              const we = wi * e * r;
              jac[oi + d] = cmu[ki + d]! * gC - we;
              jac[oi + n + d] = (cv[ki + d]! * gC - 0.5 * r * (we * e - wi)) * dvds[ki + d]!;
            }
          }
        }
      }
    }
    if (!inRange) {
      slowSample(scratch, vg, c0);
      l1 = out2[0]!;
      l2 = out2[1]!;
      if (jac !== null) jacobianFromWeights(scratch, vg, jac, ob);
    }
    const L = (l2 - l1) / Math.LN10;
    logT1[b] = l1;
    logT2[b] = l2;
    if (!(L - L === 0)) return b;
    lossPerSample[b] = L;
  }
  return -1;

  // ---- helpers (inside, so that the function's text is all it needs) ----

  function allocScratch(I: number, n: number): SampleScratch {
    const In = I * n;
    const K = (I * (I + 1)) / 2;
    const f = (len: number) => new Float64Array(len);
    return {
      I, n, mu: f(In), v: f(In), dvds: f(In), t: f(n), r1: f(In), e1: f(In), q1: f(I), prodS: f(I), prodV: f(I),
      u1: f(I), cmu: f(In), cv: f(In), rp: f(n), dp: f(n), w1: f(I), w2: f(K), a: f(I), c: f(K), out2: f(2),
    };
  }

  /** sum_d log(x[xo + d] + (y ? y[yo + d] : c)). */
  function sumLogs(x: Float64Array, xo: number, y: Float64Array | null, yo: number, c: number, n: number): number {
    let s = 0;
    for (let d = 0; d < n; d++) s += Math.log(x[xo + d]! + (y ? y[yo + d]! : c));
    return s;
  }

  /**
   * One sample in the plain stable form (each term's log, then log-sum-exp with its max), for variances whose
   * products over n leave the range where the fast path multiplies them. Writes the normalised weights w1
   * (T1 terms) and w2 (T2 self terms then pairs) and [log T1, log T2] to out2.
   */
  function slowSample(s: SampleScratch, vg: number, c0: number): void {
    const { I, n, mu, v, t, w1, w2, a, c, out2 } = s;
    const K = (I * (I + 1)) / 2;
    let maxA = -Infinity;
    let maxC = c0;
    for (let i = 0; i < I; i++) {
      const ki = i * n;
      let q = 0;
      for (let d = 0; d < n; d++) {
        const e = t[d]! - mu[ki + d]!;
        q += (e * e) / (vg + v[ki + d]!);
      }
      const ai = -0.5 * n * LOG_2PI - 0.5 * q - 0.5 * sumLogs(v, ki, null, 0, vg, n);
      a[i] = ai;
      if (ai > maxA) maxA = ai;
      const ci = -2 * Math.log(I) - n * LOG_2SQRTPI - 0.5 * sumLogs(v, ki, null, 0, 0, n);
      c[i] = ci;
      if (ci > maxC) maxC = ci;
    }
    let k = I;
    for (let i = 0; i < I; i++) {
      for (let j = i + 1; j < I; j++) {
        let q = 0;
        for (let d = 0; d < n; d++) {
          const e = mu[i * n + d]! - mu[j * n + d]!;
          q += (e * e) / (v[i * n + d]! + v[j * n + d]!);
        }
        const cij = Math.log(2) - 2 * Math.log(I) - 0.5 * n * LOG_2PI - 0.5 * q - 0.5 * sumLogs(v, i * n, v, j * n, 0, n);
        c[k++] = cij;
        if (cij > maxC) maxC = cij;
      }
    }
    let sumA = 0;
    for (let i = 0; i < I; i++) sumA += (w1[i] = Math.exp(a[i]! - maxA));
    for (let i = 0; i < I; i++) w1[i]! /= sumA;
    let sumC = Math.exp(c0 - maxC);
    for (let kk = 0; kk < K; kk++) sumC += (w2[kk] = Math.exp(c[kk]! - maxC));
    for (let kk = 0; kk < K; kk++) w2[kk]! /= sumC;
    out2[0] = Math.log(2 / I) + maxA + Math.log(sumA);
    out2[1] = maxC + Math.log(sumC);
  }

  /** The slow path's Jacobian of one sample from normalised weights (the same formulas as the fast path). */
  function jacobianFromWeights(s: SampleScratch, vg: number, jac: FloatArray, ob: number): void {
    // cmu and cv are free on the slow path: they hold this sample's gradient with respect to mu and v
    const { I, n, mu, v, dvds, t, w1, w2, cmu: gmu, cv: gv } = s;
    const g = 1 / Math.LN10;
    for (let i = 0; i < I; i++) {
      const wi = g * w1[i]!;
      const pi = 0.5 * g * w2[i]!;
      for (let d = 0; d < n; d++) {
        const k = i * n + d;
        const r = 1 / (vg + v[k]!);
        const e = t[d]! - mu[k]!;
        const we = wi * e * r;
        gmu[k] = -we;
        gv[k] = -0.5 * r * (we * e - wi) - pi / v[k]!;
      }
    }
    let kk = I;
    for (let i = 0; i < I; i++) {
      for (let j = i + 1; j < I; j++) {
        const pij = g * w2[kk++]!;
        for (let d = 0; d < n; d++) {
          const ki = i * n + d;
          const kj = j * n + d;
          const r = 1 / (v[ki]! + v[kj]!);
          const e = mu[ki]! - mu[kj]!;
          const pe = pij * e * r;
          gmu[ki]! -= pe;
          gmu[kj]! += pe;
          const h = 0.5 * r * (pe * e - pij);
          gv[ki]! += h;
          gv[kj]! += h;
        }
      }
    }
    for (let i = 0; i < I; i++) {
      for (let d = 0; d < n; d++) {
        const k = i * n + d;
        jac[ob + i * 2 * n + d] = gmu[k]!;
        jac[ob + i * 2 * n + n + d] = gv[k]! * dvds[k]!;
      }
    }
  }
}
