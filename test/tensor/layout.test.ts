// layout.ts's planWalk, the dimension merging both backends walk with (the CPU rows, the GPU kernels'
// index split): the edge cases each caller relies on, and that the merged walk visits the same addresses.
import { expect } from 'chai';
import { planWalk } from '@propel-ts/tensor/internal/layout';

/** Every operand's address, in row-major order over `shape` (the reference the merged walk must match). */
function addresses(shape: readonly number[], strides: readonly (readonly number[])[]): number[][] {
  const out: number[][] = [];
  const total = shape.reduce((a, b) => a * b, 1);
  for (let f = 0; f < total; f++) {
    let rest = f;
    const at = strides.map(() => 0);
    for (let d = shape.length - 1; d >= 0; d--) {
      const i = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
      strides.forEach((s, k) => { at[k] = at[k]! + i * s[d]!; });
    }
    out.push(at);
  }
  return out;
}

describe('planWalk (layout.ts): merged dimensions for the CPU and GPU walks', () => {
  it('rank 0 and all-size-1 shapes are one dimension of size 1 with stride 0', () => {
    expect(planWalk([], [[], []])).to.deep.equal({ shape: [1], strides: [[0], [0]] });
    expect(planWalk([1, 1], [[5, 7], [1, 1]])).to.deep.equal({ shape: [1], strides: [[0], [0]] });
  });

  it('a shape with a size-0 dimension is one dimension of size 0', () => {
    expect(planWalk([3, 0, 2], [[2, 2, 1], [0, 2, 1]])).to.deep.equal({ shape: [0], strides: [[0], [0]] });
  });

  it('merges what every operand walks contiguously, drops size-1 dimensions, keeps the rest', () => {
    expect(planWalk([2, 3, 4], [[12, 4, 1]])).to.deep.equal({ shape: [24], strides: [[1]] });
    // a transposed operand keeps both dimensions; a broadcast one (stride 0) merges only with stride 0
    expect(planWalk([2, 3], [[1, 2], [3, 1]])).to.deep.equal({ shape: [2, 3], strides: [[1, 2], [3, 1]] });
    expect(planWalk([2, 1, 3], [[0, 9, 1], [3, 3, 1]])).to.deep.equal({ shape: [2, 3], strides: [[0, 1], [3, 1]] });
    expect(planWalk([2, 1, 3], [[0, 9, 0], [3, 3, 1]])).to.deep.equal({ shape: [6], strides: [[0], [1]] });
    expect(planWalk([4, 1, 2, 3], [[0, 0, 0, 0], [6, 6, 3, 1]])).to.deep.equal({ shape: [24], strides: [[0], [1]] });
  });

  it('the merged walk visits the same addresses in the same order', () => {
    let seed = 3;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    for (let t = 0; t < 200; t++) {
      const shape = Array.from({ length: rnd(5) }, () => [1, 2, 3, 4][rnd(4)]!);
      const strides = [0, 1, 2].map(() => shape.map(() => [0, 1, 2, 3, 6, 12][rnd(6)]!));
      const plan = planWalk(shape, strides);
      expect(addresses(plan.shape, plan.strides), JSON.stringify({ shape, strides })).to.deep.equal(addresses(shape, strides));
    }
  });
});
