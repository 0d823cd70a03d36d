// Layer: tensor. A seeded pseudo-random generator that gives the same numbers on every platform
// (32-bit integer arithmetic only: xoshiro128** seeded through splitmix32). Imports the option checks.

/**
 * A seeded generator. `new Generator(42).uniform()` returns the same sequence in Node and every browser.
 *
 * ```ts
 * const g = new Generator(7);
 * g.uniform();   // in [0, 1)
 * g.normal();    // standard normal (Box-Muller)
 * ```
 */
import { fail } from './errors';
import { checkArity, optNumber, optSeed } from './options';

export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /** `seed`: a safe integer (default 0); seeds equal modulo 2^32 give the same sequence. */
  constructor(seed = 0) {
    checkArity('Generator', arguments, 1, 'new Generator(seed)');
    this.seed(seed);
  }

  /** Restart the sequence from `seed` (a safe integer; seeds equal modulo 2^32 give the same sequence). */
  seed(seed: number): void {
    checkArity('Generator.seed', arguments, 1, 'generator.seed(seed)');
    let x = requireSeed('Generator.seed', seed) >>> 0;
    const next = () => {
      // splitmix32
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    this.spare = null;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal by the Box-Muller transform (pairs are used, so two calls cost one transform). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    optNumber('Generator.int', 'n', n, undefined, { integer: true, min: 1 });
    return Math.floor(this.uniform() * n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The generator used when no `seed` is given; reseed it with `manualSeed`. Starts at seed 0. */
export const defaultGenerator = new Generator(0);

/** Reseed the default generator (like `torch.manual_seed`). */
export function manualSeed(seed: number): void {
  checkArity('manualSeed', arguments, 1, 'manualSeed(seed)');
  defaultGenerator.seed(requireSeed('manualSeed', seed));
}

/** A seed given positionally: required, a safe integer. */
function requireSeed(fn: string, seed: unknown): number {
  const s = optSeed(fn, 'seed', seed);
  if (s === undefined) fail(fn, 'seed got undefined, expected an integer');
  return s;
}
