// Layer: io. NumPy's .npy (one array: magic, version, a Python-dict header, the raw data) and .npz (a zip
// of .npy files, stored or deflated). Written byte for byte as numpy.save writes them; read with the
// header's byte order and memory order honoured. The zip container is fflate's (a small, widely used,
// well-tested zip/deflate library): writing our own inflate would be more code to trust than all of this
// file. Imports tensor, fflate and elements.ts.
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import {
  checkBytes, checkRecord, checkTensorArg, decodeElements, ELEMENT_BYTES, encodeTensor, setEntry, tensorFrom, type ElementType,
} from './elements';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
/** numpy aligns the data to 64 bytes and leaves room to grow the first axis to 21 digits in place. */
const ARRAY_ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21;

/** NumPy type strings (without the byte-order character) and the element types they hold. */
const NPY_TYPES: Record<string, ElementType> = {
  f2: 'f2', f4: 'f4', f8: 'f8', i1: 'i1', i2: 'i2', i4: 'i4', i8: 'i8', u1: 'u1', u2: 'u2', u4: 'u4', u8: 'u8', b1: 'b1',
};

/**
 * One array as .npy bytes: `<f4` for float32, `<f8` for float64, C order, the exact bytes `numpy.save`
 * writes (format version 1.0, header padded to 64 bytes).
 *
 * ```ts
 * import * as T from '@propel-ts/tensor';
 * import { saveNpy, loadNpy } from '@propel-ts/io';
 * loadNpy(saveNpy(T.tensor([[1, 2], [3, 4]]))).toArray();   // [[1, 2], [3, 4]]
 * ```
 */
export function saveNpy(t: Tensor): Uint8Array {
  T.checkArity('saveNpy', arguments, 1, 'saveNpy(tensor)');
  checkTensorArg('saveNpy', 'tensor', t);
  return encodeNpy(t);
}

function encodeNpy(t: Tensor): Uint8Array {
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${t.dtype === 'float64' ? '<f8' : '<f4'}', 'fortran_order': False, 'shape': ${shape}, }`;
  if (t.shape.length > 0) header += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(t.shape[0]).length);
  // numpy: version 1.0 (2-byte length) when the header fits, else 2.0 (4-byte length); pad with spaces to
  // the alignment (a full ARRAY_ALIGN of spaces when it is already aligned, as numpy does), end in '\n'
  const padded = (prefix: number) => header + ' '.repeat(ARRAY_ALIGN - ((prefix + header.length + 1) % ARRAY_ALIGN)) + '\n';
  const prefix = padded(10).length < 65536 ? 10 : 12;
  header = padded(prefix);
  const text = new TextEncoder().encode(header); // ASCII
  const data = encodeTensor(t);
  const out = new Uint8Array(prefix + text.length + data.length);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  if (prefix === 10) { out[6] = 1; view.setUint16(8, text.length, true); } else { out[6] = 2; view.setUint32(8, text.length, true); }
  out.set(text, prefix);
  out.set(data, prefix + text.length);
  return out;
}

/** The header dictionary of a .npy file. */
interface NpyHeader {
  descr: string;
  fortran_order: boolean;
  shape: number[];
}

/**
 * Parse numpy's header, a Python dict literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`:
 * strings, True/False and tuples of integers, nothing else (structured dtypes are refused).
 */
