// The playground's model: the two-branch problem and the three networks of examples/demo.ts (PROPEL with I
// Gaussians, the same mixture network with the mixture NLL, and MSE), trained one step at a time so the
// page can draw and yield between steps. No DOM here.
import * as T from '@propel-ts/tensor';
import { nn, optim, mseLoss, noGrad, toDot } from '@propel-ts/autograd';
import { mixtureNll, propelLoss, stdOf, type SigmaTransform } from '@propel-ts/propel';
import { exportOnnx, saveSafetensors } from '@propel-ts/io';
import { makeData, type Dataset } from '../two-branch';

export interface TrainConfig {
  gaussians: number;
  steps: number;
  lr: number;
  sigmaTransform: SigmaTransform;
  device: T.Device;
  /** The gpu.js mode for device 'gpu' ('auto': the best one available). */
  gpuMode: T.GpuMode | 'auto';
  seed: number;
  batch: number;
  /** Ground-truth standard deviation of the PROPEL loss (the demo's 0.05). */
  sigma: number;
}

export { makeData, type Dataset } from '../two-branch';

/**
 * The predictions along a grid of x: per point, the PROPEL network's I component means and standard
 * deviations, the NLL network's component means, and the MSE fit.
 */
export interface Snapshot {
  grid: number[];
  I: number;
  /** [grid.length * I] */
  mu: Float64Array;
  sd: Float64Array;
  /** [grid.length * I]: the NLL network's component means. */
  nllMu: Float64Array;
  mse: Float64Array;
}

export class Trainer {
  readonly gen: T.Generator;
  readonly train: Dataset;
  readonly test: Dataset;
  readonly propelLosses: number[] = [];
  readonly nllLosses: number[] = [];
  readonly mseLosses: number[] = [];
  private readonly propelNet: nn.MLP;
  private readonly nllNet: nn.MLP;
  private readonly mseNet: nn.MLP;
  // one Adam per parameter (Adam updates each parameter on its own, so this is the same optimizer as one
  // Adam over all of them): the first update compiles kernels, and stepPhases can pause between parameters
  private readonly propelOpts: optim.Adam[];
  private readonly nllOpts: optim.Adam[];
  private readonly mseOpts: optim.Adam[];
  private readonly gridInput: T.Tensor;
  readonly grid: number[];

  constructor(readonly config: TrainConfig) {
    // tensors made from here on use this mode (and all of them must share it)
    if (config.device === 'gpu') T.setGpuMode(config.gpuMode);
    this.gen = new T.Generator(config.seed);
    this.train = makeData(2048, this.gen);
    this.test = makeData(600, this.gen);
    const I = config.gaussians;
    const opts = { device: config.device } as const;
    this.propelNet = new nn.MLP([1, 32, 32, I * 2], { seed: config.seed, ...opts });
    // the same architecture and seed as PROPEL's: the two mixture networks start equal, only the loss differs
    this.nllNet = new nn.MLP([1, 32, 32, I * 2], { seed: config.seed, ...opts });
    this.mseNet = new nn.MLP([1, 32, 32, 1], { seed: config.seed, ...opts });
    this.propelOpts = this.propelNet.parameters().map((p) => new optim.Adam([p], { lr: config.lr }));
    this.nllOpts = this.nllNet.parameters().map((p) => new optim.Adam([p], { lr: config.lr }));
    this.mseOpts = this.mseNet.parameters().map((p) => new optim.Adam([p], { lr: config.lr }));
    this.grid = Array.from({ length: 81 }, (_, i) => -1 + i / 40);
    this.gridInput = T.tensor(this.grid, { shape: [this.grid.length, 1], ...opts });
  }

  get step(): number {
    return this.propelLosses.length;
  }

  /** One Adam step of each network on the same random batch; resolves to the three losses. */
  async trainStep(): Promise<{ propel: number; nll: number; mse: number }> {
    const phases = this.stepPhases();
    for (let r = await phases.next(); ; r = await phases.next()) if (r.done) return r.value;
  }

