// In-page checks, run in each gpu.js mode this browser offers (no DOM here; main.ts shows the results):
//
// 1. Tensor parity: a subset of test/tensor/gpu-parity.test.ts. Seeded random inputs, some read through
//    non-contiguous views (transposed, sliced with a step, broadcast), computed on 'cpu' and on 'gpu'.
//    Tolerances (float32, u = 2^-24; |gpu - cpu| <= atol + rtol·|cpu|):
//      exact (0): add, mul (one correctly rounded float32 operation on both sides);
//      4u relative: div (GL may not round division correctly: a few ulp);
//      2e-6 relative + 1e-7 absolute: exp, tanh, softplus (the device's transcendental functions);
//      sum and matmul over k terms: 2·k·u·Σ|terms| per output (the float32 bound for a k-term sum).
// 2. PROPEL reference: cases of test/fixtures/propel/reference-seed15.json (float64 reference values) through
//    the fused op on 'gpu' tensors (float32): the loss within rtol 1e-4 + atol 1e-6, d loss / d output
//    within rtol 1e-3 + atol 1e-5·max(1, max|reference gradient|), as in test/propel/kernel.test.ts.
import * as T from '@propel-ts/tensor';
import { variable } from '@propel-ts/autograd';
import { propelLoss } from '@propel-ts/propel';
import fixture, { type ReferenceCase } from 'propel-reference-fixture';

export interface CheckResult {
  suite: 'parity' | 'reference';
  mode: T.GpuMode;
  name: string;
  pass: boolean;
  /** The tolerance, in words. */
  tolerance: string;
  /** Worst |error| / allowed over the elements (<= 1 passes), or the error message. */
  detail: string;
  ms: number;
}

const U = 2 ** -24;

interface Tol { rtol: number; atol: number }
const EXACT: Tol = { rtol: 0, atol: 0 };
const ROUNDED: Tol = { rtol: 4 * U, atol: 0 };
const TRANSCENDENTAL: Tol = { rtol: 2e-6, atol: 1e-7 };

function tolText(t: Tol): string {
  if (t.rtol === 0 && t.atol === 0) return 'exact';
  if (t.atol === 0) return `${Math.round(t.rtol / U)}u rel`;
  return `${t.rtol.toExponential(0)} rel + ${t.atol.toExponential(0)}`;
}

/** Compare element by element: ok when every |got - want| <= bound (NaN must match NaN); the text names the worst element. */
function compare(got: ArrayLike<number>, want: ArrayLike<number>, bound: (i: number, w: number) => number): { ok: boolean; text: string } {
  if (got.length !== want.length) return { ok: false, text: `length ${got.length}, expected ${want.length}` };
  let worst = -1, worstRatio = 0, failures = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Number.isNaN(g) !== Number.isNaN(w) || (!Number.isFinite(w) && g !== w)) {
      failures++;
      worst = i;
      worstRatio = Infinity;
      continue;
    }
    if (!Number.isFinite(w)) continue;
    const limit = bound(i, w);
    const err = Math.abs(g - w);
    const ratio = err === 0 ? 0 : limit === 0 ? Infinity : err / limit;
    if (ratio > 1) failures++;
    if (ratio > worstRatio || worst < 0) { worst = i; worstRatio = ratio; }
  }
  const at = worst < 0 ? '' : ` (element ${worst}: got ${got[worst]}, want ${want[worst]})`;
  if (failures > 0) return { ok: false, text: `${failures} of ${want.length} elements outside the tolerance; worst ${worstRatio.toPrecision(3)}× the bound${at}` };
  return { ok: true, text: `${want.length} elements; worst error ${worstRatio.toPrecision(2)}× the bound` };
}

function random(g: T.Generator, shape: number[], draw: (g: T.Generator) => number): T.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return T.tensor(Float32Array.from({ length: n }, () => draw(g)), { shape });
}

const normal = (g: T.Generator) => 2 * g.normal();
const nonzero = (g: T.Generator) => (g.uniform() < 0.5 ? -1 : 1) * (0.25 + 3 * g.uniform());

interface ParityCase {
  name: string;
  /** CPU inputs (the device gets uploaded copies). */
  inputs: (g: T.Generator) => T.Tensor[];
  /** The computation, applied to the CPU inputs and to their device copies alike (views included). */
  f: (...xs: T.Tensor[]) => T.Tensor;
  tol: Tol | { sumOver: (...xs: T.Tensor[]) => { k: number; absSum: T.Tensor } };
}

