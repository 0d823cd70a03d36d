// The CPU matrix multiply: the WebAssembly SIMD gemm and the JS gemm against a naive triple loop in
// float64, on odd sizes, sub-matrices (offsets, leading dimensions), strided (transposed, broadcast)
// operands, and through Tensor matmul. Tolerance: the classical bound for a k-term dot product,
// |computed - exact| <= k·u·Σ_p |a_ip·b_pj| (u = 2^-53 for float64, 2^-24 for float32; the reference is
// rounded once more, so we allow 2k·u). Small-integer inputs must come out exact in both dtypes. The
// WebAssembly gemm is checked with each tile this process can run ('simd'; 'fma' where relaxed SIMD
// validates); on Node 20 a child run with --experimental-wasm-relaxed-simd checks the 'fma' tile, here and
// in the threads suite.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { expect } from 'chai';
import { matmul, tensor, type TypedArray } from '@propel-ts/tensor';
import { gemm, gemmJs, gemmStrided, setWasmGemm, WASM_MIN_WORK } from '@propel-ts/tensor/internal/backends/cpu/gemm';
import { gemmWasm, selectGemmKernel, wasmGemmAvailable, type GemmKernel } from '@propel-ts/tensor/internal/backends/cpu/gemm-wasm';
import { GEMM_WASM_BASE64 } from '@propel-ts/tensor/internal/backends/cpu/gemm-wasm.generated';
import { cpuInfo } from '@propel-ts/tensor/node';
import { mulberry32 } from '../helpers/naive';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
const DTYPES: [string, Ctor, number][] = [['float32', Float32Array, 2 ** -24], ['float64', Float64Array, 2 ** -53]];
const SIZES = [1, 3, 7, 17, 33, 129, 300];

/** mulberry32 (shared with the property tests' oracle), so failures reproduce. */
const rng = mulberry32;

interface Mat { data: TypedArray; off: number; rs: number; cs: number }

function randomArray(C: Ctor, len: number, rand: () => number, ints: boolean): TypedArray {
  const a = new C(len);
  for (let i = 0; i < len; i++) a[i] = ints ? Math.floor(rand() * 9) - 4 : rand() * 2 - 1;
  return a;
}

/** A rows x cols matrix inside a larger array: an offset and a leading dimension with padding. */
function embedded(C: Ctor, rows: number, cols: number, rand: () => number, ints: boolean): Mat {
  const off = Math.floor(rand() * 5), ld = cols + Math.floor(rand() * 3);
  return { data: randomArray(C, off + rows * ld + 2, rand, ints), off, rs: ld, cs: 1 };
}

/** Reference product in float64 plus, per element, the bound Σ|a||b|. */
function naive(m: number, n: number, k: number, A: Mat, B: Mat): { ref: Float64Array; mag: Float64Array } {
  const ref = new Float64Array(m * n), mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0, g = 0;
      for (let p = 0; p < k; p++) {
        const x = A.data[A.off + i * A.rs + p * A.cs]! * B.data[B.off + p * B.rs + j * B.cs]!;
        s += x;
        g += Math.abs(x);
      }
      ref[i * n + j] = s;
      mag[i * n + j] = g;
    }
  }
  return { ref, mag };
}

function check(what: string, m: number, n: number, k: number, got: TypedArray, cOff: number, ldc: number,
  want: { ref: Float64Array; mag: Float64Array }, u: number, exact: boolean): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const g = got[cOff + i * ldc + j]!, r = want.ref[i * n + j]!;
      const tol = exact ? 0 : 2 * k * u * want.mag[i * n + j]! + Number.MIN_VALUE;
      if (!(Math.abs(g - r) <= tol)) {
        throw new Error(`${what}: C[${i},${j}] = ${g}, expected ${r} (|diff| ${Math.abs(g - r)} > tol ${tol})`);
      }
    }
  }
}

/** Whether this process validates relaxed SIMD (the 'fma' tile): Node 22+, or Node 20 with the flag. */
const RELAXED = WebAssembly.validate(Buffer.from(GEMM_WASM_BASE64.fma, 'base64'));
/** The tiles this process can run. */
const KERNELS: GemmKernel[] = RELAXED ? ['simd', 'fma'] : ['simd'];

let selected: GemmKernel | 'auto' = 'auto';
/** Run the gemm with one tile ('auto': the one the platform picks), recompiling only on a change. */
function use(kernel: GemmKernel | 'auto'): void {
  if (selected !== kernel) selectGemmKernel(kernel);
  selected = kernel;
}

type Impl = (m: number, n: number, k: number, A: Mat, B: Mat, C: TypedArray, cOff: number, ldc: number) => void;
const wasmImpl = (kernel: GemmKernel): Impl => (m, n, k, A, B, C, cOff, ldc) => {
  use(kernel);
  if (!gemmWasm(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, C, cOff, ldc)) {
    throw new Error('gemmWasm declined to run');
  }
};
const IMPLS: [string, Impl][] = [
  ...KERNELS.map((kernel): [string, Impl] => [`wasm ${kernel}`, wasmImpl(kernel)]),
  ['js', (m, n, k, A, B, C, cOff, ldc) => {
    if (A.cs !== 1 || B.cs !== 1) throw new Error('internal: gemmJs takes unit column strides');
    gemmJs(m, n, k, A.data, A.off, A.rs, B.data, B.off, B.rs, C, cOff, ldc);
  }],
  ['dispatch', (m, n, k, A, B, C, cOff, ldc) => {
    use('auto');
    gemmStrided(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, C, cOff, ldc);
  }],
];