  /**
   * The same step in phases (forward, backward and each parameter's update, per network), pausing after each: the
   * first step compiles every GPU kernel (seconds in software WebGL), and a caller that yields to the
   * browser between phases keeps the page responsive meanwhile.
   */
  async *stepPhases(): AsyncGenerator<string, { propel: number; nll: number; mse: number }> {
    const { batch, device, gaussians: I } = this.config;
    const idx = Array.from({ length: batch }, () => this.gen.int(this.train.x.length));
    const xb = T.tensor(idx.map((i) => this.train.x[i]!), { shape: [batch, 1], device });
    const yb = T.tensor(idx.map((i) => this.train.y[i]!), { shape: [batch, 1], device });

    for (const opt of this.propelOpts) opt.zeroGrad();
    const output = this.propelNet.forward(xb).reshape([batch, I, 2]);
    const loss = propelLoss(output, yb, { sigma: this.config.sigma, sigmaTransform: this.config.sigmaTransform });
    yield 'propel forward';
    loss.backward();
    yield 'propel backward';
    for (const opt of this.propelOpts) {
      opt.step();
      yield 'propel update';
    }
    // read with data(): every mode has it, webgpu only reads asynchronously (the first readback of a size
    // compiles a kernel too)
    const propel = (await loss.data())[0]!;
    yield 'propel readback';

    for (const opt of this.nllOpts) opt.zeroGrad();
    const nllLoss = mixtureNll(this.nllNet.forward(xb).reshape([batch, I, 2]), yb, { sigmaTransform: this.config.sigmaTransform });
    yield 'nll forward';
    nllLoss.backward();
    yield 'nll backward';
    for (const opt of this.nllOpts) {
      opt.step();
      yield 'nll update';
    }
    const nll = (await nllLoss.data())[0]!;
    yield 'nll readback';

    for (const opt of this.mseOpts) opt.zeroGrad();
    const mse = mseLoss(this.mseNet.forward(xb), yb);
    yield 'mse forward';
    mse.backward();
    yield 'mse backward';
    for (const opt of this.mseOpts) {
      opt.step();
      yield 'mse update';
    }

    const result = { propel, nll, mse: (await mse.data())[0]! };
    this.propelLosses.push(result.propel);
    this.nllLosses.push(result.nll);
    this.mseLosses.push(result.mse);
    return result;
  }

  /**
   * The graph of one PROPEL step on `count` training points (forward, loss, backward), as `toDot` text with the
   * parameters named and their gradients summarised. Does not update the network (the next step clears the
   * gradients).
   */
  graphOfOneStep(count: number): string {
    const { device, gaussians: I } = this.config;
    const x = T.tensor(this.train.x.slice(0, count), { shape: [count, 1], device });
    const y = T.tensor(this.train.y.slice(0, count), { shape: [count, 1], device });
    for (const opt of this.propelOpts) opt.zeroGrad();
    const loss = propelLoss(this.propelNet.forward(x).reshape([count, I, 2]), y, { sigma: this.config.sigma, sigmaTransform: this.config.sigmaTransform });
    loss.backward();
    const dot = toDot(loss, { names: this.propelNet.namedParameters(), values: true, grads: true });
    for (const opt of this.propelOpts) opt.zeroGrad();
    return dot;
  }

  /**
   * The PROPEL network as files: safetensors (PyTorch's `load_state_dict` takes it as it is:
   * torch.nn.Sequential(Linear(1, 32), Tanh(), Linear(32, 32), Tanh(), Linear(32, 2I))) and ONNX (a dynamic
   * batch of one input feature). Parameters are read synchronously: on 'cpu' or a synchronous gpu.js mode.
   */
  exportModel(format: 'safetensors' | 'onnx'): Uint8Array {
    const meta = { format: 'propel-ts playground', gaussians: String(this.config.gaussians), sigmaTransform: this.config.sigmaTransform, step: String(this.step) };
    return format === 'safetensors'
      ? saveSafetensors(this.propelNet.stateTensors(), meta)
      : exportOnnx(this.propelNet, { inputShape: [null, 1] });
  }

  /** The three networks evaluated along the grid (three readbacks). */
  async snapshot(): Promise<Snapshot> {
    const I = this.config.gaussians;
    const G = this.grid.length;
    const raw = await noGrad(() => this.propelNet.forward(this.gridInput).value).data();
    const nllRaw = await noGrad(() => this.nllNet.forward(this.gridInput).value).data();
    const fit = await noGrad(() => this.mseNet.forward(this.gridInput).value).data();
    const mu = new Float64Array(G * I);
    const sd = new Float64Array(G * I);
    const nllMu = new Float64Array(G * I);
    for (let g = 0; g < G; g++) {
      for (let k = 0; k < I; k++) {
        mu[g * I + k] = raw[(g * I + k) * 2]!;
        sd[g * I + k] = stdOf(raw[(g * I + k) * 2 + 1]!, this.config.sigmaTransform);
        nllMu[g * I + k] = nllRaw[(g * I + k) * 2]!;
      }
    }
    return { grid: this.grid, I, mu, sd, nllMu, mse: Float64Array.from(fit) };
  }
}
