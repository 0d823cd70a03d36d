// The examples as a user runs them, shortened: the demo trains (the three losses fall), writes its picture,
// and PROPEL and the mixture NLL cover both branches of the two-branch problem where MSE covers neither;
// the orientation example round-trips its state dict exactly and finds both ±r answers among the top modes.
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { runDemo, writeGraph } from '../../examples/demo';
import { runOrientation } from '../../examples/orientation';

describe('examples', function () {
  this.timeout(120000);
  const dir = mkdtempSync(join(tmpdir(), 'propel-examples-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  it('demo: losses fall, the SVG is written, PROPEL and the mixture NLL cover both branches and MSE neither', () => {
    const out = join(dir, 'demo.svg');
    const r = runDemo({ steps: 600, gaussians: 2, seed: 0, device: 'cpu', out, verbose: false });
    expect(avg(r.propelLosses.slice(-50))).to.be.below(0.5 * avg(r.propelLosses.slice(0, 50)));
    expect(avg(r.mseLosses.slice(-50))).to.be.below(avg(r.mseLosses.slice(0, 50)));
    expect(existsSync(out)).to.equal(true);
    const svg = readFileSync(out, 'utf8');
    expect(svg).to.match(/^<svg /).and.to.contain('PROPEL component 2').and.to.contain('MSE fit');
    // the legend names the shaded bands, and the axes say what they are
    expect(svg).to.contain('PROPEL component 1: mean ± 1 sd').and.to.contain('x (input)').and.to.contain('y (target');
    // each branch: most held-out points within the tolerance of some PROPEL component mean ...
    expect(r.propelCoverageByBranch[0]).to.be.above(0.8);
    expect(r.propelCoverageByBranch[1]).to.be.above(0.8);
    // ... and almost none near the MSE fit, which sits between the branches
    expect(r.mseCoverageByBranch[0]).to.be.below(0.1);
    expect(r.mseCoverageByBranch[1]).to.be.below(0.1);
    // the third branch, the same mixture network trained with mixtureNll: its loss (nats) falls by more than
    // 1 (the noise sd is 0.04, so a good fit goes well below 0) and its components cover both branches too
    expect(avg(r.nllLosses.slice(-50))).to.be.below(avg(r.nllLosses.slice(0, 50)) - 1);
    expect(r.nllCoverageByBranch[0]).to.be.above(0.8);
    expect(r.nllCoverageByBranch[1]).to.be.above(0.8);
    expect(svg).to.contain('mixture NLL: component means');
  });

  it('demo --graph: the picture of one training step names every parameter and ends in the propel op', async () => {
    const r = runDemo({ steps: 1, gaussians: 2, seed: 0, device: 'cpu', out: join(dir, 'demo1.svg'), verbose: false, graph: true });
    const dot = r.graphDot!;
    // 1 → 32 → 32 → 4: three Linear layers at Sequential indices 0, 2, 4, each with a weight and a bias
    for (const name of ['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']) expect(dot).to.contain(`label="${name}\\n`);
    expect(dot).to.match(/op\d+ \[shape=box, label="propel\\n\[\] float32\\n[^"]*", penwidth=2\];$/m);
    expect((dot.match(/label="tanh\\n/g) ?? []).length).to.equal(2);
    const path = join(dir, 'graph.svg');
    await writeGraph(dot, path);
    expect(readFileSync(path, 'utf8')).to.contain('<svg').and.to.contain('0.weight').and.to.contain('propel');
  });

  it('orientation: trains, state dict round trip is exact, both answers are found as modes', () => {
    const out = join(dir, 'model.safetensors');
    const r = runOrientation({ steps: 800, gaussians: 4, seed: 0, out, verbose: false });
    expect(avg(r.losses.slice(-50))).to.be.below(0.6 * avg(r.losses.slice(0, 50)));
    expect(r.reloadMaxDiff).to.equal(0);
    expect(r.bothModesFound).to.be.above(0.8);
    expect(r.meanNorm).to.be.below(0.3);
  });
});
