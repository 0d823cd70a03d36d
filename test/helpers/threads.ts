// Test helper (not a test file): the CPU threads' suites (test/tensor/threads.test.ts, parallel-for.test.ts,
// test/propel/threads.test.ts) switch the thread count and compare results bit for bit.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor/node';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Use `n` threads, once every worker has started (until then everything stays on the calling thread). */
export async function useThreads(n: number): Promise<void> {
  T.setNumThreads(n);
  for (let i = 0; i < 500 && T.cpuInfo().ready < T.cpuInfo().workers; i++) await sleep(10);
  expect(T.cpuInfo().ready, 'workers started').to.equal(n - 1);
}

/** `got` has `expected`'s length and bits, element by element (Object.is: NaN equals NaN, -0 differs from 0). */
export function sameBits(expected: ArrayLike<number>, got: ArrayLike<number>, what: string): void {
  expect(got.length, `${what}: length`).to.equal(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(expected[i], got[i])) expect.fail(`${what}: element ${i} is ${got[i]}, expected ${expected[i]}`);
  }
}
