// `npm run bench [-- --only PREFIX[,PREFIX...]]`: every benchmark suite, one JSON line per measurement on
// stdout ({"workload","params","median_ms","runs"}), a table on stderr at the end. Suites other than the
// tensor one live in their own files (gpu, autograd, propel, train) and are skipped when absent.
import * as fs from 'fs';
import * as path from 'path';
import { Report } from './harness';
import { runTensorBench } from './tensor';

type Suite = (report: Report) => unknown;

/** Optional suites: file (next to this one) and the function it exports. */
const OPTIONAL: readonly [file: string, fn: string][] = [
  ['gpu', 'runGpuBench'],
  ['autograd', 'runAutogradBench'],
  ['propel', 'runPropelBench'],
  ['propel-gpu', 'runPropelGpuBench'],
  ['train', 'runTrainBench'],
  ['scale', 'runScaleBench'],
  ['peak', 'runPeakBench'],
];

async function main(): Promise<void> {
  const report = Report.fromArgs(process.argv.slice(2));
  await runTensorBench(report);
  for (const [file, fn] of OPTIONAL) {
    if (!fs.existsSync(path.join(__dirname, `${file}.ts`)) && !fs.existsSync(path.join(__dirname, `${file}.js`))) {
      process.stderr.write(`bench: skipping ${file} (bench/${file}.ts not found)\n`);
      continue;
    }
    const mod = (await import(`./${file}`)) as Record<string, unknown>;
    const suite = mod[fn];
    if (typeof suite !== 'function') throw new Error(`bench/${file}.ts does not export ${fn}(report)`);
    await (suite as Suite)(report);
  }
  process.stderr.write('\n' + report.table() + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
