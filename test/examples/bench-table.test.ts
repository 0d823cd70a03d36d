// bench/harness.ts's table: at most 100 columns, however long the parameters, with every parameter still
// printed (wrapped onto indented lines), and the figures right-aligned.
import { expect } from 'chai';
import { Report } from '../../bench/harness';
import { mlpStepFlops, MATMUL_SIZES, MLP_SHAPES } from '../../bench/scale';

describe('bench: the summary table', () => {
  it('fits 100 columns and keeps every parameter', () => {
    const report = new Report([], true);
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;   // the JSON lines are not under test
    try {
      report.add({ workload: 'W3.matmul.gpu', params: { mode: 'webgpu', adapter: 'SwiftShader driver 5.0.0 / google / swiftshader', m: 512, k: 512, n: 512, dtype: 'float32', kernel: 'gpu.js kernel', readback: 'result read back once per run' }, median_ms: 1547.25, runs: 4 });
      report.add({ workload: 'W2.train.step', params: { B: 256 }, median_ms: 1.76, runs: 480 });
    } finally {
      process.stdout.write = write;
    }
    const lines = report.table().split('\n');
    for (const line of lines) expect(line.length, line).to.be.at.most(100);
    const text = lines.join(' ').replace(/\s+/g, ' ');
    for (const p of ['mode=webgpu', 'adapter=SwiftShader driver 5.0.0 / google / swiftshader', 'readback=result read back once per run', 'B=256']) {
      expect(text).to.contain(p);
    }
    expect(lines[0]).to.match(/^workload\s+median ms\s+runs\s+params$/);
    expect(lines.find((l) => l.startsWith('W2.train.step'))).to.match(/^W2\.train\.step\s+1\.760\s+480\s+B=256$/);
  });

  it("scale: the MLP step's flop count is 6·B·Σ fan_in·fan_out (by hand), and the rows are the issue's sizes", () => {
    // B = 10, H = 3: layers 2→3, 3→3, 3→16: 6 + 9 + 48 = 63 weights; forward 2·B·63, backward 4·B·63
    expect(mlpStepFlops(10, 3)).to.equal(6 * 10 * 63);
    expect([...MATMUL_SIZES]).to.deep.equal([128, 256, 512, 1024, 2048]);
    expect(MLP_SHAPES.map((s) => [...s])).to.deep.equal([[256, 64], [256, 256], [1024, 256], [1024, 1024]]);
  });
});
