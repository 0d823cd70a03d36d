// Layer: io. safetensors, the tensor file format of PyTorch and Hugging Face: an 8-byte little-endian
// header length N, N bytes of JSON (`{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
// "__metadata__": {...}}`, padded with spaces to a multiple of 8), then the raw little-endian row-major
// data. Written exactly as the reference implementation (huggingface/safetensors) writes it, byte for byte;
// read with every check the reference makes. Imports tensor and elements.ts.
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import {
  checkBytes, checkRecord, checkTensorArg, decodeElements, ELEMENT_BYTES, encodeTensor, setEntry, tensorFrom,
  type ElementType,
} from './elements';

/** safetensors dtype names and the element types they hold (F8_E4M3/F8_E5M2 are not read). */
const SAFETENSORS_DTYPES = {
  F64: 'f8', F32: 'f4', F16: 'f2', BF16: 'bf2',
  I64: 'i8', I32: 'i4', I16: 'i2', I8: 'i1', U64: 'u8', U32: 'u4', U16: 'u2', U8: 'u1', BOOL: 'b1',
} as const satisfies Record<string, ElementType>;
type SafetensorsDType = keyof typeof SAFETENSORS_DTYPES;

/** The reference refuses headers over 100 MB (a guard against a hostile length). */
export const MAX_HEADER_BYTES = 100_000_000;

/** One entry of the header. */
interface Entry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  start: number;
  end: number;
}

/** Byte-wise comparison of UTF-8 encodings, as Rust's `String` ordering (which sorts the reference's keys). */
function compareUtf8(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * Serialise tensors (and optional string metadata) to safetensors bytes. float32 tensors are written as F32,
 * float64 as F64, row-major whatever their strides. As the reference, tensors are laid out by descending
 * alignment (F64 before F32), then by name; the bytes equal those `safetensors.torch.save_file` writes
 * (metadata keys are sorted; the reference leaves their order to a hash map).
 *
 * ```ts
 * import * as T from '@propel-ts/tensor';
 * import { saveSafetensors, loadSafetensors } from '@propel-ts/io';
 * const bytes = saveSafetensors({ w: T.tensor([[1, 2], [3, 4]]) }, { note: 'hello' });
 * loadSafetensors(bytes).w!.toArray();   // [[1, 2], [3, 4]]
 * ```
 */
export function saveSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const fn = 'saveSafetensors';
  T.checkArity(fn, arguments, 2, 'saveSafetensors(tensors, metadata?)');
  checkRecord(fn, 'tensors', tensors, "a record of tensors by name, e.g. { weight: t }");
  const encoder = new TextEncoder();
  const items = Object.entries(tensors).map(([name, t]) => {
    checkTensorArg(fn, `tensor '${name}'`, t);
    if (name === '__metadata__') throw new T.TensorError(`${fn}: the name '__metadata__' is reserved for the metadata; pass metadata as the second argument`);
    return { name, key: encoder.encode(name), t };
  });
  items.sort((a, b) => (a.t.dtype === b.t.dtype ? compareUtf8(a.key, b.key) : a.t.dtype === 'float64' ? -1 : 1));

  // the header's entries in the reference's order: __metadata__ first, then the tensors in data order. It
  // is written pair by pair: a JS object would list integer-like names ('0', '10') first, whatever the order
  const header: [string, unknown][] = [];
  if (metadata !== undefined) {
    checkRecord(fn, 'metadata', metadata, 'a record of strings, e.g. { format: "pt" }');
    const sorted = Object.keys(metadata).sort().map((key): [string, unknown] => {
      const value = metadata[key];
      if (typeof value !== 'string') throw new T.TensorError(`${fn}: metadata '${key}' got ${T.describeValue(value)}, expected a string`);
      return [key, value];
    });
    header.push(['__metadata__', sorted]);
  }
  let offset = 0;
  const data = items.map(({ name, t }) => {
    const bytes = encodeTensor(t);
    header.push([name, { dtype: t.dtype === 'float64' ? 'F64' : 'F32', shape: [...t.shape], data_offsets: [offset, offset + bytes.length] }]);
    offset += bytes.length;
    return bytes;
  });

  const json = encoder.encode(jsonObject(header));
  const headerLength = Math.ceil(json.length / 8) * 8; // padded with spaces so the data starts 8-aligned
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const bytes of data) { out.set(bytes, at); at += bytes.length; }
  return out;
}

