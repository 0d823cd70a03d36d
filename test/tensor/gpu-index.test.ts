// Host-side indices on 'gpu': an array given to indexSelect is host data on every device, so it is checked
// like on the CPU (same error text) before it is uploaded; valid ones select what the CPU selects.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';

describe("indices on 'gpu' are validated like on the CPU", function () {
  this.timeout(60_000);
  const rows = [[1, 2], [3, 4], [5, 6]];

  for (const [bad, why] of [[[0, 3], 'past the end'], [[1, -1], 'negative'], [[0.5], 'not an integer'], [[NaN], 'NaN']] as const) {
    it(`indexSelect with an index ${why} throws the CPU's error on 'gpu'`, () => {
      let cpuMessage = '';
      try { T.indexSelect(T.tensor(rows), 0, [...bad]); } catch (e) { cpuMessage = (e as Error).message; }
      expect(cpuMessage).to.match(/^indexSelect: index value .* is out of range/);
      expect(() => T.indexSelect(T.tensor(rows, { device: 'gpu' }), 0, [...bad])).to.throw(cpuMessage);
    });
  }

  it("valid host indices select the same rows on 'gpu' as on 'cpu'", () => {
    expect(T.indexSelect(T.tensor(rows, { device: 'gpu' }), 0, [2, 0, 2]).toArray()).to.deep.equal([[5, 6], [1, 2], [5, 6]]);
  });
});
