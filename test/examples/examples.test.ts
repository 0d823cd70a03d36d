// The examples as a user runs them, shortened: the demo trains (both losses fall), writes its picture, and
// PROPEL covers both branches of the two-branch problem where MSE covers neither; the orientation example
// round-trips its state dict exactly and finds both ±r answers among the top modes.
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { runDemo } from '../../examples/demo';
import { runOrientation } from '../../examples/orientation';

describe('examples', function () {
  this.timeout(120000);
  const dir = mkdtempSync(join(tmpdir(), 'propel-examples-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  it('demo: losses fall, the SVG is written, PROPEL covers both branches and MSE neither', () => {
    const out = join(dir, 'demo.svg');
    const r = runDemo({ steps: 600, gaussians: 2, seed: 0, device: 'cpu', out, verbose: false });
    expect(avg(r.propelLosses.slice(-50))).to.be.below(0.5 * avg(r.propelLosses.slice(0, 50)));
    expect(avg(r.mseLosses.slice(-50))).to.be.below(avg(r.mseLosses.slice(0, 50)));
    expect(existsSync(out)).to.equal(true);
    const svg = readFileSync(out, 'utf8');
    expect(svg).to.match(/^<svg /).and.to.contain('PROPEL component 2').and.to.contain('MSE fit');
    // each branch: most held-out points within the tolerance of some PROPEL component mean ...
    expect(r.propelCoverageByBranch[0]).to.be.above(0.8);
    expect(r.propelCoverageByBranch[1]).to.be.above(0.8);
    // ... and almost none near the MSE fit, which sits between the branches
    expect(r.mseCoverageByBranch[0]).to.be.below(0.1);
    expect(r.mseCoverageByBranch[1]).to.be.below(0.1);
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
