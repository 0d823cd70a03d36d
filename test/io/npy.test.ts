// .npy / .npz against files numpy wrote (test/fixtures/io/numpy, made by test/fixtures/io/generate.py with
// the values repeated here): saveNpy writes the same bytes as numpy.save, loadNpy reads every supported
// dtype, byte order and memory order to the values numpy was given, npz archives numpy wrote (stored and
// deflated) load, and bad headers are clear errors.
import { expect } from 'chai';
import { readFileSync } from 'fs';
import { join } from 'path';
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { loadNpy, loadNpz, saveNpy, saveNpz } from '@propel-ts/io';
import { unzipSync, zipSync } from 'fflate';

const DIR = join(__dirname, '..', 'fixtures', 'io', 'numpy');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, name)));
const values = (t: Tensor): number[] => Array.from(t.toTypedArray());

/** The .npy header text of `bytes` (version 1.0). */
function headerOf(bytes: Uint8Array): string {
  const len = bytes[8]! | (bytes[9]! << 8);
  return new TextDecoder().decode(bytes.subarray(10, 10 + len));
}

/** A version 1.0 .npy file from a header dict text (padded to 64 as numpy does) and raw data bytes. */
function npy(header: string, data: number[] = []): Uint8Array {
  const padded = header + ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const h = new TextEncoder().encode(padded);
  return new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 0xff, h.length >> 8, ...h, ...data]);
}

describe('npy: files numpy wrote', () => {
  it('saveNpy writes the bytes numpy.save wrote (<f4 2x3, <f8 scalar, <f8 1-D)', () => {
    const cases: [string, Tensor][] = [
      ['f4_2x3.npy', T.tensor([[0.1, -2.5, 3e-8], [1e30, -0, 7]])],
      ['f8_scalar.npy', T.tensor(Math.PI, { dtype: 'float64' })],
      ['f8_1d.npy', T.tensor([1 / 3, -1e-300, Infinity, NaN], { dtype: 'float64' })],
    ];
    for (const [name, t] of cases) expect(Array.from(saveNpy(t)), name).to.deep.equal(Array.from(fixture(name)));
  });

  it('loadNpy reads float32, float64, a scalar, Fortran order and big-endian data', () => {
    const a = loadNpy(fixture('f4_2x3.npy'));
    expect(a.dtype).to.equal('float32');
    expect(a.shape).to.deep.equal([2, 3]);
    expect(values(a)).to.deep.equal([0.1, -2.5, 3e-8, 1e30, -0, 7].map(Math.fround));
    expect(Object.is(values(a)[4], -0)).to.equal(true);
    const s = loadNpy(fixture('f8_scalar.npy'));
    expect(s.shape).to.deep.equal([]);
    expect(s.item()).to.equal(Math.PI);
    const v = values(loadNpy(fixture('f8_1d.npy')));
    expect(v.slice(0, 3)).to.deep.equal([1 / 3, -1e-300, Infinity]);
    expect(v[3]).to.be.NaN;
    // np.asfortranarray(np.arange(24).reshape(2, 3, 4)): the same logical array, stored column-major
    expect(headerOf(fixture('f8_fortran.npy'))).to.contain("'fortran_order': True");
    const f = loadNpy(fixture('f8_fortran.npy'));
    expect(f.shape).to.deep.equal([2, 3, 4]);
    expect(values(f)).to.deep.equal(Array.from({ length: 24 }, (_, i) => i));
    const be = loadNpy(fixture('f4_big_endian.npy'));
    expect(be.dtype).to.equal('float32');
    expect(values(be)).to.deep.equal([1.5, -2.25, Math.fround(1e-40)]);
  });

  it('integers, booleans and float16 read as exact floats', () => {
    const i4 = loadNpy(fixture('i4.npy'));
    expect(i4.dtype).to.equal('float64');
    expect(i4.toArray()).to.deep.equal([[-2147483648, 0], [1, 2147483647]]);
    expect(values(loadNpy(fixture('i8.npy')))).to.deep.equal([-(2 ** 53), 0, 2 ** 53]);
    expect(values(loadNpy(fixture('b1.npy')))).to.deep.equal([1, 0, 1]);
    expect(values(loadNpy(fixture('u1.npy')))).to.deep.equal([0, 255]);
    const f2 = loadNpy(fixture('f2.npy'));
    expect(f2.dtype).to.equal('float32');
    expect(values(f2)).to.deep.equal([1, -0.5, 65504, 2 ** -24]);
  });

  it('round trips float32 and float64 bit for bit, non-contiguous views in logical order, at any byteOffset', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const t = T.tensor([[1, 2, 3], [4, 5, 6]], { dtype }).transpose(0, 1);
      const bytes = saveNpy(t);
      const big = new Uint8Array(bytes.length + 3);
      big.set(bytes, 3);
      const back = loadNpy(big.subarray(3));
      expect(back.dtype).to.equal(dtype);
      expect(back.toArray()).to.deep.equal([[1, 4], [2, 5], [3, 6]]);
    }
    // the header leaves room for the first axis to grow, and the data starts 64-aligned, as numpy's
    const bytes = saveNpy(T.zeros([1234567, 0]));
    expect((bytes.length) % 64).to.equal(0);
    expect(loadNpy(bytes).shape).to.deep.equal([1234567, 0]);
  });

  it('bad files are clear errors', () => {
    const bad = (bytes: Uint8Array, message: string) => expect(() => loadNpy(bytes)).to.throw(T.TensorError, message);
    bad(new Uint8Array([1, 2, 3]), 'loadNpy: the array is not a valid .npy file: it does not start with the magic string');
    const good = fixture('f4_2x3.npy');
    bad(good.subarray(0, good.length - 1), "shape [2,3] of '<f4' needs 24 bytes of data, the file has 23 (truncated?)");
    bad(good.subarray(0, 60), 'the header length is 118 bytes but only 50 follow it (truncated?)');
    bad(npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0, 0, 0, 0, 0]), "dtype '<c8' is not supported");
    bad(npy("{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0]), "dtype '|f4' is not supported");
    bad(npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"), 'structured dtypes are not supported');
    bad(npy("{'descr': '<f4', 'shape': (1,), }", [0, 0, 0, 0]), 'the header has keys descr, shape, expected descr, fortran_order, shape');
    bad(npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", [0, 0, 0, 0]), 'unsupported value at character');
    bad(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"), 'expected a non-negative integer in the shape');
    bad(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,) }junk", [0, 0, 0, 0]), 'unexpected text after the header dictionary: "junk');
    bad(npy("{'descr': '<f4' 'fortran_order': False, 'shape': (1,) }", [0, 0, 0, 0]), "expected ',' or '}' at character 16");
    const v9 = new Uint8Array(good);
    v9[6] = 9;
    bad(v9, 'format version 9.0 is not supported');
    expect(() => saveNpy([1] as unknown as Tensor)).to.throw(T.TensorError, 'saveNpy: tensor got [1], expected a Tensor');
    expect(() => loadNpy('x' as unknown as Uint8Array)).to.throw(T.TensorError, 'loadNpy: bytes got "x", expected a Uint8Array');
  });
});