function parseHeader(text: string, fail: (what: string) => never): NpyHeader {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++; };
  const expectChar = (c: string) => { ws(); if (text[i] !== c) fail(`expected '${c}' at character ${i} of the header ${JSON.stringify(text.trim())}`); i++; };
  const str = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') fail(`expected a quoted string at character ${i} of the header ${JSON.stringify(text.trim())}`);
    const end = text.indexOf(q!, i + 1);
    if (end < 0) fail('unterminated string in the header');
    const s = text.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  const value = (): string | boolean | number[] => {
    ws();
    if (text.startsWith('True', i)) { i += 4; return true; }
    if (text.startsWith('False', i)) { i += 5; return false; }
    if (text[i] === '(') {
      i++;
      const dims: number[] = [];
      for (;;) {
        ws();
        if (text[i] === ')') { i++; return dims; }
        const m = /^\d+L?/.exec(text.slice(i));
        if (!m) fail(`expected a non-negative integer in the shape at character ${i} of the header ${JSON.stringify(text.trim())}`);
        dims.push(Number.parseInt(m![0], 10));
        i += m![0].length;
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== ')') fail(`expected ',' or ')' in the shape at character ${i}`);
      }
    }
    if (text[i] === "'" || text[i] === '"') return str();
    return fail(`unsupported value at character ${i} of the header ${JSON.stringify(text.trim())} (structured dtypes are not supported)`);
  };
  const entries: Record<string, unknown> = {};
  expectChar('{');
  for (;;) {
    ws();
    if (text[i] === '}') { i++; break; }
    const key = str();
    expectChar(':');
    entries[key] = value();
    ws();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail(`expected ',' or '}' at character ${i} of the header`);
  }
  ws();
  if (i !== text.length) fail(`unexpected text after the header dictionary: ${JSON.stringify(text.slice(i))}`);
  const keys = Object.keys(entries).sort().join(', ');
  if (keys !== 'descr, fortran_order, shape') fail(`the header has keys ${keys || 'none'}, expected descr, fortran_order, shape`);
  const { descr, fortran_order: fortran, shape } = entries;
  if (typeof descr !== 'string') fail(`descr is ${T.describeValue(descr)}, expected a type string such as '<f4'`);
  if (typeof fortran !== 'boolean') fail(`fortran_order is ${T.describeValue(fortran)}, expected True or False`);
  if (!Array.isArray(shape)) fail(`shape is ${T.describeValue(shape)}, expected a tuple`);
  return { descr: descr as string, fortran_order: fortran as boolean, shape: shape as number[] };
}

/**
 * Read one .npy array. `<f4` (and `<f2`) become float32 tensors, `<f8` float64; integers (`<i4`, `<i8`,
 * `|u1`...) and booleans (`|b1`) become float64 (exact; a 64-bit integer a float64 cannot hold is an error);
 * big-endian data (`>f4`) and Fortran order are converted. A bad file throws naming what is wrong.
 *
 * ```ts
 * import * as T from '@propel-ts/tensor';
 * import { saveNpy, loadNpy } from '@propel-ts/io';
 * loadNpy(saveNpy(T.tensor([1, 2, 3], { dtype: 'float64' }))).dtype;   // 'float64'
 * ```
 */
export function loadNpy(bytes: Uint8Array): Tensor {
  T.checkArity('loadNpy', arguments, 1, 'loadNpy(bytes)');
  return decodeNpy('loadNpy', bytes);
}