describe('gemm (CPU matrix multiply kernels)', function () {
  after(() => use('auto'));

  it('has WebAssembly SIMD on this platform (Node 20)', () => {
    expect(wasmGemmAvailable()).to.equal(true);
  });

  it("picks the 'fma' tile exactly where relaxed SIMD validates, and cpuInfo().gemm says which", () => {
    use('auto');
    expect(cpuInfo().gemm).to.equal(RELAXED ? 'fma' : 'simd');
    if (RELAXED) {
      use('simd');
      expect(cpuInfo().gemm).to.equal('simd');
      use('auto');
    }
  });

  if (!RELAXED) {
    it("the 'fma' tile, in a child run with --experimental-wasm-relaxed-simd (this suite and the threads suite)", function () {
      this.timeout(240_000);
      const root = path.join(__dirname, '..', '..');
      const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
      const r = spawnSync(process.execPath, [mocha, '--no-config', '--node-option', 'conditions=@propel-ts/source',
        '--node-option', 'experimental-wasm-relaxed-simd', '-r', 'ts-node/register', '--extension', 'ts', '--timeout', '120000',
        'test/tensor/gemm.test.ts', 'test/tensor/threads.test.ts'], { cwd: root, encoding: 'utf8', env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' } });
      expect(r.status, `${r.stdout}\n${r.stderr}`).to.equal(0);
      // it ran the fma tile's cases, and nothing was skipped
      expect(r.stdout).to.match(/wasm fma float32: random odd sizes/);
      expect(r.stdout).to.match(/wasm fma float64: small-integer inputs give exact results/);
      expect(r.stdout).to.match(/with the 'fma' tile/);
      expect(r.stdout).not.to.match(/pending/);
    });
  }

  it('gemm-wasm.generated.ts is up to date with wasm/gemm.wat (npm run build:wasm)', () => {
    const root = path.join(__dirname, '..', '..');
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-wasm.js'), '--check'], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
  });

  for (const [dtype, C, u] of DTYPES) {
    for (const [name, impl] of IMPLS) {
      it(`${name} ${dtype}: random odd sizes, offsets and leading dimensions, within 2k·u·Σ|ab|`, () => {
        const rand = rng(dtype === 'float32' ? 1 : 2);
        const pick = () => SIZES[Math.floor(rand() * SIZES.length)]!;
        const shapes: [number, number, number][] = [[1, 1, 1], [300, 300, 300], [129, 33, 7], [3, 300, 17]];
        while (shapes.length < 24) shapes.push([pick(), pick(), pick()]);
        for (const [m, n, k] of shapes) {
          const A = embedded(C, m, k, rand, false), B = embedded(C, k, n, rand, false);
          const cOff = 3, ldc = n + 2, out = new C(cOff + m * ldc + 5).fill(777);
          impl(m, n, k, A, B, out, cOff, ldc);
          check(`${name} ${dtype} ${m}x${n}x${k}`, m, n, k, out, cOff, ldc, naive(m, n, k, A, B), u, false);
          // the padding between C's rows and around it is untouched
          for (let i = 0; i < out.length; i++) {
            const row = Math.floor((i - cOff) / ldc), col = (i - cOff) % ldc;
            const inside = i >= cOff && row < m && col >= 0 && col < n;
            if (!inside && out[i] !== 777) throw new Error(`${name} ${dtype} ${m}x${n}x${k}: wrote outside C at ${i}`);
          }
        }
      });

      it(`${name} ${dtype}: small-integer inputs give exact results`, () => {
        const rand = rng(3);
        for (const [m, n, k] of [[7, 17, 33], [33, 129, 300], [300, 7, 129], [17, 1, 3]] as const) {
          const A = embedded(C, m, k, rand, true), B = embedded(C, k, n, rand, true);
          const out = new C(m * n);
          impl(m, n, k, A, B, out, 0, n);
          check(`${name} ${dtype} ints ${m}x${n}x${k}`, m, n, k, out, 0, n, naive(m, n, k, A, B), u, true);
        }
      });
    }

    for (const [name, impl] of IMPLS.filter(([nm]) => nm !== 'js')) {
      it(`${name} ${dtype}: transposed, strided and broadcast (stride 0) operands`, () => {
        const rand = rng(4);
        for (const [m, n, k] of [[33, 17, 129], [7, 300, 3], [129, 129, 33]] as const) {
          // A stored transposed (k x m row-major); B a column slice with step 3 of a wider matrix
          const At: Mat = { data: randomArray(C, m * k + 1, rand, false), off: 1, rs: 1, cs: m };
          const Bs: Mat = { data: randomArray(C, k * n * 3, rand, false), off: 2, rs: n * 3, cs: 3 };
          // broadcast: every row of A the same vector
          const Ab: Mat = { data: randomArray(C, k, rand, false), off: 0, rs: 0, cs: 1 };
          // B stored transposed (n x k row-major)
          const Bt: Mat = { data: randomArray(C, k * n, rand, false), off: 0, rs: 1, cs: k };
          for (const [A, B, tag] of [[At, Bs, 'Aᵀ·slice'], [Ab, Bs, 'bcast·slice'], [At, Bt, 'Aᵀ·Bᵀ']] as const) {
            const out = new C(m * n);
            impl(m, n, k, A, B, out, 0, n);
            check(`${name} ${dtype} ${tag} ${m}x${n}x${k}`, m, n, k, out, 0, n, naive(m, n, k, A, B), u, false);
          }
        }
      });
    }

    it(`wasm ${dtype}: a product too large to keep its memory runs, and the next call still works`, () => {
      use('auto');
      const rand = rng(5);
      const m = 2, k = 4000, n = 4200; // B alone is > 64 MB (float32): the instance is replaced afterwards
      for (let rep = 0; rep < 2; rep++) {
        const A = embedded(C, m, k, rand, false), B = embedded(C, k, n, rand, false);
        const out = new C(m * n);
        expect(gemmWasm(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, out, 0, n)).to.equal(true);
        check(`wasm ${dtype} big`, m, n, k, out, 0, n, naive(m, n, k, A, B), u, false);
      }
    });
  }

  it('gemm handles k = 0 (C = 0) and empty m or n', () => {
    const out = new Float64Array(6).fill(5);
    gemm(2, 3, 0, new Float64Array(0), 0, 0, new Float64Array(0), 0, 3, out, 0, 3);
    expect(Array.from(out)).to.deep.equal([0, 0, 0, 0, 0, 0]);
    gemm(0, 3, 4, new Float64Array(0), 0, 4, new Float64Array(12), 0, 3, out, 0, 3);
  });

  it('setWasmGemm(false) routes everything to the JS gemm, with the same results on integers', () => {
    use('auto');
    const rand = rng(6);
    const A = embedded(Float64Array, 40, 50, rand, true), B = embedded(Float64Array, 50, 60, rand, true);
    expect(40 * 50 * 60).to.be.greaterThan(WASM_MIN_WORK);
    const viaWasm = new Float64Array(40 * 60), viaJs = new Float64Array(40 * 60);
    gemm(40, 60, 50, A.data, A.off, A.rs, B.data, B.off, B.rs, viaWasm, 0, 60);
    const old = setWasmGemm(false);
    try {
      gemm(40, 60, 50, A.data, A.off, A.rs, B.data, B.off, B.rs, viaJs, 0, 60);
    } finally {
      setWasmGemm(old);
    }
    expect(Array.from(viaJs)).to.deep.equal(Array.from(viaWasm));
  });

  it('Tensor matmul: transposed, sliced and batched-broadcast operands, both dtypes', () => {
    use('auto');
    const rand = rng(7);
    for (const dtype of ['float32', 'float64'] as const) {
      const C = dtype === 'float32' ? Float32Array : Float64Array;
      const a = tensor(randomArray(C, 2 * 40 * 30, rand, true), { dtype, shape: [2, 40, 30] });
      const b = tensor(randomArray(C, 50 * 40, rand, true), { dtype, shape: [50, 40] });
      // a^T: [2, 30, 40] (transposed view) · b^T: [40, 50] broadcast over the batch
      const y = matmul(a.transpose(1, 2), b.transpose(0, 1).unsqueeze(0).expand([2, 40, 50]));
      expect(y.shape).to.deep.equal([2, 30, 50]);
      const got = y.toTypedArray();
      const ad = a.toTypedArray(), bd = b.toTypedArray();
      for (let t = 0; t < 2; t++) {
        for (let i = 0; i < 30; i++) {
          for (let j = 0; j < 50; j++) {
            let s = 0;
            for (let p = 0; p < 40; p++) s += ad[t * 1200 + p * 30 + i]! * bd[j * 40 + p]!;
            if (got[t * 1500 + i * 50 + j] !== s) throw new Error(`${dtype} matmul [${t},${i},${j}] = ${got[t * 1500 + i * 50 + j]}, expected ${s}`);
          }
        }
      }
      // a column slice with a step as the left operand
      const wide = tensor(randomArray(C, 20 * 90, rand, true), { dtype, shape: [20, 90] });
      const sl = wide.slice(1, 0, 90, 3); // [20, 30], column stride 3
      const z = matmul(sl, a.slice(0, 0, 1).squeeze(0).transpose(0, 1)); // [20,30]·[30,40]
      const zd = z.toTypedArray(), wd = wide.toTypedArray();
      for (let i = 0; i < 20; i++) {
        for (let j = 0; j < 40; j++) {
          let s = 0;
          for (let p = 0; p < 30; p++) s += wd[i * 90 + 3 * p]! * ad[j * 30 + p]!;
          if (zd[i * 40 + j] !== s) throw new Error(`${dtype} sliced matmul [${i},${j}] = ${zd[i * 40 + j]}, expected ${s}`);
        }
      }
    }
  });
});
