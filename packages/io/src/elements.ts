// Layer: io. Element codecs shared by every file format here: raw little- or big-endian bytes of one
// element type <-> the float32/float64 typed arrays behind a Tensor. Every reader goes through a DataView,
// so a Uint8Array at any byteOffset (a view into a larger buffer, unaligned) reads the same. Imports tensor.
import * as T from '@propel-ts/tensor';
import type { DType, Tensor, TypedArray } from '@propel-ts/tensor';

/**
 * The element types a file may hold. Floats of 16 and 32 bits read as float32 (exact: float32 holds every
 * float16 and bfloat16 value), float64 as float64, integers and booleans as float64 (exact up to 2^53; a
 * 64-bit integer a float64 cannot hold is an error, never a rounded number).
 */
export type ElementType = 'f2' | 'bf2' | 'f4' | 'f8' | 'i1' | 'i2' | 'i4' | 'i8' | 'u1' | 'u2' | 'u4' | 'u8' | 'b1';

/** Bytes per element. */
export const ELEMENT_BYTES: Record<ElementType, number> = {
  f2: 2, bf2: 2, f4: 4, f8: 8, i1: 1, i2: 2, i4: 4, i8: 8, u1: 1, u2: 2, u4: 4, u8: 8, b1: 1,
};

/** The tensor dtype an element type reads as. */
export function dtypeFor(type: ElementType): DType {
  return type === 'f2' || type === 'bf2' || type === 'f4' ? 'float32' : 'float64';
}

/** float16 bits -> number (IEEE 754 binary16: 1 sign, 5 exponent, 10 fraction bits). */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** The reader of one element of `type` at byte `at` of `view`. */
function elementReader(type: ElementType, view: DataView, little: boolean, fn: string, name: string): (at: number) => number {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  const big = (x: bigint): number => {
    const v = Number(x);
    if (BigInt(v) !== x) throw new T.TensorError(`${fn}: '${name}' holds the 64-bit integer ${x}, which a float64 cannot hold exactly (it would round to ${v})`);
    return v;
  };
  switch (type) {
    case 'f2': return (at) => halfToNumber(view.getUint16(at, little));
    case 'bf2': return (at) => { u32[0] = view.getUint16(at, little) << 16; return f32[0]!; }; // the top half of a float32
    case 'f4': return (at) => view.getFloat32(at, little);
    case 'f8': return (at) => view.getFloat64(at, little);
    case 'i1': return (at) => view.getInt8(at);
    case 'i2': return (at) => view.getInt16(at, little);
    case 'i4': return (at) => view.getInt32(at, little);
    case 'i8': return (at) => big(view.getBigInt64(at, little));
    case 'u1': return (at) => view.getUint8(at);
    case 'u2': return (at) => view.getUint16(at, little);
    case 'u4': return (at) => view.getUint32(at, little);
    case 'u8': return (at) => big(view.getBigUint64(at, little));
    case 'b1': return (at) => {
      const b = view.getUint8(at);
      if (b > 1) throw new T.TensorError(`${fn}: '${name}' is boolean but holds the byte ${b} (expected 0 or 1)`);
      return b;
    };
    default: {
      const never: never = type;
      throw new T.TensorError(`internal: unknown element type ${String(never)}`);
    }
  }
}

/**
 * `count` elements of `type` starting at `bytes[start]`, as the typed array of `dtypeFor(type)`.
 * `fn` and `name` (the function and the tensor) go into error messages.
 */
export function decodeElements(
  bytes: Uint8Array, start: number, count: number, type: ElementType, little: boolean, fn: string, name: string,
): TypedArray {
  const out = dtypeFor(type) === 'float32' ? new Float32Array(count) : new Float64Array(count);
  const size = ELEMENT_BYTES[type];
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, count * size);
  const read = elementReader(type, view, little, fn, name);
  for (let i = 0; i < count; i++) out[i] = read(i * size);
  return out;
}

/** A tensor's elements in row-major (C) order as little-endian bytes of its own dtype (f4 or f8). */
export function encodeTensor(t: Tensor): Uint8Array {
  const values = t.toTypedArray(); // a row-major copy whatever the strides (a transposed view is written in order)
  const size = t.dtype === 'float64' ? 8 : 4;
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  if (size === 8) for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
  else for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

/** Throws unless `bytes` is a Uint8Array (a Node Buffer is one). */
export function checkBytes(fn: string, bytes: unknown): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new T.TensorError(`${fn}: bytes got ${T.describeValue(bytes)}, expected a Uint8Array (in Node, fs.readFileSync gives one)`);
  }
}

/** Throws unless `t` is a Tensor; `what` names it ("tensor 'a'"). */
export function checkTensorArg(fn: string, what: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof T.Tensor)) throw new T.TensorError(`${fn}: ${what} got ${T.describeValue(t)}, expected a Tensor`);
}

/** Throws unless `record` is a plain object (the names -> tensors record of a save function). */
export function checkRecord(fn: string, arg: string, record: unknown, usage: string): asserts record is Record<string, unknown> {
  const proto = record === null || typeof record !== 'object' ? undefined : Object.getPrototypeOf(record);
  if (proto === undefined || Array.isArray(record) || (proto !== Object.prototype && proto !== null)) {
    throw new T.TensorError(`${fn}: ${arg} got ${T.describeValue(record)}, expected ${usage}`);
  }
}

/**
 * `record[key] = value` as an own property even for keys like `__proto__` (a file may name a tensor so:
 * plain assignment would change the record's prototype instead and lose the tensor).
 */
export function setEntry<V>(record: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A row-major tensor of `shape` over `values` (`fortran`: the values are column-major, as NumPy's order='F'). */
export function tensorFrom(values: TypedArray, shape: readonly number[], fortran = false): Tensor {
  if (!fortran || shape.length < 2) return T.fromTypedArray(values, shape);
  const reversed = [...shape].reverse();
  const dims = reversed.map((_, i) => reversed.length - 1 - i);
  return T.fromTypedArray(values, reversed).permute(dims).contiguous();
}