const PARITY: ParityCase[] = [
  { name: 'add [64,96] + [96] (broadcast)', inputs: (g) => [random(g, [64, 96], normal), random(g, [96], normal)], f: (a, b) => T.add(a!, b!), tol: EXACT },
  { name: 'mul [96,64]ᵀ · [64,96] (transposed view)', inputs: (g) => [random(g, [96, 64], normal), random(g, [64, 96], normal)], f: (a, b) => T.mul(a!.transpose(), b!), tol: EXACT },
  { name: 'div [50,81] / [50,81]', inputs: (g) => [random(g, [50, 81], normal), random(g, [50, 81], nonzero)], f: (a, b) => T.div(a!, b!), tol: ROUNDED },
  { name: 'exp [4096]', inputs: (g) => [random(g, [4096], normal)], f: (a) => T.exp(a!), tol: TRANSCENDENTAL },
  { name: 'tanh [40,100] sliced (step 2)', inputs: (g) => [random(g, [40, 200], normal)], f: (a) => T.tanh(a!.slice(1, 0, 200, 2)), tol: TRANSCENDENTAL },
  { name: 'softplus [3000]', inputs: (g) => [random(g, [3000], (r) => 12 * r.normal())], f: (a) => T.softplus(a!), tol: TRANSCENDENTAL },
  {
    name: 'sum [6,5000] over axis 1 (past the 1000-iteration loop cap)',
    inputs: (g) => [random(g, [6, 5000], normal)],
    f: (a) => T.sum(a!, { axis: 1 }),
    tol: { sumOver: (a) => ({ k: 5000, absSum: T.sum(T.abs(a!), { axis: 1 }) }) },
  },
  {
    name: 'sum of [3,20000] (two-pass reduction)',
    inputs: (g) => [random(g, [3, 20000], normal)],
    f: (a) => T.sum(a!),
    tol: { sumOver: (a) => ({ k: 60000, absSum: T.sum(T.abs(a!)) }) },
  },
  {
    name: 'matmul [33,1500] @ [1500,17]',
    inputs: (g) => [random(g, [33, 1500], normal), random(g, [1500, 17], normal)],
    f: (a, b) => T.matmul(a!, b!),
    tol: { sumOver: (a, b) => ({ k: 1500, absSum: T.matmul(T.abs(a!), T.abs(b!)) }) },
  },
  {
    name: 'matmul [64,48]ᵀ @ [64,40] (transposed view)',
    inputs: (g) => [random(g, [64, 48], normal), random(g, [64, 40], normal)],
    f: (a, b) => T.matmul(a!.transpose(), b!),
    tol: { sumOver: (a, b) => ({ k: 64, absSum: T.matmul(T.abs(a!.transpose()), T.abs(b!)) }) },
  },
];

async function runParity(c: ParityCase, seed: number): Promise<{ ok: boolean; text: string; tolerance: string }> {
  const cpu = c.inputs(new T.Generator(seed));
  const want = c.f(...cpu);
  const got = c.f(...cpu.map((x) => x.to('gpu')));
  if (got.device !== 'gpu') return { ok: false, text: `result is on '${got.device}', expected 'gpu'`, tolerance: '' };
  if (got.shape.join(',') !== want.shape.join(',')) return { ok: false, text: `shape [${got.shape}], expected [${want.shape}]`, tolerance: '' };
  // read back with data(): the one reader every gpu.js mode has (webgpu reads only asynchronously)
  const w = await want.data();
  if ('sumOver' in c.tol) {
    const { k, absSum } = c.tol.sumOver(...cpu);
    const s = await absSum.data();
    return { ...compare(await got.data(), w, (i) => 2 * k * U * s[i]! + 1e-30), tolerance: `2·k·u·Σ|terms|, k = ${k}` };
  }
  const { rtol, atol } = c.tol;
  return { ...compare(await got.data(), w, (_, v) => atol + rtol * Math.abs(v)), tolerance: tolText(c.tol) };
}

async function runReference(c: ReferenceCase): Promise<{ ok: boolean; text: string; tolerance: string }> {
  const output = variable(T.tensor(Float32Array.from(c.output), { shape: [c.B, c.I, 2 * c.n] }).to('gpu'), { requiresGrad: true });
  const target = T.tensor(Float32Array.from(c.target), { shape: [c.B, c.n] }).to('gpu');
  const loss = propelLoss(output, target, { sigma: c.sigma, reduction: c.reduction });
  const scalar = c.reduction === 'none' ? loss.sum() : loss;
  scalar.backward();
  if (loss.value.device !== 'gpu' || output.grad?.device !== 'gpu') return { ok: false, text: 'loss or gradient left the device', tolerance: '' };
  const wantLoss = c.loss === null ? c.loss_per_sample : [c.loss];
  const l = compare(await loss.value.data(), wantLoss, (_, w) => 1e-6 + 1e-4 * Math.abs(w));
  const gScale = Math.max(1, ...c.grad_output.map(Math.abs));
  const g = compare(await output.grad.data(), c.grad_output, (_, w) => 1e-5 * gScale + 1e-3 * Math.abs(w));
  return {
    ok: l.ok && g.ok,
    text: `loss: ${l.text}; grad: ${g.text}`,
    tolerance: 'loss 1e-4 rel + 1e-6, grad 1e-3 rel + 1e-5·max(1, max|g|)',
  };
}

/** Every check, one per yield, in each of `modes`. Restores the requested gpu.js mode afterwards. */
export async function runChecks(modes: readonly T.GpuMode[], onResult: (r: CheckResult) => void, yieldNow: () => Promise<void>): Promise<CheckResult[]> {
  const before = T.gpuInfo().requested;
  const results: CheckResult[] = [];
  const record = async (suite: CheckResult['suite'], mode: T.GpuMode, name: string, run: () => Promise<{ ok: boolean; text: string; tolerance: string }>) => {
    const started = performance.now();
    let r: CheckResult;
    try {
      T.setGpuMode(mode);
      const { ok, text, tolerance } = await run();
      r = { suite, mode, name, pass: ok, tolerance, detail: text, ms: performance.now() - started };
    } catch (e) {
      r = { suite, mode, name, pass: false, tolerance: '', detail: `error: ${e instanceof Error ? e.message : String(e)}`, ms: performance.now() - started };
    }
    results.push(r);
    onResult(r);
  };
  try {
    for (const mode of modes) {
      for (const [i, c] of PARITY.entries()) {
        await record('parity', mode, c.name, () => runParity(c, 1000 + i));
        await yieldNow();
      }
      for (const c of fixture.cases) {
        await record('reference', mode, `PROPEL ${c.name} (B=${c.B}, I=${c.I}, n=${c.n}, ${c.reduction})`, () => runReference(c));
        await yieldNow();
      }
    }
  } finally {
    T.setGpuMode(before);
  }
  return results;
}

/** How many checks one mode runs. */
export const CHECKS_PER_MODE = PARITY.length + fixture.cases.length;
