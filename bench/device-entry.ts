// The device bundle's entry point: scripts/build-device-bundle.js bundles this file, with the packages,
// gpu.js, mocha, chai and the two test suites, into one file (.device/bundle/js/device.js) that runs on a
// machine with no Node project at all; bench/device.sh calls it there. Also runs from the sources:
// `npm run ts -- bench/device-entry.ts probe`.
//
//   node device.js probe                     a WebGPU adapter through Dawn, and one small kernel
//   node device.js test <suite>... [--grep]  suites (parity: test/tensor/gpu-parity.test.ts, propel:
//                                            test/propel/gpu.test.ts) in mocha, webgpu mode only by default
//   node device.js bench [--quick] [--only]  bench/device.ts's rows (--quick: SwiftShader's sizes)
//
// stdout carries JSON lines only, in the shape `npm run bench` prints ({"workload","params","median_ms",
// "runs"}; for the probe and a suite run, median_ms is the wall time and runs 1); everything meant for a
// person (mocha's spec reporter, the suites' console.log, the bench progress) goes to stderr.
// PROPEL_DEVICE_EXPECT_GPU=1 (bench/device.sh sets it where nvidia-smi lists a GPU) makes the probe, and so
// every command, fail on a software adapter.
//
// Mocha rather than a small runner of our own: the suites use describe/it/before/after, it.skip,
// this.skip() in hooks and this.timeout, and with mocha itself they behave exactly as in `npm test`;
// bundled it adds under 1 MB.
import { GPU } from 'gpu.js';
import { useGpuJs } from '@propel-ts/tensor';
import { format } from 'node:util';
import { Report } from './harness';
import { probeDevice, runDeviceBench } from './device';

// The tensor package loads gpu.js lazily with a `require` that a bundler leaves unresolved (so CPU-only
// users never need it); in the bundle it is the copy bundled here.
useGpuJs({ GPU });

/** The suites `test` runs, by name: each registers its describe blocks when required. */
const SUITES: Record<string, () => unknown> = {
  parity: () => require('../test/tensor/gpu-parity.test'),
  propel: () => require('../test/propel/gpu.test'),
};

const expectHardware = process.env.PROPEL_DEVICE_EXPECT_GPU === '1';

/** One JSON line on stdout. */
const emit = (line: object) => process.stdout.write(JSON.stringify(line) + '\n');

/** Run the named suites in mocha (only the tests whose full title matches `grep`); resolves to the failure count. */
async function runSuites(names: readonly string[], grep: string): Promise<number> {
  const unknown = names.filter((n) => !(n in SUITES));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(`test: ${names.length === 0 ? 'no suite named' : `unknown suite ${unknown.join(', ')}`}, expected some of ${Object.keys(SUITES).join(', ')}`);
  }
  // mocha's reporters print with the console.log they find when they load: send it to stderr first
  console.log = (...args: unknown[]) => void process.stderr.write(format(...args) + '\n');
  const Mocha = require('mocha') as typeof import('mocha');
  const mocha = new Mocha({ reporter: 'spec', timeout: 120_000, grep });
  // what `mocha` does before loading each spec file: describe, it, before, ... become globals
  mocha.suite.emit('pre-require', globalThis, 'device-bundle', mocha);
  for (const name of names) SUITES[name]!();
  const t0 = performance.now();
  const stats = await new Promise<Mocha.Stats>((resolve) => {
    const runner = mocha.run(() => resolve(runner.stats!));
  });
  emit({
    workload: 'device.test',
    params: { suites: names.join(','), grep, tests: stats.tests, passes: stats.passes, failures: stats.failures, pending: stats.pending },
    median_ms: Number((performance.now() - t0).toFixed(1)),
    runs: 1,
  });
  return stats.failures;
}

/** `test`'s arguments: suite names, and `--grep PATTERN` (or `--grep=PATTERN`; default: webgpu mode only). */
function testArgs(args: readonly string[]): { names: string[]; grep: string } {
  const names: string[] = [];
  let grep = 'mode webgpu';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--grep' && i + 1 < args.length) grep = args[++i]!;
    else if (a.startsWith('--grep=')) grep = a.slice('--grep='.length);
    else if (a.startsWith('--')) throw new Error(`test: unknown option ${a}, expected --grep PATTERN`);
    else names.push(a);
  }
  return { names, grep };
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'probe':
      emit(await probeDevice(expectHardware));
      return 0;
    case 'test': {
      const { names, grep } = testArgs(args);
      return runSuites(names, grep);
    }
    case 'bench': {
      const report = Report.fromArgs(args);
      await runDeviceBench(report, { quick: args.includes('--quick'), expectHardware });
      process.stderr.write('\n' + report.table() + '\n');
      return 0;
    }
    default:
      throw new Error(`device: unknown command ${command === undefined ? '(none)' : `'${command}'`}, expected probe, test <suite>... or bench`);
  }
}

main(process.argv.slice(2)).then((failures) => {
  process.exitCode = failures > 0 ? 1 : 0;
}, (e: unknown) => {
  process.stderr.write(`device: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});
