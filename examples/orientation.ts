// # propel-ts example: 3-D orientation-like targets with a symmetry ambiguity
//
// Run: `npm run example:orientation` (flags: `-- --help`).
//
// A research-prototyping workflow: the target is a 3-D rotation vector r (axis × angle) of an object that
// looks the same after a half turn, so its features cannot tell r from -r. The features are noisy
// quadratic functions of r (unchanged by r → -r). A network trained with PROPEL (n = 3, I Gaussians)
// learns a mixture with components on both r and -r. We then
//   1. save the trained model as safetensors (the file PyTorch loads: see docs/interop.md) and load it into a
//      fresh network,
//   2. check the reloaded network gives exactly the same outputs,
//   3. use the mixture helpers on new inputs: mean (useless here: ≈ 0, between the two answers),
//      modes (the two answers), samples.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as T from '@propel-ts/tensor';
import { nn, optim, noGrad } from '@propel-ts/autograd';
import { mixtureMean, mixtureModes, mixtureSample, propelLoss } from '@propel-ts/propel';
import { loadSafetensors, saveSafetensors } from '@propel-ts/io';
import { intFlag, parseFlags } from './cli';
import { createStepProgress } from './progress';

export interface OrientationOptions {
  steps: number;
  gaussians: number;
  seed: number;
  out: string;
  verbose?: boolean;
}

export interface OrientationResult {
  losses: number[];
  /** Max |difference| between the trained and the reloaded model's outputs (0 when the round trip is exact). */
  reloadMaxDiff: number;
  /** Fraction of test inputs where a top-2 mode lies within 0.25 of r AND another within 0.25 of -r. */
  bothModesFound: number;
  /** Mean distance of the mixture mean to the origin (small: the mean averages r and -r). */
  meanNorm: number;
}

const FEATURES = 6;
const n = 3;
const transform = 'softplus' as const;

/** A random rotation vector with angle in [0.3, 1.2] about a uniform random axis. */
function randomRotation(gen: T.Generator): number[] {
  const axis = [gen.normal(), gen.normal(), gen.normal()];
  const norm = Math.hypot(...axis);
  const angle = 0.3 + 0.9 * gen.uniform();
  return axis.map((a) => (a / norm) * angle);
}

/** Features unchanged by r → -r: the distinct entries of r rᵀ, plus noise. */
function features(r: number[], gen: T.Generator): number[] {
  const [x, y, z] = r as [number, number, number];
  return [x * x, y * y, z * z, x * y, y * z, x * z].map((f) => 3 * f + 0.01 * gen.normal());
}

function makeBatch(count: number, gen: T.Generator): { x: T.Tensor; y: T.Tensor; r: number[][] } {
  const feats: number[] = [];
  const targets: number[] = [];
  const r: number[][] = [];
  for (let i = 0; i < count; i++) {
    const rot = randomRotation(gen);
    r.push(rot);
    feats.push(...features(rot, gen));
    const sign = gen.uniform() < 0.5 ? 1 : -1; // which of the two equivalent answers the label uses
    targets.push(...rot.map((v) => sign * v));
  }
  return { x: T.tensor(feats, { shape: [count, FEATURES] }), y: T.tensor(targets, { shape: [count, n] }), r };
}

