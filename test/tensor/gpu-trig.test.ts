// sin and cos on 'gpu' over the whole float32 range (issue 13, item 6), in every gpu.js mode available here
// (modes set up as in gpu-parity.test.ts: headlessgl needs `xvfb-run -a -s "-screen 0 1x1x24"`, webgpu runs
// on Dawn where an adapter exists). The oracle is Math.sin/Math.cos in float64 of the very float32 the
// device receives (V8's are fdlibm's, with an exact reduction for every double); the bound is 1e-6
// absolute everywhere: a dense grid up to 1e8, random float32 of every exponent, powers of two up to 2^127
// and their neighbours, the Cody-Waite/Payne-Hanek switch at 8192, all with both signs, and ±0, NaN and
// ±Infinity (NaN out). The 2/pi table the reduction multiplies by is checked against pi computed exactly.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import { Generator, gpuInfo, setGpuMode, type GpuMode } from '@propel-ts/tensor';
import { LARGE_ARGUMENT, TWO_OVER_PI_CHUNKS } from '@propel-ts/tensor/internal/backends/gpu/trig';
import { describeEachGpuMode } from '../helpers/webgpu';

const BOUND = 1e-6;

/** floor(2/pi * 2^bits), from Machin's formula pi = 16 atan(1/5) - 4 atan(1/239) in exact integers. */
function twoOverPiBits(bits: number): bigint {
  const guard = 32n;
  const one = 1n << (BigInt(bits) + guard);
  const atanInv = (x: bigint): bigint => {
    let sum = 0n;
    let power = one / x; // one / x^(2i+1)
    for (let i = 0n; power !== 0n; i++) {
      sum += (i % 2n === 0n ? 1n : -1n) * (power / (2n * i + 1n));
      power /= x * x;
    }
    return sum;
  };
  const pi = 16n * atanInv(5n) - 4n * atanInv(239n); // pi * 2^(bits + guard), off by a few units
  return ((2n * one * one) / pi) >> guard;
}

/** The inputs, as float32 values (what the device receives), in named groups. */
function grids(): [string, Float32Array][] {
  const g = new Generator(13);
  const signed = (xs: number[]) => Float32Array.from([...xs, ...xs.map((x) => -x)]);
  // 2^20 evenly spaced points in [0, 1e8] (step about 95), each moved by a random fraction of the step
  const dense = Array.from({ length: 2 ** 20 }, (_, i) => (i + g.uniform()) * (1e8 / 2 ** 20));
  const small = Array.from({ length: 20001 }, (_, i) => (i - 10000) * 1e-3 * Math.PI);
  const near8192 = Array.from({ length: 4001 }, (_, i) => LARGE_ARGUMENT + (i - 2000) * 2 ** -10);
  // random significands at every exponent from 2^-20 to 2^127
  const anyExponent = Array.from({ length: 2 ** 17 }, () => (1 + g.uniform()) * 2 ** Math.floor(-20 + 148 * g.uniform()));
  const powers: number[] = [];
  for (let e = -149; e <= 127; e++) powers.push(2 ** e);
  // each power of two's float32 neighbours (from 2^-126, where float32 is normal)
  const neighbours = powers.filter((p) => p >= 2 ** -126).flatMap((p) => [p * (1 - 2 ** -24), p * (1 + 2 ** -23)]);
  const extremes = [3.4028234663852886e38, 1e38, 1e30, 1e20, 1e10, 1e9, 1e8, 1e7];
  return [
    ['dense grid to 1e8', signed(dense)],
    ['small arguments', signed(small)],
    ['around 8192', signed(near8192)],
    ['random float32, every exponent', signed(anyExponent)],
    ['powers of two to 2^127', signed(powers)],
    ['their neighbours', signed(neighbours)],
    ['extremes', signed(extremes)],
  ];
}


describe("sin and cos on 'gpu' over the whole float32 range", function () {
  this.timeout(300_000);
  after(() => setGpuMode('auto'));

  it('the 2/pi table is 180 correct bits of 2/pi, in 12-bit chunks', () => {
    expect(TWO_OVER_PI_CHUNKS.length).to.equal(15);
    const bits = TWO_OVER_PI_CHUNKS.reduce((acc, c) => {
      expect(Number.isInteger(c) && c >= 0 && c < 4096, `chunk ${c}`).to.equal(true);
      return (acc << 12n) | BigInt(c);
    }, 0n);
    expect(bits.toString(16)).to.equal(twoOverPiBits(180).toString(16));
  });

  describeEachGpuMode(trigSuite);
});

function trigSuite(mode: GpuMode): void {
  for (const [op, exact] of [['sin', Math.sin], ['cos', Math.cos]] as const) {
    it(`${op} is within ${BOUND} of float64 ${op} on every grid`, async () => {
      expect(gpuInfo().mode).to.equal(mode);
      const lines: string[] = [];
      for (const [name, xs] of grids()) {
        const got = await T[op](T.tensor(xs, { device: 'gpu' })).data();
        let worst = 0, at = 0;
        for (let i = 0; i < xs.length; i++) {
          const err = Math.abs(got[i]! - exact(xs[i]!));
          // a NaN error (a NaN result for a finite input) must fail: compare with !(<=)
          if (!(err <= worst)) [worst, at] = [err, xs[i]!];
        }
        lines.push(`${name}: max |error| ${worst.toExponential(2)} (at ${at})`);
        expect(worst, `${mode} ${op} ${name}: worst at x = ${at}`).to.be.at.most(BOUND);
      }
      console.log(`      ${mode} ${op}:\n${lines.map((l) => `        ${l}`).join('\n')}`);
    });

    it(`${op} of ±0, NaN and ±Infinity`, async () => {
      const got = Array.from(await T[op](T.tensor([0, -0, NaN, Infinity, -Infinity], { device: 'gpu' })).data());
      // (=== does not tell -0 from 0: a device may not keep the sign of sin(-0))
      for (const v of got.slice(0, 2)) expect(v, `${op}(±0)`).to.equal(op === 'sin' ? 0 : 1);
      expect(got.slice(2).every(Number.isNaN), `${op}(NaN, Infinity, -Infinity) = [${got.slice(2)}]`).to.equal(true);
    });
  }
}
