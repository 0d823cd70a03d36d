// # propel-ts demo: one input, two right answers
//
// Run: `npm run demo` (flags: `npm run demo -- --help`).
//
// Some regression problems have more than one correct answer for the same input. Here each x has two
// targets, y = +r(x) and y = -r(x) (the upper and lower half of an ellipse, plus noise). A network trained
// with mean squared error must output ONE number per x, so it learns the average of the two branches,
// y ≈ 0: a prediction that is wrong for every single point. A network trained with PROPEL outputs a
// mixture of I Gaussians instead, and its components can sit on both branches at once. A third network,
// the same mixture network trained with the mixture negative log-likelihood (the MDN loss, mixtureNll),
// shows the classic maximum-likelihood way to the same goal.
//
// This script trains the three networks from the same seed, prints progress, and writes a picture.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as T from '@propel-ts/tensor';
import { nn, optim, mseLoss, noGrad, toDot, type Variable } from '@propel-ts/autograd';
import { mixtureNll, propelLoss, unpackPrediction } from '@propel-ts/propel';
import { intFlag, parseFlags, usageError } from './cli';
import { createStepProgress } from './progress';
import { svgPlot, type Series } from './plot';
import { makeData } from './two-branch';

export interface DemoOptions {
  steps: number;
  gaussians: number;
  seed: number;
  device: T.Device;
  out: string;
  /** Print progress lines (default true). */
  verbose?: boolean;
  /** Keep the DOT text of the first PROPEL training step's graph (`toDot`, values and gradients). */
  graph?: boolean;
}

export interface DemoResult {
  propelLosses: number[];
  nllLosses: number[];
  mseLosses: number[];
  /** Fraction of test points within `tolerance` of the nearest PROPEL / NLL component mean, or the MSE prediction. */
  propelCoverage: number;
  nllCoverage: number;
  mseCoverage: number;
  /** Same, per branch (upper, lower). */
  propelCoverageByBranch: [number, number];
  nllCoverageByBranch: [number, number];
  mseCoverageByBranch: [number, number];
  tolerance: number;
  svgPath: string;
  /** The first PROPEL step's graph as Graphviz DOT text, when `graph` was asked for. */
  graphDot?: string;
}

// ## 1. The data
// x uniform in [-1, 1]; the branch (upper or lower) is a coin flip; y = ±0.8·√(1 - 0.8x²) plus noise
// (examples/two-branch.ts, shared with the browser playground).