export function runOrientation(o: OrientationOptions): OrientationResult {
  const log = o.verbose === false ? () => {} : (s: string) => console.log(s);
  const I = o.gaussians;
  const gen = new T.Generator(o.seed);
  const model = new nn.MLP([FEATURES, 64, 64, I * 2 * n], { seed: o.seed });
  const opt = new optim.Adam(model.parameters(), { lr: 2e-3 });
  const losses: number[] = [];

  // ## 1. Train with PROPEL (sigma = 0.05 around each labelled rotation)
  log(`training: I = ${I} Gaussians, ${o.steps} steps, batch 256; loss = PROPEL (log10 units, >= 0, lower is better)`);
  const progress = o.verbose === false ? null : createStepProgress(o.steps);
  for (let step = 1; step <= o.steps; step++) {
    const { x, y } = makeBatch(256, gen);
    opt.zeroGrad();
    const loss = propelLoss(model.forward(x).reshape([256, I, 2 * n]), y, { sigma: 0.05, sigmaTransform: transform });
    loss.backward();
    opt.step();
    losses.push(loss.item());
    progress?.step(step, `loss ${loss.item().toFixed(4)}`);
  }
  progress?.done();

  // ## 2. Save the model as safetensors and load it into a fresh network. The keys and shapes are those of
  // torch.nn.Sequential(Linear(6, 64), Tanh(), Linear(64, 64), Tanh(), Linear(64, 6 I)), so PyTorch can load
  // this file too: model.load_state_dict(safetensors.torch.load_file(path)).
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, saveSafetensors(model.stateTensors(), { example: 'orientation', gaussians: String(I) }));
  const reloaded = new nn.MLP([FEATURES, 64, 64, I * 2 * n], { seed: o.seed + 1 }); // different init on purpose
  reloaded.loadStateDict(loadSafetensors(readFileSync(o.out)));
  log(`saved the model to ${o.out} and loaded it into a fresh network`);

  // ## 3. New inputs: compare the two networks, then read the mixtures
  const test = makeBatch(200, new T.Generator(o.seed + 1000));
  const a = noGrad(() => model.forward(test.x).value.toTypedArray());
  const b = noGrad(() => reloaded.forward(test.x).value.toTypedArray());
  const reloadMaxDiff = Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  log(`max |trained - reloaded| output difference: ${reloadMaxDiff}`);

  const prediction = noGrad(() => reloaded.forward(test.x).value.reshape([200, I, 2 * n]));
  const mean = mixtureMean(prediction, { sigmaTransform: transform }).toTypedArray();
  const modes = mixtureModes(prediction, { sigmaTransform: transform });
  const samples = mixtureSample(prediction, 5, { seed: 7, sigmaTransform: transform });
  const dist = (p: number[], q: number[]) => Math.hypot(...p.map((v, i) => v - q[i]!));
  let both = 0;
  let meanNorm = 0;
  test.r.forEach((r, i) => {
    const top = modes[i]!.slice(0, 2).map((m) => m.point);
    const neg = r.map((v) => -v);
    if (top.some((p) => dist(p, r) < 0.25) && top.some((p) => dist(p, neg) < 0.25)) both++;
    meanNorm += Math.hypot(mean[3 * i]!, mean[3 * i + 1]!, mean[3 * i + 2]!) / test.r.length;
  });
  const fmt = (p: readonly number[]) => `[${p.map((v) => v.toFixed(2).padStart(5)).join(', ')}]`;
  for (let i = 0; i < 3; i++) {
    log(`\nnew input ${i}: true rotation ±${fmt(test.r[i]!)}`);
    log(`  mixture mean  ${fmt(Array.from(mean.slice(3 * i, 3 * i + 3)))}   (between the two answers)`);
    modes[i]!.slice(0, 2).forEach((m, k) => log(`  mode ${k + 1}        ${fmt(m.point)}   log density ${m.logDensity.toFixed(2)}`));
    const s = samples.select(0, i).toArray() as number[][];
    log(`  2 samples     ${fmt(s[0]!)} ${fmt(s[1]!)}`);
  }
  const bothModesFound = both / test.r.length;
  log(`\nboth answers (r and -r) among the top two modes for ${(100 * bothModesFound).toFixed(1)}% of new inputs`);
  return { losses, reloadMaxDiff, bothModesFound, meanNorm };
}

const HELP = `Train a PROPEL network on 3-D orientation-like targets with a ±r ambiguity, save and reload it,
and read its mixtures with the helpers.

Usage: npm run example:orientation -- [options]

  --steps N        training steps (default 1500)
  --gaussians I    mixture components, 2..6 (default 4)
  --seed S         seed (default 0)
  --out PATH       where to save the model (safetensors; default out/orientation-model.safetensors)
  --help           show this text`;

function main(): void {
  const flags = parseFlags('orientation', HELP, { steps: '1500', gaussians: '4', seed: '0', out: 'out/orientation-model.safetensors' });
  if (!flags) return;
  runOrientation({
    steps: intFlag('orientation', HELP, 'steps', flags.steps, 1),
    gaussians: intFlag('orientation', HELP, 'gaussians', flags.gaussians, 2, 6),
    seed: intFlag('orientation', HELP, 'seed', flags.seed, 0),
    out: flags.out,
  });
}

if (require.main === module) main();
