// Layer: propel. The PROPEL loss as ONE autograd op made with defineOp: forward and backward are the
// fused kernels of kernel.ts and loss-jacobian.ts (log space, hand-derived gradient), so a training step records one node
// and keeps one gradient per sample for backward (the output's size; nothing per pair). On device 'gpu' the
// same op runs the gpu.js kernels of gpu-kernel.ts on the device-resident tensors (no readback).
// Imports tensor, autograd, inputs.ts, kernel.ts and gpu-kernel.ts.
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { defineOp, Variable, type VarLike } from '@propel-ts/autograd';
import {
  checkPropelInputs, outputIndex, propelDimsFromShapes, readKernelOptions, varianceOf,
  type FloatArray, type PropelMode, type SigmaTransform,
} from './inputs';
import { propelForward, scaleByDy, type PropelSaved } from './kernel';
import { GPU_FLAGGED, GPU_MIN_VARIANCE, propelGpuBackward, propelGpuForward, type PropelGpuSaved } from './gpu-kernel';

/** How per-sample losses are combined: their mean (default), their sum, or none (shape `[B]`). */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options of `propelLoss` and `PropelLoss`. */
export interface PropelLossOptions {
  /** Ground-truth standard deviation (the paper's σ): finite, > 0, at most about 1.34e154 (σ² must be finite). Default 0.1. */
  sigma?: number;
  /** Default 'mean'. */
  reduction?: Reduction;
  /**
   * 'paper' (default): the paper's equations with the n-dimensional H(P_gt): a perfect prediction gives 0.
   * 'torchpropel': the original PyTorch code's numbers (its H(P_gt) is always the 1-D formula), for
   * reproducing results or porting models trained with it; still stable and supports I = 1.
   */
  mode?: PropelMode;
  /**
   * How the raw standard-deviation channels become standard deviations. 'identity' (default, the
   * reference's behaviour): variance = s²; the loss then has a 1/|s| singularity that makes training
   * spike when an output nears 0. 'softplus' (std = log(1+e^s)) and 'exp' (std = e^s) keep the standard
   * deviation positive and smooth; prefer them when training from scratch.
   */
  sigmaTransform?: SigmaTransform;
}

interface Params {
  sigma: number;
  mode: PropelMode;
  sigmaTransform: SigmaTransform;
  reduction: Reduction;
}

/** A tensor's elements as a flat row-major array, without a copy when it is already one. */
function hostArray(t: Tensor): FloatArray {
  if (t.device === 'cpu' && t.isContiguous() && t.offset === 0 && t.storage instanceof T.CpuStorage && t.storage.length === t.size) {
    return t.storage.data;
  }
  return t.toTypedArray();
}

/** Forward of the 'gpu' path: per-sample losses by the gpu.js kernels, reduced with the backend's sum. */
function gpuForward(output: Tensor, target: Tensor, p: Params, needsGrad: boolean): { out: Tensor; saved: PropelGpuSaved | undefined } {
  const dims = propelDimsFromShapes(output.shape, target.shape);
  const { lossPerSample, saved } = propelGpuForward(output, target, dims, kernelOptions(p));
  const out = p.reduction === 'none' ? lossPerSample : p.reduction === 'sum' ? T.sum(lossPerSample) : T.div(T.sum(lossPerSample), dims.B);
  // inputs are validated when the loss is read back, not per call (that would cost a readback a step): the
  // kernel makes the loss non-finite for a non-finite input, or flags a variance float32 cannot hold
  T.onReadback(out, (values) => (flagged(values) ? checkGpuInputs(output, target, p) : undefined));
  return { out, saved: needsGrad ? saved : undefined };
}

/** Whether read-back values (a loss, or the saved logs) carry the 'gpu' kernel's flag, or are not finite. */
function flagged(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!(Math.abs(values[i]!) < GPU_FLAGGED)) return true;
  return false;
}

/**
 * The checks the CPU path makes at the call, made on the 'gpu' inputs once a read-back showed the kernel could
 * not compute with them: the CPU's errors (non-finite values, a zero variance), then a variance too small for
 * float32. Asynchronous where the device reads back asynchronously (webgpu).
 */
