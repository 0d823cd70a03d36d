// Size guards (issue 13, item 4, CPU part): a tensor, or a kernel's walk over a view, of more than
// MAX_ELEMENTS = 2^31 - 1 elements, or of more bytes than the memory budget of one tensor (4 GiB unless
// setMaxTensorBytes says otherwise), is refused before any work, within 100 ms, naming the op and the shape.
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
  // the memory budget of one tensor (default 4 GiB): a float64 tensor of MAX_ELEMENTS would be 16 GiB
  ['zeros([2**31 - 1], float64)', () => T.zeros([2 ** 31 - 1], { dtype: 'float64' }), 'zeros: shape [2147483647] of float64 needs 16 GiB, more than the 4 GiB one tensor may take (raise it with setMaxTensorBytes(bytes)'],
  ['randn([2**30 + 1]) (float32, 4 GiB + 4 bytes)', () => T.randn([2 ** 30 + 1]), 'randn: shape [1073741825] of float32 needs 4 GiB, more than the 4 GiB'],
  ['exp of a 2^31 - 1 element view (8 GiB in float32)', () => T.exp(T.ones([1]).expand([2 ** 31 - 1])), 'exp: the result [2147483647] of float32 needs 8 GiB'],
  ['matmul with an 8 GiB float64 result', () => T.matmul(T.ones([32768, 1], { dtype: 'float64' }), T.ones([1, 32768], { dtype: 'float64' })), 'matmul: the result [32768,32768] of float64 needs 8 GiB'],
  ['arange(0, 2**30 + 1, { dtype: float64 })', () => T.arange(0, 2 ** 30 + 1, { dtype: 'float64' }), 'arange: the result [1073741825] of float64 needs 8 GiB'],
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

  it('the memory budget is 4 GiB a tensor by default; setMaxTensorBytes changes it and checks its argument', () => {
    expect(T.getMaxTensorBytes()).to.equal(2 ** 32);
    try {
      T.setMaxTensorBytes(1024);
      expect(T.zeros([256]).size, 'exactly at the budget (1 KiB of float32)').to.equal(256);
      expect(() => T.zeros([257]), 'one element over').to.throw(T.TensorError, 'zeros: shape [257] of float32 needs');
      expect(() => T.zeros([128], { dtype: 'float64' })).to.not.throw();
      expect(() => T.add(T.zeros([200]), T.zeros([200, 1]))).to.throw(T.TensorError, 'add: the result [200,200] of float32');
    } finally {
      T.setMaxTensorBytes(2 ** 32);
    }
    for (const bad of [0, -1, 1.5, NaN, '1024']) expect(() => T.setMaxTensorBytes(bad as number)).to.throw(T.TensorError, 'setMaxTensorBytes: bytes got');
  });

  it('the limit is MAX_ELEMENTS = 2^31 - 1, and a broadcast view itself costs nothing', () => {
    expect(T.MAX_ELEMENTS).to.equal(2 ** 31 - 1);
    expect(T.ones([1]).expand([2 ** 40]).shape).to.deep.equal([2 ** 40]);   // a view: no allocation, allowed
    expect(T.sum(T.ones([1]).expand([1000])).item()).to.equal(1000);
  });
});
