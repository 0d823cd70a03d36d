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

/** A compact description of a value for error messages. */
export function describe(x: unknown): string {
  if (Array.isArray(x)) return `array(${x.length})`;
  if (x === null) return 'null';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  if (typeof x === 'string') return JSON.stringify(x);
  return String(x);
}
