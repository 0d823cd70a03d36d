// safetensors: byte-identical to the reference implementation's published test vectors
// (huggingface/safetensors, safetensors/src/tensor.rs: test_serialization, test_serialization_forced_alignement,
// test_empty, and the deserialization and error cases), bit-exact round trips of float32/float64, non-contiguous
// tensors, F16/BF16 decoded against hand-computed values, views at odd byte offsets, and a clear error for
// every kind of malformed file.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { loadSafetensors, loadSafetensorsMetadata, saveSafetensors } from '@propel-ts/io';

/** A safetensors file from a header text, its declared length (default: the text's) and the data bytes. */
function file(header: string, data: number[] | Uint8Array = [], length?: number | bigint): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(length ?? h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const bits = (t: Tensor): number[] => {
  const a = t.toTypedArray();
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
};

/** The little-endian bytes of float32 values (an independent encoder: Float32Array on a little-endian host). */
function f32le(values: number[]): number[] {
  const out: number[] = [];
  const view = new DataView(new ArrayBuffer(4));
  for (const v of values) { view.setFloat32(0, v, true); out.push(...new Uint8Array(view.buffer)); }
  return out;
}

describe('safetensors: the reference implementation\'s test vectors (tensor.rs)', () => {
  it('test_serialization: attn.0, F32 [1,2,3], byte for byte', () => {
    const out = saveSafetensors({ 'attn.0': T.tensor([0, 1, 2, 3, 4, 5], { shape: [1, 2, 3] }) });
    expect(Array.from(out)).to.deep.equal([
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
      116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
      58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
      101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
      0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ]);
  });

  it('test_serialization_forced_alignement: the header is padded with spaces to 8 bytes', () => {
    const out = saveSafetensors({ attn0: T.tensor([0, 1, 2, 3, 4, 5], { shape: [1, 1, 2, 3] }) });
    expect(Array.from(out)).to.deep.equal([
      72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
      121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
      91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
      115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
      32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
      160, 64,
    ]);
    const back = loadSafetensors(out).attn0!;
    expect(back.shape).to.deep.equal([1, 1, 2, 3]);
    expect(Array.from(back.toTypedArray())).to.deep.equal([0, 1, 2, 3, 4, 5]);
  });

  it('test_empty: no tensors, without and with metadata', () => {
    expect(Array.from(saveSafetensors({}))).to.deep.equal([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    const out = saveSafetensors({}, { framework: 'pt' });
    expect(Array.from(out)).to.deep.equal([
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
      95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
      116, 34, 125, 125, 32, 32, 32, 32, 32,
    ]);
    expect(loadSafetensors(out)).to.deep.equal({});
    expect(loadSafetensorsMetadata(out)).to.deep.equal({ framework: 'pt' });
  });

  it('test_deserialization, test_empty_shapes_allowed, test_zero_sized_tensor, test_whitespace_padded_header', () => {
    const i32 = loadSafetensors(file('{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}', new Uint8Array(16))).test!;
    expect(i32.shape).to.deep.equal([2, 2]);
    expect(i32.toArray()).to.deep.equal([[0, 0], [0, 0]]);
    const scalar = loadSafetensors(file('{"test":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}', [0, 0, 0, 0])).test!;
    expect(scalar.shape).to.deep.equal([]);
    expect(scalar.item()).to.equal(0);
    const empty = loadSafetensors(file('{"test":{"dtype":"I32","shape":[2,0],"data_offsets":[0, 0]}}')).test!;
    expect(empty.shape).to.deep.equal([2, 0]);
    expect(loadSafetensors(file('{}\r \t\n'))).to.deep.equal({});
  });

  const bad = (bytes: Uint8Array, message: string) => expect(() => loadSafetensors(bytes)).to.throw(T.TensorError, message);
  const test16 = '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}';

  it('the reference\'s error cases: each a TensorError saying what is wrong', () => {
    bad(file(test16, [...new Uint8Array(16), ...new TextEncoder().encode('extra_bogus_data_for_polyglot_file')]),
      'loadSafetensors: not a valid safetensors file: the tensors cover 16 bytes of data but the file has 50 after the header');
    bad(file(test16, new Uint8Array(14)), "tensor 'test' data_offsets [0,16] run past the end of the data (14 bytes; truncated?)");
    bad(file(test16, new Uint8Array(16), 0xffffff0000003cn), 'the header length is 72057589742960700 bytes, over the limit of 100000000 (100 MB)');
    bad(new Uint8Array(0), 'it has 0 bytes, fewer than the 8 of the header length');
    bad(file('', [], 60), 'the header length is 60 bytes but only 0 follow it (truncated?)');
    bad(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0xff]), 'the header is not valid UTF-8');
    bad(file('{'), 'the header is not valid JSON');
    bad(file('{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0, 4]}}', [0, 0, 0, 0]),
      "tensor 'test' (I32, shape [2,2]) needs 16 bytes, its data_offsets [0,4] hold 4");
    bad(file('{"test":{"dtype":"I32","shape":[2,18446744073709551614],"data_offsets":[0,16]}}', new Uint8Array(16)),
      "tensor 'test': shape [2, 18446744073709552000] is not a list of non-negative integers");
    bad(file('{"test":{"dtype":"I32","shape":[2,9223372036854775807],"data_offsets":[0,16]}}', new Uint8Array(16)),
      'is not a list of non-negative integers');
    // test_json_attack: ten tensors all claiming bytes [0,16]
    const attack = JSON.stringify(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`weight_${i}`, { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] }])));
    bad(file(attack, new Uint8Array(16)), 'data_offsets [0,16] overlap the previous tensor, which ends at 16');
  });
});

