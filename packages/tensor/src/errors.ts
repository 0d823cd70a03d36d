// Layer: tensor. One error type and formatting helpers, so every message reads
// `op: argument got ..., expected ...`. Imports nothing.

/** Thrown for invalid arguments: the message names the op, the argument, what was given and what was expected. */
export class TensorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TensorError';
  }
}

/** Format a shape the way error messages and toString print it: `[2,3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Throw `TensorError("op: message")`. */
export function fail(op: string, message: string): never {
  throw new TensorError(`${op}: ${message}`);
}

/** Throw an `internal:` error: one of our own invariants failed. */
export function internal(message: string): never {
  throw new Error(`internal: ${message}`);
}

/** How a value reads in an error message: strings quoted (`'0.1'`, never `0.1`), arrays and objects by kind. */
export function describeValue(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x);
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (typeof x === 'number') return Object.is(x, -0) ? '-0' : String(x);
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'function') return 'a function';
  if (Array.isArray(x)) return x.length <= 8 ? `[${x.map(describeValue).join(', ')}]` : `an array of ${x.length}`;
  if (typeof x === 'object') {
    const name = (x as object).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return String(x);
}

/** A compact description of a value for error messages: arrays by length, objects by class, else as describeValue. */
export function describe(x: unknown): string {
  if (Array.isArray(x)) return `array(${x.length})`;
  if (x !== null && typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return describeValue(x);
}