describe('npz', () => {
  for (const name of ['stored.npz', 'deflated.npz']) {
    it(`loads ${name} (numpy.${name === 'stored.npz' ? 'savez' : 'savez_compressed'})`, () => {
      const { weight, bias, ...rest } = loadNpz(fixture(name));
      expect(rest).to.deep.equal({});
      expect(weight!.dtype).to.equal('float32');
      expect(weight!.toArray()).to.deep.equal([[0, 1], [2, 3], [4, 5]]);
      expect(bias!.dtype).to.equal('float64');
      expect(values(bias!)).to.deep.equal([0.5, -0.5]);
    });
  }

  it('saveNpz stores or deflates (checked by unzipping with fflate), entries as numpy names them, and round trips', () => {
    const arrays = { weight: T.tensor([[0, 1], [2, 3], [4, 5]]), bias: T.tensor([0.5, -0.5], { dtype: 'float64' }), big: T.zeros([64, 64]) };
    const stored = saveNpz(arrays);
    const deflated = saveNpz(arrays, { compress: true });
    expect(deflated.length).to.be.lessThan(stored.length / 4); // 16 KiB of zeros deflate to almost nothing
    // the compression method of each local file header (offset 8): 0 stored, 8 deflate
    expect(new DataView(stored.buffer).getUint16(8, true)).to.equal(0);
    expect(new DataView(deflated.buffer).getUint16(8, true)).to.equal(8);
    for (const bytes of [stored, deflated]) {
      const files = unzipSync(bytes);
      expect(Object.keys(files)).to.deep.equal(['weight.npy', 'bias.npy', 'big.npy']);
      expect(Array.from(files['bias.npy']!)).to.deep.equal(Array.from(saveNpy(arrays.bias)));
      const back = loadNpz(bytes);
      expect(back.weight!.toArray()).to.deep.equal([[0, 1], [2, 3], [4, 5]]);
      expect(values(back.bias!)).to.deep.equal([0.5, -0.5]);
    }
    // a view at an odd byteOffset into a larger buffer reads the same
    const big = new Uint8Array(deflated.length + 5);
    big.set(deflated, 3);
    expect(loadNpz(big.subarray(3, 3 + deflated.length)).weight!.toArray()).to.deep.equal([[0, 1], [2, 3], [4, 5]]);
    // reproducible bytes: no clock in the archive
    expect(Array.from(saveNpz(arrays))).to.deep.equal(Array.from(stored));
  });

  it('bad archives and arguments are clear errors', () => {
    expect(() => loadNpz(new Uint8Array([1, 2, 3, 4]))).to.throw(T.TensorError, 'loadNpz: not a valid .npz (zip) archive');
    expect(() => saveNpz({ x: T.zeros([1]) }, { compresss: true } as never)).to.throw(T.TensorError, "saveNpz: unknown option 'compresss' (did you mean 'compress'?)");
    expect(() => saveNpz({ x: T.zeros([1]) }, { compress: 'yes' } as never)).to.throw(T.TensorError, 'saveNpz: compress got "yes", expected true or false');
    expect(() => saveNpz({ 'a/b': T.zeros([1]) })).to.throw(T.TensorError, 'cannot be a file name in the archive');
    const other = zipSync({ 'x.npy': saveNpy(T.tensor([1])), 'notes.txt': new TextEncoder().encode('hi') });
    expect(() => loadNpz(other)).to.throw(T.TensorError, "loadNpz: the archive holds 'notes.txt', which is not a .npy file");
    const badEntry = zipSync({ 'x.npy': new Uint8Array([1, 2, 3]) });
    expect(() => loadNpz(badEntry)).to.throw(T.TensorError, "loadNpz: 'x' is not a valid .npy file");
  });
});