export function runDemo(o: DemoOptions): DemoResult {
  const log = o.verbose === false ? () => {} : (s: string) => console.log(s);
  const gen = new T.Generator(o.seed);
  const train = makeData(2048, gen);
  const test = makeData(1000, gen);
  const I = o.gaussians;
  const n = 1;
  const batch = 256;
  const opts = { device: o.device } as const;

  // ## 2. Three networks, 1 → 32 → 32 → outputs, tanh, seeded
  // PROPEL's and the NLL's networks output I components × (n means + n standard deviations), and start
  // from the same weights (same seed): only the loss differs. MSE's outputs one number.
  const propelNet = new nn.MLP([1, 32, 32, I * 2 * n], { seed: o.seed, ...opts });
  const nllNet = new nn.MLP([1, 32, 32, I * 2 * n], { seed: o.seed, ...opts });
  const mseNet = new nn.MLP([1, 32, 32, 1], { seed: o.seed, ...opts });
  const propelOpt = new optim.Adam(propelNet.parameters(), { lr: 3e-3 });
  const nllOpt = new optim.Adam(nllNet.parameters(), { lr: 3e-3 });
  const mseOpt = new optim.Adam(mseNet.parameters(), { lr: 3e-3 });
  // 'softplus' keeps predicted standard deviations positive and smooth (see the PROPEL docs: with the
  // reference's 'identity' the loss has a 1/|s| singularity that makes training spike).
  const lossOptions = { sigma: 0.05, sigmaTransform: 'softplus' as const };

  // ## 3. Train: sample a batch, forward, loss, backward, step
  const propelLosses: number[] = [];
  const nllLosses: number[] = [];
  const mseLosses: number[] = [];
  log(`training on '${o.device}'${o.device === 'gpu' ? ` (gpu.js mode ${T.gpuInfo().mode})` : ''}: I = ${I} Gaussians, ${o.steps} steps, batch ${batch}`);
  log('  propel: the PROPEL loss of the predicted mixture against the target (log10 units, >= 0, 0 only for a perfect match)');
  log('  nll:    the mixture negative log-likelihood of the target (nats; a density, so it goes below 0)');
  log('  mse:    the mean squared error of the single MSE prediction (units of y squared)');
  log('  The three measure different things: compare each with itself over the run, not with each other.');
  const progress = o.verbose === false ? null : createStepProgress(o.steps);
  let graphDot: string | undefined;
  for (let step = 1; step <= o.steps; step++) {
    const idx = Array.from({ length: batch }, () => gen.int(train.x.length));
    const xb = T.tensor(idx.map((i) => train.x[i]!), { shape: [batch, 1], ...opts });
    const yb = T.tensor(idx.map((i) => train.y[i]!), { shape: [batch, 1], ...opts });

    propelOpt.zeroGrad();
    const output = propelNet.forward(xb).reshape([batch, I, 2 * n]); // [B, I, 2n]
    const loss = propelLoss(output, yb, lossOptions);
    loss.backward();
    // the tape of this step, drawn after backward so the parameters' gradients are in the picture
    if (o.graph && step === 1) graphDot = toDot(loss, { names: propelNet.namedParameters(), values: true, grads: true });
    propelOpt.step();

    // the same batch, the same mixture layout, the likelihood of the point target instead of PROPEL
    nllOpt.zeroGrad();
    const nll = mixtureNll(nllNet.forward(xb).reshape([batch, I, 2 * n]), yb, { sigmaTransform: lossOptions.sigmaTransform });
    nll.backward();
    nllOpt.step();

    mseOpt.zeroGrad();
    const mse = mseLoss(mseNet.forward(xb), yb);
    mse.backward();
    mseOpt.step();

    propelLosses.push(loss.item());
    nllLosses.push(nll.item());
    mseLosses.push(mse.item());
    progress?.step(step, `propel ${loss.item().toFixed(4)}  nll ${nll.item().toFixed(4)}  mse ${mse.item().toFixed(4)}`);
  }
  progress?.done();

  // ## 4. Evaluate on held-out points: does some prediction land near each target?
  const tolerance = 0.15;
  const xt = T.tensor(test.x, { shape: [test.x.length, 1], ...opts });
  const meansAt = (net: nn.MLP) => noGrad(() => unpackPrediction(
    (net.forward(xt) as Variable).value.reshape([test.x.length, I, 2 * n]), n, { sigmaTransform: 'softplus' })).mu.toTypedArray();
  const muHost = meansAt(propelNet);
  const nllMu = meansAt(nllNet);
  const msePred = noGrad(() => mseNet.forward(xt).value.toTypedArray());
  const hits = { propel: [0, 0], nll: [0, 0], mse: [0, 0], count: [0, 0] };
  const nearest = (m: ArrayLike<number>, i: number, y: number) => {
    let d = Infinity;
    for (let k = 0; k < I; k++) d = Math.min(d, Math.abs(m[i * I + k]! - y));
    return d;
  };
  test.y.forEach((y, i) => {
    const b = test.branch[i]!;
    hits.count[b]!++;
    if (nearest(muHost, i, y) < tolerance) hits.propel[b]!++;
    if (nearest(nllMu, i, y) < tolerance) hits.nll[b]!++;
    if (Math.abs(msePred[i]! - y) < tolerance) hits.mse[b]!++;
  });
  const frac = (h: number[]) => (h[0]! + h[1]!) / test.y.length;
  const byBranch = (h: number[]): [number, number] => [h[1]! / hits.count[1]!, h[0]! / hits.count[0]!];

  // ## 5. The picture: data, each PROPEL component's mean ± one standard deviation, the NLL network's
  // component means (dashed), and the MSE fit
  const grid = Array.from({ length: 101 }, (_, i) => -1 + i / 50);
  const xg = T.tensor(grid, { shape: [grid.length, 1], ...opts });
  const pg = noGrad(() => unpackPrediction(propelNet.forward(xg).value.reshape([grid.length, I, 2 * n]), n, { sigmaTransform: 'softplus' }));
  const gm = pg.mu.toTypedArray();
  const gs = pg.sigma.toTypedArray();
  const ng = noGrad(() => unpackPrediction(nllNet.forward(xg).value.reshape([grid.length, I, 2 * n]), n, { sigmaTransform: 'softplus' })).mu.toTypedArray();
  const mg = noGrad(() => mseNet.forward(xg).value.toTypedArray());
  const colors = ['#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];
  const series: Series[] = [
    { kind: 'points', data: test.x.map((x, i) => [x, test.y[i]!]), color: '#1f77b4', opacity: 0.35, label: 'held-out data' },
  ];
  for (let k = 0; k < I; k++) {
    const c = colors[k % colors.length]!;
    series.push({ kind: 'band', data: grid.map((x, i) => [x, gm[i * I + k]! - gs[i * I + k]!, gm[i * I + k]! + gs[i * I + k]!]), color: c, opacity: 0.18, label: `PROPEL component ${k + 1}: mean ± 1 sd` });
    series.push({ kind: 'line', data: grid.map((x, i) => [x, gm[i * I + k]!]), color: c, label: `PROPEL component ${k + 1}: mean` });
  }
  for (let k = 0; k < I; k++) {
    series.push({ kind: 'line', data: grid.map((x, i) => [x, ng[i * I + k]!]), color: '#444', width: 1.5, dash: '6 4', ...(k === 0 ? { label: 'mixture NLL: component means' } : {}) });
  }
  series.push({ kind: 'line', data: grid.map((x, i) => [x, mg[i]!]), color: 'black', width: 3, label: 'MSE fit (one prediction per x)' });
  const title = `within ±${tolerance}: PROPEL (I=${I}) covers ${(100 * frac(hits.propel)).toFixed(0)}% of points, NLL ${(100 * frac(hits.nll)).toFixed(0)}%, MSE ${(100 * frac(hits.mse)).toFixed(0)}%`;
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, svgPlot(series, { title, xLabel: 'x (input)', yLabel: 'y (target; two right answers per x)', yRange: [-1.2, 1.2], xRange: [-1, 1] }));

  const result: DemoResult = {
    propelLosses, nllLosses, mseLosses, tolerance, svgPath: o.out,
    propelCoverage: frac(hits.propel), nllCoverage: frac(hits.nll), mseCoverage: frac(hits.mse),
    propelCoverageByBranch: byBranch(hits.propel), nllCoverageByBranch: byBranch(hits.nll), mseCoverageByBranch: byBranch(hits.mse),
    ...(graphDot === undefined ? {} : { graphDot }),
  };
  log('');
  log(`final PROPEL loss ${propelLosses.at(-1)!.toFixed(4)} (first ${propelLosses[0]!.toFixed(4)}), final NLL ${nllLosses.at(-1)!.toFixed(4)} (first ${nllLosses[0]!.toFixed(4)}), final MSE ${mseLosses.at(-1)!.toFixed(4)}`);
  log(`coverage within ±${tolerance} of a prediction, upper / lower branch:`);
  log(`  PROPEL: ${pct(result.propelCoverageByBranch[0])} / ${pct(result.propelCoverageByBranch[1])}   (all: ${pct(result.propelCoverage)})`);
  log(`  NLL:    ${pct(result.nllCoverageByBranch[0])} / ${pct(result.nllCoverageByBranch[1])}   (all: ${pct(result.nllCoverage)})`);
  log(`  MSE:    ${pct(result.mseCoverageByBranch[0])} / ${pct(result.mseCoverageByBranch[1])}   (all: ${pct(result.mseCoverage)})`);
  log(`picture: ${o.out}`);
  return result;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

const HELP = `Train a tiny mixture MLP with PROPEL, the same MLP with the mixture negative log-likelihood
(MDN loss), and a one-output MLP with MSE, on a two-branch regression problem.

Usage: npm run demo -- [options]

  --steps N        training steps (default 1500)
  --gaussians I    mixture components of the PROPEL and NLL networks (default 2)
  --seed S         seed for data and initialisation (default 0)
  --device D       'cpu' (default) or 'gpu'
  --out PATH       where to write the SVG picture (default out/demo.svg)
  --graph PATH     also draw the graph of the first PROPEL training step (.svg, or .dot for the DOT text)
  --help           show this text`;

/** Write a DOT graph as SVG (rendered by Graphviz compiled to wasm, @viz-js/viz) or as the DOT text itself. */
export async function writeGraph(dot: string, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  if (path.endsWith('.dot')) {
    writeFileSync(path, dot);
    return;
  }
  const { instance } = await import('@viz-js/viz');
  writeFileSync(path, (await instance()).renderString(dot, { format: 'svg' }));
}

async function main(): Promise<void> {
  const flags = parseFlags('demo', HELP, { steps: '1500', gaussians: '2', seed: '0', device: 'cpu', out: 'out/demo.svg', graph: '' });
  if (!flags) return;
  if (flags.device !== 'cpu' && flags.device !== 'gpu') usageError('demo', HELP, `--device must be 'cpu' or 'gpu', got ${JSON.stringify(flags.device)}`);
  if (flags.graph !== '' && !/\.(svg|dot)$/.test(flags.graph)) usageError('demo', HELP, `--graph must name a .svg or .dot file, got ${JSON.stringify(flags.graph)}`);
  const result = runDemo({
    steps: intFlag('demo', HELP, 'steps', flags.steps, 1),
    gaussians: intFlag('demo', HELP, 'gaussians', flags.gaussians, 1),
    seed: intFlag('demo', HELP, 'seed', flags.seed, 0),
    device: flags.device,
    out: flags.out,
    graph: flags.graph !== '',
  });
  if (result.graphDot !== undefined) {
    await writeGraph(result.graphDot, flags.graph);
    console.log(`graph of one training step: ${flags.graph}`);
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exit(1);
  });
}
