// gpuSource (packages/tensor/src/backends/gpu/codegen.ts): the kernel-source helpers the built-in GPU
// kernels and PROPEL's write their sources with. The index split is run here as JavaScript (its text is
// plain JS), and one custom kernel built with the helpers runs through runGpuKernel.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';

const { fn, splitIndex, address } = T.gpuSource;

describe('gpuSource: kernel-source helpers for runGpuKernel', function () {
  this.timeout(60_000);

  it('splitIndex gives the exact row-major multi-index of every flat index (size-1 dims are 0)', () => {
    const sizes = [7, 3, 1, 5];
    const split = new Function('flat', [...splitIndex('flat', ['a', 'b', 'c', 'd'], sizes), 'return [a, b, c, d];'].join('\n')) as (f: number) => number[];
    for (let f = 0; f < 7 * 3 * 5; f++) {
      expect(split(f), `flat ${f}`).to.deep.equal([Math.floor(f / 15), Math.floor(f / 5) % 3, 0, f % 5]);
    }
  });

  it('address leaves out stride-0 terms and writes stride 1 bare; fn writes the kernel function', () => {
    expect(address('o0', ['i', 'j', 'k'], [0, 1, 6])).to.equal('o0 + j + k * 6');
    expect(fn(['x0', 'o0'], ['let y = 1;\nlet z = y;', 'return z;'])).to.equal('function(x0, o0) {\n  let y = 1;\n  let z = y;\n  return z;\n}');
  });

  it('a kernel written with them reads a transposed view in place', () => {
    const x = T.tensor([[1, 2], [3, 4], [5, 6]], { device: 'gpu' }).T;   // [2, 3], strides [1, 2]
    const source = fn(['x0', 'o0'], [...splitIndex('this.thread.x', ['i', 'j'], x.shape), `return x0[${address('o0', ['i', 'j'], x.strides)}] * 10;`]);
    const y = T.runGpuKernel({ name: 'gpuSourceTest', source, output: x.shape, inputs: [x], loopBound: 1 });
    expect(y.toArray()).to.deep.equal([[10, 30, 50], [20, 40, 60]]);
  });
});