describe('safetensors: round trips and layouts', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: every bit survives (NaN, ±0, ±Infinity, subnormals, extremes)`, () => {
      const values = [NaN, -0, 0, Infinity, -Infinity, 1e-45, -3.4e38, 1 / 3, Math.PI, dtype === 'float64' ? 5e-324 : 1e-40];
      const t = T.tensor(values, { dtype, shape: [2, 5] });
      const back = loadSafetensors(saveSafetensors({ t })).t!;
      expect(back.dtype).to.equal(dtype);
      expect(back.shape).to.deep.equal([2, 5]);
      expect(bits(back)).to.deep.equal(bits(t));
    });
  }

  it('F64 tensors come first, then F32, each group by name (the reference\'s order)', () => {
    const out = saveSafetensors({
      b: T.tensor([1]), a: T.tensor([2]), z: T.tensor([3], { dtype: 'float64' }), c: T.tensor([4], { dtype: 'float64' }),
    });
    const len = Number(new DataView(out.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(out.subarray(8, 8 + len))) as Record<string, { data_offsets: number[] }>;
    expect(Object.keys(header)).to.deep.equal(['c', 'z', 'a', 'b']);
    expect(header.c!.data_offsets).to.deep.equal([0, 8]);
    expect(header.a!.data_offsets).to.deep.equal([16, 20]);
    const back = loadSafetensors(out);
    expect(Object.keys(back)).to.deep.equal(['c', 'z', 'a', 'b']);
    expect([back.a!.item(), back.b!.item(), back.c!.item(), back.z!.item()]).to.deep.equal([2, 1, 4, 3]);
  });

  it("integer-like names ('10', '2': an MLP's children) keep the reference's order in the header: __metadata__, then data order", () => {
    const out = saveSafetensors({ b: T.tensor([1]), 10: T.tensor([2]), 2: T.tensor([3]), a: T.tensor([4], { dtype: 'float64' }) }, { format: 'pt', 1: 'x' });
    const len = Number(new DataView(out.buffer).getBigUint64(0, true));
    // by hand: F64 first (a), then F32 by UTF-8 name ('10' < '2' < 'b'); metadata keys sorted as strings
    expect(new TextDecoder().decode(out.subarray(8, 8 + len)).trimEnd()).to.equal(
      '{"__metadata__":{"1":"x","format":"pt"},' +
      '"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"10":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},' +
      '"2":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},"b":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}');
    const back = loadSafetensors(out);
    expect([back.a!.item(), back[10]!.item(), back[2]!.item(), back.b!.item()]).to.deep.equal([4, 2, 3, 1]);
  });

  it('non-contiguous tensors (transposed, strided slices, broadcast) are written in row-major order', () => {
    const base = T.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
    const views = {
      transposed: base.transpose(0, 1),
      stepped: base.slice(1, 0, 3, 2),
      offset: base.select(0, 1),
      expanded: T.tensor([7, 8]).unsqueeze(0).expand(3, 2),
    };
    const back = loadSafetensors(saveSafetensors(views));
    expect(back.transposed!.toArray()).to.deep.equal([[1, 4], [2, 5], [3, 6]]);
    expect(back.stepped!.toArray()).to.deep.equal([[1, 3], [4, 6]]);
    expect(back.offset!.toArray()).to.deep.equal([4, 5, 6]);
    expect(back.expanded!.toArray()).to.deep.equal([[7, 8], [7, 8], [7, 8]]);
  });

  it('F16 and BF16 read as float32, against hand-decoded bit patterns', () => {
    // float16: 1, -2, 65504 (max), 2^-24 (smallest subnormal), -0, +Inf, NaN, 0x3555 = 1365/4096
    const f16 = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x7e00, 0x3555];
    // bfloat16: the top 16 bits of a float32: 1, 3.140625, -123.5, 2^-133 (subnormal)
    const bf16 = [0x3f80, 0x4049, 0xc2f7, 0x0001];
    const le16 = (xs: number[]) => xs.flatMap((x) => [x & 0xff, x >> 8]);
    const bytes = file(`{"h":{"dtype":"F16","shape":[8],"data_offsets":[0,16]},"b":{"dtype":"BF16","shape":[2,2],"data_offsets":[16,24]}}`,
      [...le16(f16), ...le16(bf16)]);
    const { h, b } = loadSafetensors(bytes);
    expect(h!.dtype).to.equal('float32');
    const hv = Array.from(h!.toTypedArray());
    expect(hv.slice(0, 4)).to.deep.equal([1, -2, 65504, 2 ** -24]);
    expect(Object.is(hv[4], -0)).to.equal(true);
    expect(hv[5]).to.equal(Infinity);
    expect(hv[6]).to.be.NaN;
    expect(hv[7]).to.equal(1365 / 4096);
    expect(b!.dtype).to.equal('float32');
    expect(b!.toArray()).to.deep.equal([[1, 3.140625], [-123.5, Math.fround(2 ** -133)]]);
  });

  it('integer and bool dtypes read exactly as float64; a 64-bit integer a float64 cannot hold is an error', () => {
    const data = [0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0xff];
    const bytes = file('{"i":{"dtype":"I32","shape":[2],"data_offsets":[0,8]},"l":{"dtype":"I64","shape":[1],"data_offsets":[8,16]},"m":{"dtype":"U8","shape":[1],"data_offsets":[16,17]}}', data);
    const { i, l, m } = loadSafetensors(bytes);
    expect(i!.dtype).to.equal('float64');
    expect(Array.from(i!.toTypedArray())).to.deep.equal([-1, 1]);
    expect(l!.item()).to.equal(2);
    expect(m!.item()).to.equal(255);
    const huge = file('{"l":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', [1, 0, 0, 0, 0, 0, 0x20, 0]);
    expect(() => loadSafetensors(huge)).to.throw(T.TensorError, "loadSafetensors: 'l' holds the 64-bit integer 9007199254740993, which a float64 cannot hold exactly");
    const badBool = file('{"b":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}}', [2]);
    expect(() => loadSafetensors(badBool)).to.throw(T.TensorError, "'b' is boolean but holds the byte 2");
  });

  it('reads a view at any byteOffset into a larger buffer (unaligned)', () => {
    const values = [1.5, -2.25, 1e-30, 7];
    const inner = saveSafetensors({ x: T.tensor(values, { dtype: 'float64' }), y: T.tensor(values) });
    for (const pad of [1, 3, 5, 7]) {
      const big = new Uint8Array(pad + inner.length + 11).fill(0xab);
      big.set(inner, pad);
      const view = big.subarray(pad, pad + inner.length);
      const back = loadSafetensors(view);
      expect(Array.from(back.x!.toTypedArray()), `pad ${pad}`).to.deep.equal(values);
      expect(Array.from(back.y!.toTypedArray()), `pad ${pad}`).to.deep.equal(values.map(Math.fround));
    }
  });

  it('a tensor named __proto__ is an entry like any other, both ways', () => {
    const bytes = file('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}  ', f32le([2.5])); // padded to 64
    const back = loadSafetensors(bytes);
    expect(Object.keys(back)).to.deep.equal(['__proto__']);
    expect(Object.getPrototypeOf(back)).to.equal(Object.prototype);
    expect(Array.from(saveSafetensors(back))).to.deep.equal(Array.from(bytes));
  });

  it('the written data matches an independent little-endian encoder', () => {
    const out = saveSafetensors({ w: T.tensor([[0.1, -2], [3e-8, 1e30]]) });
    expect(Array.from(out.subarray(out.length - 16))).to.deep.equal(f32le([0.1, -2, 3e-8, 1e30]));
  });
});

describe('safetensors: malformed files and bad arguments', () => {
  const bad = (bytes: Uint8Array, message: string) => expect(() => loadSafetensors(bytes)).to.throw(T.TensorError, message);

  it('names what is wrong in a header', () => {
    bad(file('{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}', [0]), "tensor 'a': unknown or unsupported dtype \"F8_E4M3\", expected one of F64, F32, F16, BF16");
    bad(file('{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}', [0]), 'unknown or unsupported dtype "Q4"');
    bad(file('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', [0, 0, 0, 0]), "tensor 'a': shape [-1] is not a list of non-negative integers");
    bad(file('{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}', [0, 0, 0, 0]), 'shape [1.5] is not');
    bad(file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}', [0, 0, 0, 0]), "tensor 'a': data_offsets [4, 0] is not [start, end]");
    bad(file('{"a":{"dtype":"F32","shape":[1]}}', [0, 0, 0, 0]), "tensor 'a': data_offsets undefined is not [start, end]");
    bad(file('{"a":[1,2]}'), "tensor 'a': entry is [1, 2], expected { dtype, shape, data_offsets }");
    bad(file('[1]'), 'the header is [1], expected a JSON object');
    bad(file('{"__metadata__":{"k":1}}'), "__metadata__ 'k' is 1, expected a string");
    bad(file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Uint8Array(8)), "tensor 'a' starts at 4, leaving a gap after byte 0");
    bad(file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Uint8Array(8)),
      "tensor 'b' data_offsets [4,8] overlap the previous tensor, which ends at 8");
    // truncating a good file anywhere after the header is an error, never a short tensor
    const good = saveSafetensors({ a: T.tensor([1, 2, 3]) });
    for (let cut = 1; cut <= 12; cut++) expect(() => loadSafetensors(good.subarray(0, good.length - cut))).to.throw(T.TensorError, 'not a valid safetensors file');
  });

  it('rejects bad arguments naming the function and argument', () => {
    expect(() => loadSafetensors([1, 2] as unknown as Uint8Array)).to.throw(T.TensorError, 'loadSafetensors: bytes got [1, 2], expected a Uint8Array');
    expect(() => saveSafetensors({ a: [1, 2] as unknown as Tensor })).to.throw(T.TensorError, "saveSafetensors: tensor 'a' got [1, 2], expected a Tensor");
    expect(() => saveSafetensors(T.tensor([1]) as unknown as Record<string, Tensor>)).to.throw(T.TensorError, 'saveSafetensors: tensors got a Tensor, expected a record of tensors by name');
    expect(() => saveSafetensors({ __metadata__: T.tensor([1]) })).to.throw(T.TensorError, "the name '__metadata__' is reserved");
    expect(() => saveSafetensors({}, { n: 1 as unknown as string })).to.throw(T.TensorError, "saveSafetensors: metadata 'n' got 1, expected a string");
    expect(() => (saveSafetensors as (...a: unknown[]) => unknown)({}, {}, 'extra')).to.throw(T.TensorError, 'saveSafetensors: got 3 arguments, expected at most 2');
  });
});