function checkGpuInputs(output: Tensor, target: Tensor, p: Params): void | Promise<void> {
  const check = (o: FloatArray, t: FloatArray): void => {
    const dims = checkPropelInputs(output.shape, target.shape, kernelOptions(p), { output: o, target: t });
    for (let k = 0; k < o.length; k++) {
      if (k % (2 * dims.n) < dims.n) continue;
      const v = Math.fround(varianceOf(o[k]!, p.sigmaTransform));
      if (v < GPU_MIN_VARIANCE) {
        throw new T.TensorError(`propelLoss: output standard deviation at index ${T.fmtShape(outputIndex(k, dims))} is ${o[k]}, whose variance ${varianceOf(o[k]!, p.sigmaTransform)} is below ${GPU_MIN_VARIANCE}, the smallest the 'gpu' device (float32) computes with; expected a variance of at least ${GPU_MIN_VARIANCE} on 'gpu' (or compute on 'cpu', in float64)`);
      }
    }
    throw new T.TensorError("propelLoss: the 'gpu' kernel flagged a sample it could not compute with, but the inputs pass every check; expected this never to happen (please report it)");
  };
  // webgpu reads back asynchronously: the check then waits for the inputs, and the reader's data() rejects
  if (!T.canReadSync(output)) return Promise.all([output.data(), target.data()]).then(([o, t]) => check(o, t));
  check(output.toTypedArray(), target.toTypedArray());
}

const isGpuSaved = (s: PropelSaved | PropelGpuSaved): s is PropelGpuSaved => 'device' in s && s.device === 'gpu';

const propelOp = defineOp<Params, PropelSaved | PropelGpuSaved>({
  name: 'propel',
  onceDifferentiable: true,
  forward: ([output, target], p, { needsGrad }) => {
    if (output!.device === 'gpu') return gpuForward(output!, target!, p, needsGrad);
    const dims = propelDimsFromShapes(output!.shape, target!.shape);
    // without a recorded backward (noGrad, or nothing requires a gradient) the Jacobian is skipped
    const { lossPerSample, saved } = propelForward(hostArray(output!), hostArray(target!), dims, kernelOptions(p), { needsGrad });
    const perSample = T.fromTypedArray(lossPerSample, [dims.B]);
    let out: Tensor;
    if (p.reduction === 'none') out = perSample;
    else {
      let s = 0;
      for (let b = 0; b < lossPerSample.length; b++) s += lossPerSample[b]!;
      const value = p.reduction === 'mean' ? s / dims.B : s;
      out = T.full([], value, { dtype: output!.dtype });
    }
    return { out, saved };
  },
  // dL/d output from the fused kernel; the target is data (no gradient)
  backward: (dy, { saved, params: p }) => {
    // gpu: the upstream gradient stays on the device (a scalar times 1/B or 1, or one value a sample)
    if (isGpuSaved(saved)) {
      const grad = propelGpuBackward(saved, dy.value, p.reduction === 'mean' ? 1 / saved.dims.B : 1);
      // reading the gradient checks the inputs as reading the loss does: the saved logs (2 floats a sample)
      // are read back only then, and carry the kernel's flags
      T.onReadback(grad, () => {
        if (!T.canReadSync(saved.logT)) return saved.logT.data().then((logs) => (flagged(logs) ? checkGpuInputs(saved.output, saved.target, p) : undefined));
        return flagged(saved.logT.toTypedArray()) ? checkGpuInputs(saved.output, saved.target, p) : undefined;
      });
      return [grad, null];
    }
    const B = saved.dims.B;
    const up = dy.value.toTypedArray();
    const perSample = p.reduction === 'none' ? up : p.reduction === 'mean' ? up[0]! / B : up[0]!;
    // unchecked: a NaN from the tape propagates as through any op (propelBackward would reject it as dy)
    const grad = scaleByDy(saved as PropelSaved & { jacobian: FloatArray }, perSample);
    return [T.fromTypedArray(grad, [B, saved.dims.I, 2 * saved.dims.n]), null];
  },
});