/** A JSON object of `pairs` in their order (values that are pair lists are objects too). */
function jsonObject(pairs: readonly [string, unknown][]): string {
  return `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${Array.isArray(v) ? jsonObject(v as [string, unknown][]) : JSON.stringify(v)}`).join(',')}}`;
}

/** Parse and validate the header: the entries in data order, the metadata and where the data starts. */
function readHeader(fn: string, bytes: Uint8Array): { entries: Entry[]; metadata: Record<string, string>; dataStart: number } {
  checkBytes(fn, bytes);
  const fail = (what: string): never => { throw new T.TensorError(`${fn}: not a valid safetensors file: ${what}`); };
  if (bytes.length < 8) fail(`it has ${bytes.length} bytes, fewer than the 8 of the header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`the header length is ${n} bytes, over the limit of ${MAX_HEADER_BYTES} (100 MB)`);
  const headerLength = Number(n);
  if (8 + headerLength > bytes.length) fail(`the header length is ${headerLength} bytes but only ${bytes.length - 8} follow it (truncated?)`);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    return fail('the header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail(`the header is ${T.describeValue(header)}, expected a JSON object`);

  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (info === null || typeof info !== 'object' || Array.isArray(info)) fail(`__metadata__ is ${T.describeValue(info)}, expected an object of strings`);
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__ '${k}' is ${T.describeValue(v)}, expected a string`);
        setEntry(metadata, k, v as string);
      }
      continue;
    }
    const bad = (what: string): never => fail(`tensor '${name}': ${what}`);
    if (info === null || typeof info !== 'object' || Array.isArray(info)) bad(`entry is ${T.describeValue(info)}, expected { dtype, shape, data_offsets }`);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dtype !== 'string' || !Object.hasOwn(SAFETENSORS_DTYPES, dtype)) {
      bad(`unknown or unsupported dtype ${T.describeValue(dtype)}, expected one of ${Object.keys(SAFETENSORS_DTYPES).join(', ')}`);
    }
    const isIndex = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
    if (!Array.isArray(shape) || !shape.every(isIndex)) bad(`shape ${T.describeValue(shape)} is not a list of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0]! > offsets[1]!) {
      bad(`data_offsets ${T.describeValue(offsets)} is not [start, end] with 0 <= start <= end`);
    }
    entries.push({ name, dtype: dtype as SafetensorsDType, shape: shape as number[], start: (offsets as number[])[0]!, end: (offsets as number[])[1]! });
  }

  // the data must be covered exactly: in offset order each tensor starts where the previous one ended
  entries.sort((a, b) => a.start - b.start || a.end - b.end);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  let expected = 0;
  for (const e of entries) {
    if (e.start !== expected) {
      fail(e.start < expected
        ? `tensor '${e.name}' data_offsets [${e.start},${e.end}] overlap the previous tensor, which ends at ${expected}`
        : `tensor '${e.name}' starts at ${e.start}, leaving a gap after byte ${expected}`);
    }
    let count = 1;
    for (const d of e.shape) count *= d;
    const want = count * ELEMENT_BYTES[SAFETENSORS_DTYPES[e.dtype]];
    if (want !== e.end - e.start) fail(`tensor '${e.name}' (${e.dtype}, shape ${T.fmtShape(e.shape)}) needs ${want} bytes, its data_offsets [${e.start},${e.end}] hold ${e.end - e.start}`);
    if (e.end > dataLength) fail(`tensor '${e.name}' data_offsets [${e.start},${e.end}] run past the end of the data (${dataLength} bytes; truncated?)`);
    expected = e.end;
  }
  if (expected !== dataLength) fail(`the tensors cover ${expected} bytes of data but the file has ${dataLength} after the header`);
  return { entries, metadata, dataStart };
}

/**
 * Read a safetensors file: its tensors by name, in file order (as a JS object lists its keys: names that
 * look like integers, `'0'`, `'10'`, come first, in numeric order). F32, F16 and BF16 become float32 tensors
 * (exact), F64 float64, integers and BOOL float64 (exact; a 64-bit integer a float64 cannot hold is an error). Any
 * malformed file throws a TensorError that says what is wrong. `bytes` may be a view at any offset into a
 * larger buffer.
 *
 * ```ts
 * import * as T from '@propel-ts/tensor';
 * import { saveSafetensors, loadSafetensors } from '@propel-ts/io';
 * const back = loadSafetensors(saveSafetensors({ x: T.tensor([1, 2, 3], { dtype: 'float64' }) }));
 * back.x!.dtype;   // 'float64'
 * ```
 */
export function loadSafetensors(bytes: Uint8Array): Record<string, Tensor> {
  const fn = 'loadSafetensors';
  T.checkArity(fn, arguments, 1, 'loadSafetensors(bytes)');
  const { entries, dataStart } = readHeader(fn, bytes);
  const out: Record<string, Tensor> = {};
  for (const e of entries) {
    const type = SAFETENSORS_DTYPES[e.dtype];
    const count = (e.end - e.start) / ELEMENT_BYTES[type];
    setEntry(out, e.name, tensorFrom(decodeElements(bytes, dataStart + e.start, count, type, true, fn, e.name), e.shape));
  }
  return out;
}

/** The `__metadata__` strings of a safetensors file ({} when it has none); validates the whole header. */
export function loadSafetensorsMetadata(bytes: Uint8Array): Record<string, string> {
  T.checkArity('loadSafetensorsMetadata', arguments, 1, 'loadSafetensorsMetadata(bytes)');
  return readHeader('loadSafetensorsMetadata', bytes).metadata;
}

