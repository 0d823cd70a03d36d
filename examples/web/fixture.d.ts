// The virtual module scripts/build-web.js provides: a subset of test/fixtures/propel/reference-seed15.json
// (the cases listed in REFERENCE_CASES there, with only the fields below).
declare module 'propel-reference-fixture' {
  export interface ReferenceCase {
    name: string;
    B: number;
    I: number;
    n: number;
    sigma: number;
    reduction: 'mean' | 'sum' | 'none';
    /** [B, I, 2n] flat, row-major: n means then n raw standard deviations per component. */
    output: number[];
    /** [B, n] flat. */
    target: number[];
    /** The reduced loss (mean or sum over samples); null for reduction 'none'. */
    loss: number | null;
    loss_per_sample: number[];
    /** d(loss.mean()) / d(output) for 'mean', d(loss.sum()) / d(output) for 'sum' and 'none'. */
    grad_output: number[];
  }
  const fixture: { seed: number; cases: ReferenceCase[] };
  export default fixture;
}