/**
 * The PROPEL loss (Asad et al., ICPR 2020) of a predicted mixture of I Gaussians against targets.
 *
 * `output` `[B, I, 2n]`: per component n means then n standard deviations; `target` `[B, n]`. Returns a
 * scalar Variable ('mean' or 'sum') or the per-sample losses `[B]` ('none'). One fused op: forward and
 * backward in log space, finite however far the prediction is from the target. Once-differentiable: for
 * second-order gradients use `propelLossComposite`. The target gets no gradient.
 *
 * ```ts
 * const out = model.forward(x).reshape([B, 4, 4]);            // I = 4 Gaussians in n = 2 dimensions
 * const loss = propelLoss(out, target, { sigma: 0.1 });
 * loss.backward();
 * ```
 *
 * @param output The network's prediction, shape `[B, I, 2n]` (a Variable, or a Tensor taken as a constant):
 *   for each of the B samples and each of the I Gaussians, n means and then n standard deviations (raw
 *   channels, turned into standard deviations by `options.sigmaTransform`). float32 or float64, on 'cpu'
 *   or 'gpu'.
 * @param target The ground truth, shape `[B, n]`, same dtype and device as `output`. Data only: it must
 *   not require a gradient (use `propelLossComposite` for that).
 * @param options `sigma` (the ground truth's standard deviation, default 0.1), `reduction` ('mean'
 *   default, 'sum' or 'none'), `mode` ('paper' default, or 'torchpropel') and `sigmaTransform`
 *   ('identity' default, 'softplus' or 'exp'); see {@link PropelLossOptions}.
 * @returns A scalar Variable for 'mean' and 'sum', the per-sample losses `[B]` for 'none' (log10 units).
 */
export function propelLoss(output: VarLike, target: VarLike, options?: PropelLossOptions): Variable {
  T.checkArity('propelLoss', arguments, 3, 'propelLoss(output, target, { sigma, reduction, mode, sigmaTransform })');
  const p = resolveLossOptions(options);
  const [o, t] = [asVariable('propelLoss', output, 'output'), asVariable('propelLoss', target, 'target')];
  T.checkSame('propelLoss', [o.value, t.value], ['output', 'target']);
  if (t.requiresGrad) {
    throw new T.TensorError("propelLoss: target requires a gradient, but the fused op treats the target as data; expected a target without requiresGrad (detach it, or use propelLossComposite for gradients with respect to the target)");
  }
  propelDimsFromShapes(o.shape, t.shape);
  return propelOp([o, t], p);
}

/** Check and default the loss options (sigma, mode, transform, reduction); `fn` names the caller in errors. */
export function resolveLossOptions(options: unknown, fn = 'propelLoss', usage = `${fn}(output, target, OPTIONS)`): Params {
  const o = T.checkOptions(fn, options, ['sigma', 'reduction', 'mode', 'sigmaTransform'], usage);
  const { sigma, mode, sigmaTransform } = readKernelOptions(fn, {
    // only a missing sigma defaults: sigma: null is an error naming it, like reduction: null
    sigma: (o.sigma === undefined ? 0.1 : o.sigma) as number, mode: o.mode as PropelMode | undefined, sigmaTransform: o.sigmaTransform as SigmaTransform | undefined,
  });
  const reduction = T.optOneOf(fn, 'reduction', o.reduction, ['mean', 'sum', 'none'], 'mean');
  return { sigma, mode, sigmaTransform, reduction };
}

/** The options the kernels take (the reduction is the op's). */
const kernelOptions = ({ sigma, mode, sigmaTransform }: Params) => ({ sigma, mode, sigmaTransform });

/** An input of a PROPEL-layout loss as a Variable (a Tensor becomes a constant), or an error naming `fn` and `arg`. */
export function asVariable(fn: string, x: VarLike, arg: string): Variable {
  if (x instanceof Variable) return x;
  if (x instanceof T.Tensor) return new Variable(x);
  throw new T.TensorError(`${fn}: ${arg} must be a Variable or Tensor, got ${T.describeValue(x)}`);
}

/**
 * The loss as a module, for code ported from torchpropel's `PROPEL(sigma, reduction)`:
 *
 * ```ts
 * const criterion = new PropelLoss({ sigma: 0.1 });
 * const loss = criterion.forward(output, target);
 * ```
 */
export class PropelLoss {
  readonly options: Readonly<Required<PropelLossOptions>>;
  constructor(options?: PropelLossOptions) {
    T.checkArity('PropelLoss', arguments, 1, 'new PropelLoss({ sigma, reduction, mode, sigmaTransform })');
    const p = resolveLossOptions(options, 'PropelLoss', 'new PropelLoss(OPTIONS)');
    this.options = Object.freeze({ ...p });
  }
  forward(output: VarLike, target: VarLike): Variable {
    T.checkArity('PropelLoss.forward', arguments, 2, 'criterion.forward(output, target)');
    return propelLoss(output, target, this.options);
  }
}
