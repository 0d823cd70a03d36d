// The demo's data set, shared by examples/demo.ts and the browser playground (examples/web): each x has
// two right answers, the upper and lower half of an ellipse. Browser-safe (no Node imports).
import type { Generator } from '@propel-ts/tensor';

/** Points and the branch (1 upper, 0 lower) each target was drawn from. */
export interface Dataset { x: number[]; y: number[]; branch: number[] }

/** x uniform in [-1, 1]; the branch is a coin flip; y = ±0.8·√(1 - 0.8x²) plus N(0, 0.04²) noise. */
export function makeData(count: number, gen: Generator): Dataset {
  const x: number[] = [], y: number[] = [], branch: number[] = [];
  for (let i = 0; i < count; i++) {
    const xi = 2 * gen.uniform() - 1;
    const up = gen.uniform() < 0.5 ? 1 : 0;
    const r = 0.8 * Math.sqrt(1 - 0.8 * xi * xi);
    x.push(xi);
    y.push((up ? r : -r) + 0.04 * gen.normal());
    branch.push(up);
  }
  return { x, y, branch };
}
