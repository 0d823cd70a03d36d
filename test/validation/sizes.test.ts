// Size guards (issue 13, item 4, CPU part): a tensor, or a kernel's walk over a view, of more than
// MAX_ELEMENTS = 2^31 - 1 elements is refused before any work, within 100 ms, naming the op and the shape.
// These calls used to run 35 s to 8 GB, run out of memory, abort the process, never end, or die with
// "memory access out of bounds" (a 32-bit size wrapping in the wasm gemm).
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';

const CASES: [string, () => unknown, string][] = [
  ['zeros([2**31 + 1])', () => T.zeros([2 ** 31 + 1]), 'zeros: shape [2147483649] has 2147483649 elements, more than the 2147483647'],
  ['zeros([65536, 65536])', () => T.zeros([65536, 65536]), 'zeros: shape [65536,65536] has 4294967296 elements'],
  ['randn([2**31 + 1])', () => T.randn([2 ** 31 + 1]), 'randn: shape [2147483649] has 2147483649 elements'],
  ['ones([1]).expand([2**53, 4]).sum()', () => T.ones([1]).expand([2 ** 53, 4]).sum(), 'sum: the input (every element is visited) [9007199254740992,4]'],
  ['max over a huge broadcast view', () => T.max(T.ones([1, 1]).expand([2 ** 16, 2 ** 16]), 1), 'max: the input (every element is visited) [65536,65536]'],
  ['matmul(ones([46341, 1]), ones([1, 46341]))', () => T.matmul(T.ones([46341, 1]), T.ones([1, 46341])), 'matmul: the result [46341,46341] has 2147488281 elements'],
  ['exp of a huge broadcast view', () => T.exp(T.ones([1]).expand([2 ** 32])), 'exp: the result [4294967296]'],
  ['add broadcasting to a huge shape', () => T.add(T.ones([65536, 1]), T.ones([1, 65536])), 'add: the result [65536,65536]'],
  ['arange(0, 2**32)', () => T.arange(0, 2 ** 32), 'arange: the result [4294967296]'],
  ['a huge view read back', () => T.ones([1]).expand([2 ** 40]).toTypedArray(), 'toTypedArray: the result [1099511627776]'],
  ['copy of a huge view', () => T.ones([1]).expand([2 ** 40]).contiguous(), 'copy: the result [1099511627776]'],
];

describe('size guards: refused before any work, naming the op and the shape', () => {
  for (const [call, run, text] of CASES) {
    it(call, () => {
      const t0 = Date.now();
      let caught: unknown;
      try { run(); } catch (e) { caught = e; }
      expect(Date.now() - t0, 'refused within 100 ms').to.be.below(100);
      expect(caught, call).to.be.instanceOf(T.TensorError);
      expect((caught as Error).message).to.include(text);
    });
  }

  it('the limit is MAX_ELEMENTS = 2^31 - 1, and a broadcast view itself costs nothing', () => {
    expect(T.MAX_ELEMENTS).to.equal(2 ** 31 - 1);
    expect(T.ones([1]).expand([2 ** 40]).shape).to.deep.equal([2 ** 40]);   // a view: no allocation, allowed
    expect(T.sum(T.ones([1]).expand([1000])).item()).to.equal(1000);
  });
});