/** One .npy file; `name` is its entry in an .npz archive (for messages). */
function decodeNpy(fn: string, bytes: Uint8Array, name?: string): Tensor {
  checkBytes(fn, bytes);
  const what = name === undefined ? 'the array' : `'${name}'`;
  const fail = (why: string): never => { throw new T.TensorError(`${fn}: ${what} is not a valid .npy file: ${why}`); };
  if (bytes.length < 10 || MAGIC.some((b, k) => bytes[k] !== b)) fail('it does not start with the magic string \\x93NUMPY');
  const major = bytes[6]!;
  if (major < 1 || major > 3) fail(`format version ${major}.${bytes[7]} is not supported (1.0, 2.0 and 3.0 are)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) fail(`it has ${bytes.length} bytes, fewer than the ${prefix} of its preamble`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (prefix + headerLength > bytes.length) fail(`the header length is ${headerLength} bytes but only ${bytes.length - prefix} follow it (truncated?)`);
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(bytes.subarray(prefix, prefix + headerLength));
  } catch {
    return fail('the header is not valid text');
  }
  const header = parseHeader(text, fail);
  const order = header.descr[0];
  const type = NPY_TYPES[header.descr.slice(1)];
  if (!type || !'<>|='.includes(order!) || (order === '|' && ELEMENT_BYTES[type] !== 1)) {
    fail(`dtype '${header.descr}' is not supported (expected a byte order <, > or | and one of ${Object.keys(NPY_TYPES).join(', ')}, e.g. '<f4')`);
  }
  let count = 1;
  for (const d of header.shape) count *= d;
  const start = prefix + headerLength;
  const want = count * ELEMENT_BYTES[type!];
  if (bytes.length - start !== want) {
    fail(`shape ${T.fmtShape(header.shape)} of '${header.descr}' needs ${want} bytes of data, the file has ${bytes.length - start}${bytes.length - start < want ? ' (truncated?)' : ''}`);
  }
  const values = decodeElements(bytes, start, count, type!, order !== '>', fn, name ?? 'array');
  return tensorFrom(values, header.shape, header.fortran_order);
}

/** Options of saveNpz. */
export interface NpzOptions {
  /** Deflate each entry (as `numpy.savez_compressed`); default false: stored (as `numpy.savez`). */
  compress?: boolean;
}

/**
 * Several arrays as an .npz archive (a zip of `<name>.npy` files), stored or, with `{ compress: true }`,
 * deflated. `numpy.load` reads it back with the same names.
 *
 * ```ts
 * import * as T from '@propel-ts/tensor';
 * import { saveNpz, loadNpz } from '@propel-ts/io';
 * const bytes = saveNpz({ x: T.tensor([1, 2]), y: T.tensor([[3]]) }, { compress: true });
 * Object.keys(loadNpz(bytes));   // ['x', 'y']
 * ```
 */
export function saveNpz(tensors: Record<string, Tensor>, options: NpzOptions = {}): Uint8Array {
  const fn = 'saveNpz';
  T.checkArity(fn, arguments, 2, 'saveNpz(tensors, { compress })');
  checkRecord(fn, 'tensors', tensors, 'a record of tensors by name, e.g. { x: t }');
  const o = T.checkOptions(fn, options, ['compress'], 'saveNpz(tensors, { compress: true })');
  const compress = T.optBoolean(fn, 'compress', o.compress, false);
  const files: Zippable = {};
  for (const [name, t] of Object.entries(tensors)) {
    checkTensorArg(fn, `tensor '${name}'`, t);
    if (name === '' || name.includes('/')) throw new T.TensorError(`${fn}: the name ${JSON.stringify(name)} cannot be a file name in the archive (empty or with '/')`);
    files[`${name}.npy`] = [encodeNpy(t), {}];
  }
  // a fixed date keeps the bytes reproducible (zip stores one per entry)
  return zipSync(files, { level: compress ? 6 : 0, mtime: new Date(1980, 0, 1) });
}

/**
 * Read an .npz archive (stored or deflated, as `numpy.savez` / `numpy.savez_compressed` write): its arrays
 * by name (the entry names without `.npy`), each read as `loadNpy` does.
 */
export function loadNpz(bytes: Uint8Array): Record<string, Tensor> {
  const fn = 'loadNpz';
  T.checkArity(fn, arguments, 1, 'loadNpz(bytes)');
  checkBytes(fn, bytes);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new T.TensorError(`${fn}: not a valid .npz (zip) archive: ${(e as Error).message}`);
  }
  const out: Record<string, Tensor> = {};
  for (const [path, data] of Object.entries(files)) {
    if (path.endsWith('/')) continue; // a directory entry holds nothing
    if (!path.endsWith('.npy')) throw new T.TensorError(`${fn}: the archive holds '${path}', which is not a .npy file`);
    const name = path.slice(0, -4);
    setEntry(out, name, decodeNpy(fn, data, name));
  }
  return out;
}
