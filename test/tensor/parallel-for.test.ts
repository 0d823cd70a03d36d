// parallelFor (packages/tensor/src/backends/cpu/parallel-for.ts, through '@propel-ts/tensor/node'): a loop's
// index range over the CPU threads. The oracle is the same loop written out on the calling thread, index by
// index; the results must be the same bits on 1, 2 and 3 threads, and a loop that cannot travel, or is too
// small, must still give them (on the calling thread).
import { expect } from 'chai';
import * as T from '@propel-ts/tensor/node';
import { loopBodiesMet } from '@propel-ts/tensor/internal/backends/cpu/parallel-for';
import { sameBits, useThreads } from '../helpers/threads';

/** y[i] = sin(x[i]) * w[i % 7] + i, z[i] = i; returns the first index whose x is negative in its range (or -1). */
const body = ([x, w, y, z]: readonly [Float32Array, Float64Array, Float32Array, Int32Array], start: number, end: number): number => {
  let firstNegative = -1;
  for (let i = start; i < end; i++) {
    y[i] = Math.sin(x[i]!) * w[i % 7]! + i;
    z[i] = i;
    if (firstNegative < 0 && x[i]! < 0) firstNegative = i;
  }
  return firstNegative;
};

function inputs(n: number) {
  const x = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.37) * 3 + 2.5);
  const w = Float64Array.from({ length: 7 }, (_, i) => 0.5 + i / 3);
  return { x, w };
}

/** The loop written out on the calling thread: the oracle. */
function naive(x: Float32Array, w: Float64Array): { y: Float32Array; z: Int32Array } {
  const y = new Float32Array(x.length), z = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    y[i] = Math.sin(x[i]!) * w[i % 7]! + i;
    z[i] = i;
  }
  return { y, z };
}

describe('parallelFor: a loop over the CPU threads, the same bits whatever the thread count', function () {
  this.timeout(120_000);
  after(() => T.setNumThreads(1));

  it('splits [0, count) into one range per thread and gives the naive loop\'s bits on 1, 2 and 3 threads', async () => {
    const n = 100_003;
    const { x, w } = inputs(n);
    const want = naive(x, w);
    for (const t of [1, 2, 3]) {
      await useThreads(t);
      const y = new Float32Array(n), z = new Int32Array(n).fill(-5);
      const before = T.cpuInfo().parallelLoops;
      const results = T.parallelFor(body, [x, w, y, z] as const, { count: n, grain: 1000 });
      expect(T.cpuInfo().parallelLoops - before, `${t} threads: ran on the threads`).to.equal(t === 1 ? 0 : 1);
      sameBits(want.y, y, `${t} threads: y`);
      sameBits(want.z, z, `${t} threads: z`);
      // one result per range, in order: the first range's first negative x, then the later ranges'
      expect(results.length, 'one result per range').to.equal(t);
      expect(results[0]).to.equal(x.findIndex((v) => v < 0));
      for (const r of results.slice(1)) expect(r === -1 || x[r]! < 0, `result ${r}`).to.equal(true);
    }
  });

  it('a range is never shorter than grain, and count < 2·grain stays on the calling thread', async () => {
    await useThreads(3);
    const starts = new Int32Array(4).fill(-1);
    const before = T.cpuInfo().parallelLoops;
    // 2500 indices with grain 1000: two ranges (not three of 834)
    const r = T.parallelFor(([s]: readonly [Int32Array], start: number) => { s[start === 0 ? 0 : 1] = start; return start; }, [starts] as const, { count: 2500, grain: 1000 });
    expect(r).to.deep.equal([0, 1250]);
    expect(T.cpuInfo().parallelLoops).to.equal(before + 1);
    const small = T.parallelFor((_a: readonly [], start: number, end: number) => end - start, [] as const, { count: 1999, grain: 1000 });
    expect(small, 'one range on the calling thread').to.deep.equal([1999]);
    expect(T.cpuInfo().parallelLoops).to.equal(before + 1);
    expect(T.parallelFor(() => 7, [] as const, { count: 0, grain: 1 }), 'no indices: no call').to.deep.equal([]);
  });

  it('an arrow written inline (a new function at every call) is compiled once, by its text', async () => {
    await useThreads(2);
    const x = new Float64Array(20_000);
    const before = T.cpuInfo().parallelLoops, met = loopBodiesMet();
    for (let step = 0; step < 20; step++) {
      T.parallelFor(([a]: readonly [Float64Array], s: number, e: number) => { for (let i = s; i < e; i++) a[i] = a[i]! + 1; }, [x] as const, { count: x.length, grain: 100 });
    }
    expect(T.cpuInfo().parallelLoops - before, 'all on the threads').to.equal(20);
    expect(loopBodiesMet() - met, 'one body compiled').to.equal(1);
    expect(x.every((v) => v === 20), 'every step counted once').to.equal(true);
  });

  it('a body that refers to something outside itself runs on the calling thread, with the right result', async () => {
    await useThreads(2);
    const scale = 3; // a closure: the body's text alone cannot see it
    const x = Float64Array.from({ length: 50_000 }, (_, i) => i), y = new Float64Array(x.length);
    const scaled = ([a, b]: readonly [Float64Array, Float64Array], s: number, e: number) => { for (let i = s; i < e; i++) b[i] = scale * a[i]!; };
    const before = T.cpuInfo().parallelLoops;
    expect(T.parallelFor(scaled, [x, y] as const, { count: x.length, grain: 100 })).to.deep.equal([0]);
    sameBits(x.map((v) => 3 * v), y, 'y');
    // and it is not tried on the threads again
    y.fill(0);
    T.parallelFor(scaled, [x, y] as const, { count: x.length, grain: 100 });
    sameBits(x.map((v) => 3 * v), y, 'y, second call');
    expect(T.cpuInfo().parallelLoops).to.equal(before);
  });

  it("a body's own error reaches the caller; arrays that overlap stay on the calling thread", async () => {
    await useThreads(2);
    const x = new Float64Array(10_000);
    // the range holding index 9000 throws (on a worker, then again on the calling thread)
    const throwing = ([a]: readonly [Float64Array], s: number, e: number) => { if (s <= 9000 && e > 9000) throw new RangeError(`bad index ${a.length}`); };
    expect(() => T.parallelFor(throwing, [x] as const, { count: x.length, grain: 10 }))
      .to.throw(RangeError, 'bad index 10000');
    // y is x shifted by one: y[i] = x[i] + 1 reads what the previous index wrote, as on one thread
    const buf = new Float64Array(10_001);
    const xs = buf.subarray(0, 10_000), ys = buf.subarray(1);
    const before = T.cpuInfo().parallelLoops;
    T.parallelFor(([a, b]: readonly [Float64Array, Float64Array], s: number, e: number) => { for (let i = s; i < e; i++) b[i] = a[i]! + 1; }, [xs, ys] as const, { count: 10_000, grain: 10 });
    expect(T.cpuInfo().parallelLoops).to.equal(before);
    expect(buf[10_000], 'the chain ran in order').to.equal(10_000);
  });

  it('refuses what it cannot do, naming the argument', () => {
    const ok = [new Float64Array(4)] as const;
    const call = (...args: unknown[]) => () => (T.parallelFor as (...a: unknown[]) => unknown)(...args);
    expect(call(42, ok, { count: 4, grain: 1 })).to.throw(T.TensorError, 'parallelFor: body got 42, expected a function');
    expect(call(() => 0, [[1, 2]], { count: 4, grain: 1 })).to.throw(T.TensorError, 'parallelFor: arrays[0] got');
    expect(call(() => 0, [new Uint8Array(2)], { count: 4, grain: 1 })).to.throw(T.TensorError, 'expected a Float32Array, Float64Array or Int32Array');
    expect(call(() => 0, ok, { count: 4 })).to.throw(T.TensorError, 'parallelFor: options need count and grain');
    expect(call(() => 0, ok, { count: -1, grain: 1 })).to.throw(T.TensorError, 'parallelFor: count got -1');
    expect(call(() => 0, ok, { count: 2 ** 31, grain: 1 })).to.throw(T.TensorError, 'parallelFor: count got 2147483648');
    expect(call(() => 0, ok, { count: 4, grain: 0.5 })).to.throw(T.TensorError, 'parallelFor: grain got 0.5');
    expect(call(() => 0, ok, { count: 4, grain: 1, chunk: 2 })).to.throw(T.TensorError, "parallelFor: unknown option 'chunk'");
    expect(call(() => 0.5, ok, { count: 4, grain: 1 })).to.throw(T.TensorError, 'parallelFor: the body returned 0.5, expected an int32 or nothing');
    expect(call(() => 0, ok, { count: 4, grain: 1 }, 'extra')).to.throw(T.TensorError, 'parallelFor');
  });

  it('a body returning a non-integer for a range on a worker throws the same error', async () => {
    await useThreads(2);
    const x = new Float64Array(10_000);
    expect(() => T.parallelFor((_a: readonly [Float64Array], s: number, e: number) => (s <= 9000 && e > 9000 ? 1.5 : 0), [x] as const, { count: x.length, grain: 10 }))
      .to.throw(T.TensorError, 'parallelFor: the body returned 1.5, expected an int32 or nothing');
  });
});
