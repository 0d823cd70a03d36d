// # The propel-ts browser playground
//
// Build and serve: `npm run demo:web` (scripts/serve-web.js), then open the printed URL.
//
// Trains the three networks of examples/demo.ts (PROPEL with I Gaussians, the same mixture network with the
// mixture NLL, and MSE) in the page, on 'cpu' or on 'gpu' in a gpu.js mode of your choice, and redraws the
// data, the mixtures and the loss curves while it
// trains. Training yields to the event loop every 30 ms or so, between the phases of a step if need be (the
// first step compiles every GPU kernel), so the page never freezes. On load, the page also runs tensor parity and PROPEL reference checks (checks.ts) in every
// gpu.js mode the browser offers. Elements carry data-testid attributes for test/web/playground.e2e.test.ts.
import { GPU } from 'gpu.js';
import { instance as vizInstance } from '@viz-js/viz';
import * as T from '@propel-ts/tensor';
import type { SigmaTransform } from '@propel-ts/propel';
import { Trainer, type TrainConfig } from './train';
import { drawLoss, drawMixture } from './draw';
import { runChecks, CHECKS_PER_MODE, type CheckResult } from './checks';

// gpu.js is an optional peer of @propel-ts/tensor; a bundled app hands it over (esbuild picks gpu.js's
// browser build through its package.json "browser" field)
T.useGpuJs({ GPU });

const PROPEL_COLOR = '#2f6fdb';
const NLL_COLOR = '#555';
const NLL_LABEL = 'mixture NLL (nats)';

const $ = <E extends HTMLElement = HTMLElement>(id: string): E => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`playground: #${id} is missing from index.html`);
  return el as E;
};

const ui = {
  form: $<HTMLFormElement>('controls'),
  gaussians: $<HTMLInputElement>('gaussians'),
  steps: $<HTMLInputElement>('steps'),
  lr: $<HTMLInputElement>('lr'),
  sigmaTransform: $<HTMLSelectElement>('sigma-transform'),
  seed: $<HTMLInputElement>('seed'),
  device: $<HTMLSelectElement>('device'),
  gpuMode: $<HTMLSelectElement>('gpu-mode'),
  train: $<HTMLButtonElement>('train'),
  stop: $<HTMLButtonElement>('stop'),
  state: $('train-state'),
  modeInUse: $('mode-in-use'),
  step: $('step'),
  speed: $('speed'),
  propelLoss: $('propel-loss'),
  nllLoss: $('nll-loss'),
  mseLoss: $('mse-loss'),
  caption: $('plot-caption'),
  mixture: $<HTMLCanvasElement>('mixture'),
  propelCurve: $<HTMLCanvasElement>('propel-curve'),
  nllCurve: $<HTMLCanvasElement>('nll-curve'),
  mseCurve: $<HTMLCanvasElement>('mse-curve'),
  checksSummary: $('checks-summary'),
  checksModes: $('checks-modes'),
  checksTable: $('checks-table'),
  checksDetails: $<HTMLDetailsElement>('checks-details'),
  runChecks: $<HTMLButtonElement>('run-checks'),
  unavailable: $('unavailable-modes'),
  deviceReason: $('device-reason'),
  downloadSafetensors: $<HTMLButtonElement>('download-safetensors'),
  downloadOnnx: $<HTMLButtonElement>('download-onnx'),
  graphDraw: $<HTMLButtonElement>('graph-draw'),
  graphBack: $<HTMLButtonElement>('graph-back'),
  graphStatus: $('graph-status'),
  graphSvg: $('graph-svg'),
};

/** Let the browser paint and handle input. */
const yieldToBrowser = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Training and the checks run independently; the checks switch gpu.js modes, so 'gpu' training waits for them. */
let training = false;
let checking = false;
let stopRequested = false;
let trainer: Trainer | null = null;
let availableModes: T.GpuMode[] = [];

function setState(state: string, text = state): void {
  ui.state.dataset.state = state;
  ui.state.textContent = text;
}

function refreshControls(): void {
  for (const el of [ui.gaussians, ui.steps, ui.lr, ui.sigmaTransform, ui.seed, ui.device]) el.disabled = training;
  ui.gpuMode.disabled = training || ui.device.value !== 'gpu' || availableModes.length === 0;
  const gpuWaits = checking && ui.device.value === 'gpu';
  ui.train.disabled = training || gpuWaits;
  ui.train.title = gpuWaits ? "the in-page checks are using the GPU: train on 'cpu' now, or on 'gpu' when they finish" : '';
  ui.stop.disabled = !training;
  ui.runChecks.disabled = checking || availableModes.length === 0 || (training && ui.device.value === 'gpu');
  ui.graphDraw.disabled = training;
  // the weights are read synchronously: not while training, and not from webgpu's device buffers
  const readable = trainer !== null && !training && (trainer.config.device === 'cpu' || T.gpuInfo().syncReadback);
  ui.downloadSafetensors.disabled = !readable;
  ui.downloadOnnx.disabled = !readable;
}

/** Offer the trained PROPEL network as a file. */
function download(format: 'safetensors' | 'onnx'): void {
  if (!trainer) return;
  try {
    const bytes = trainer.exportModel(format);
    const url = URL.createObjectURL(new Blob([bytes.slice()], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `propel-playground.${format}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (e) {
    setState('error', `download: ${e instanceof Error ? e.message : String(e)}`);
  }
}

// ---- the mode in use --------------------------------------------------------------------------------

function showMode(): void {
  if (ui.device.value === 'cpu') {
    ui.modeInUse.textContent = 'cpu (no gpu.js)';
    ui.modeInUse.dataset.mode = 'cpu-device';
    return;
  }
  const info = T.gpuInfo();
  ui.modeInUse.textContent = info.mode ? `gpu.js ${info.mode}` : 'gpu.js unavailable';
  ui.modeInUse.dataset.mode = info.mode ?? '';
  ui.modeInUse.title = info.error ?? (info.fallbacks.length ? `fallbacks: ${info.fallbacks.join('; ')}` : `requested: ${info.requested}`);
}

function populateModes(): void {
  const info = T.gpuInfo();
  availableModes = [...info.availableModes];
  ui.gpuMode.replaceChildren(new Option('auto', 'auto'));
  ui.gpuMode.options[0]!.title = `the best available: ${availableModes[0] ?? 'none'}`;
  for (const m of availableModes) ui.gpuMode.add(new Option(m, m));
  // headlessgl is a Node-only mode: never one a browser could offer
  const unavailable = Object.entries(info.unavailable).filter(([m]) => m !== 'headlessgl');
  for (const [m, why] of unavailable) {
    const opt = new Option(`${m} (unavailable)`, m);
    opt.disabled = true;
    opt.title = why;
    ui.gpuMode.add(opt);
  }
  ui.unavailable.textContent = unavailable.length
    ? `Not available in this page: ${unavailable.map(([m, why]) => `${m} (${why})`).join('; ')}.`
    : '';
  if (availableModes.length === 0) ui.device.value = 'cpu';
}

// ---- training ---------------------------------------------------------------------------------------

function readConfig(): TrainConfig {
  const int = (el: HTMLInputElement, min: number, max: number, name: string): number => {
    const v = Number(el.value);
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(el.value)}`);
    return v;
  };
  const lr = Number(ui.lr.value);
  if (!(lr > 0 && lr <= 1)) throw new Error(`learning rate must be in (0, 1], got ${JSON.stringify(ui.lr.value)}`);
  return {
    gaussians: int(ui.gaussians, 1, 8, 'Gaussians'),
    steps: int(ui.steps, 1, 100000, 'steps'),
    lr,
    sigmaTransform: ui.sigmaTransform.value as SigmaTransform,
    device: ui.device.value as T.Device,
    gpuMode: ui.gpuMode.value as T.GpuMode | 'auto',
    seed: int(ui.seed, 0, 2 ** 31, 'seed'),
    batch: 256,
    sigma: 0.05,
  };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);

async function showProgress(t: Trainer, rate: number): Promise<void> {
  const p = t.propelLosses, m = t.mseLosses;
  ui.step.textContent = String(t.step);
  ui.step.dataset.step = String(t.step);
  ui.speed.textContent = `${rate.toFixed(rate < 10 ? 1 : 0)} steps/s`;
  const show = (el: HTMLElement, xs: readonly number[]) => {
    const first = mean(xs.slice(0, 10)), recent = mean(xs.slice(-10));
    el.dataset.first = String(first);
    el.dataset.recent = String(recent);
    el.textContent = `${recent.toFixed(4)} (${first.toFixed(4)})`;
  };
  show(ui.propelLoss, p);
  show(ui.nllLoss, t.nllLosses);
  show(ui.mseLoss, m);
  const snap = await t.snapshot();
  drawMixture(ui.mixture, t.test, snap);
  drawLoss(ui.propelCurve, p, t.config.steps, PROPEL_COLOR, 'PROPEL loss (log10)');
  drawLoss(ui.nllCurve, t.nllLosses, t.config.steps, NLL_COLOR, NLL_LABEL);
  drawLoss(ui.mseCurve, m, t.config.steps, '#111', 'MSE');
  ui.caption.textContent = `I = ${t.config.gaussians}, ${t.config.sigmaTransform}, lr ${t.config.lr}, step ${t.step} of ${t.config.steps}`;
}

async function train(): Promise<void> {
  if (training || (checking && ui.device.value === 'gpu')) return;
  let config: TrainConfig;
  try {
    config = readConfig();
  } catch (e) {
    setState('error', e instanceof Error ? e.message : String(e));
    return;
  }
  training = true;
  refreshControls();
  stopRequested = false;
  setState('training');
  try {
    trainer = new Trainer(config);
    showMode();
    await yieldToBrowser();
    const t = trainer;
    const started = performance.now();
    let lastYield = started, lastDraw = -Infinity;
    while (t.step < config.steps && !stopRequested) {
      // yield whenever 30 ms have passed, between phases of a step (the first one compiles the GPU kernels)
      for await (const _phase of t.stepPhases()) {
        if (performance.now() - lastYield > 30) {
          await yieldToBrowser();
          lastYield = performance.now();
        }
      }
      const now = performance.now();
      if (now - lastDraw > 100 || t.step === config.steps) {
        await showProgress(t, t.step / ((now - started) / 1000));
        lastDraw = performance.now();
      }
      if (performance.now() - lastYield > 30) {
        await yieldToBrowser();
        lastYield = performance.now();
      }
    }
    setState(stopRequested ? 'stopped' : 'done', stopRequested ? `stopped at step ${t.step}` : `done (${config.steps} steps)`);
  } catch (e) {
    console.error(e);
    setState('error', `error: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    training = false;
    refreshControls();
  }
}

// ---- checks -----------------------------------------------------------------------------------------

function cell(text: string, className = ''): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

async function checks(): Promise<void> {
  if (checking || availableModes.length === 0 || (training && ui.device.value === 'gpu')) return;
  checking = true;
  refreshControls();
  const total = CHECKS_PER_MODE * availableModes.length;
  const perMode = new Map<string, { pass: number; fail: number }>(availableModes.map((m) => [m, { pass: 0, fail: 0 }]));
  let passed = 0, failed = 0;
  const summary = ui.checksSummary;
  const render = (state: string) => {
    summary.dataset.state = state;
    summary.dataset.passed = String(passed);
    summary.dataset.failed = String(failed);
    summary.dataset.total = String(total);
    summary.textContent = state === 'running' ? `running… ${passed + failed} of ${total}` : `${passed} of ${total} passed${failed ? `, ${failed} failed` : ''}`;
    ui.checksModes.replaceChildren(...[...perMode].map(([m, c]) => {
      const s = document.createElement('span');
      s.className = c.fail ? 'bad' : c.pass === CHECKS_PER_MODE ? 'ok' : '';
      s.dataset.mode = m;
      s.textContent = `${m}: ${c.pass}/${CHECKS_PER_MODE}${c.fail ? ` (${c.fail} failed)` : ''}`;
      return s;
    }));
  };
  ui.checksTable.replaceChildren();
  ui.runChecks.textContent = 'Run checks again';
  render('running');
  try {
    await runChecks(availableModes, (r: CheckResult) => {
      if (r.pass) passed++; else failed++;
      const c = perMode.get(r.mode)!;
      if (r.pass) c.pass++; else c.fail++;
      const tr = document.createElement('tr');
      tr.dataset.testid = 'check-row';
      tr.dataset.pass = String(r.pass);
      tr.append(cell(r.mode), cell(r.suite), cell(r.name), cell(r.pass ? 'pass' : 'FAIL', r.pass ? 'pass' : 'fail'),
        cell(r.tolerance), cell(r.detail, 'detail'), cell(r.ms.toFixed(0), 'num'));
      ui.checksTable.append(tr);
      if (!r.pass) ui.checksDetails.open = true;
      render('running');
    }, yieldToBrowser);
    render(failed === 0 && passed === total ? 'passed' : 'failed');
  } catch (e) {
    console.error(e);
    summary.dataset.state = 'failed';
    summary.textContent = `checks stopped: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    checking = false;
    // the checks leave the gpu.js mode where the last one ran; training chooses its own again
    refreshControls();
  }
}

// ---- wiring -----------------------------------------------------------------------------------------

ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  void train();
});
ui.stop.addEventListener('click', () => { stopRequested = true; });
ui.runChecks.addEventListener('click', () => void checks());
ui.device.addEventListener('change', () => { refreshControls(); ui.deviceReason.textContent = ''; });
ui.graphDraw.addEventListener('click', () => void drawGraph());
ui.downloadSafetensors.addEventListener('click', () => download('safetensors'));
ui.downloadOnnx.addEventListener('click', () => download('onnx'));
ui.graphBack.addEventListener('click', () => stepGraph());
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
globalThis.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (trainer && !training) void showProgress(trainer, 0);
    else if (!trainer) drawEmpty();
  }, 100);
});

function drawEmpty(): void {
  drawMixture(ui.mixture, null, null);
  drawLoss(ui.propelCurve, [], Number(ui.steps.value) || 1, PROPEL_COLOR, 'PROPEL loss (log10)');
  drawLoss(ui.nllCurve, [], Number(ui.steps.value) || 1, NLL_COLOR, NLL_LABEL);
  drawLoss(ui.mseCurve, [], Number(ui.steps.value) || 1, '#111', 'MSE');
}

async function start(): Promise<void> {
  drawEmpty();
  setState('loading gpu.js');
  await yieldToBrowser();
  try {
    // initGpu probes webgpu too (asking for an adapter is asynchronous), then every other mode
    await T.initGpu();
    populateModes();
  } catch (e) {
    ui.unavailable.textContent = `gpu.js could not start: ${e instanceof Error ? e.message : String(e)}`;
  }
  chooseDevice();
  showMode();
  setState('idle');
  refreshControls();
  // ?checks=0 skips the checks on load (the button still runs them); otherwise they start after the first
  // paint and run alongside whatever you do (training on 'cpu' does not wait for them)
  if (new URLSearchParams(location.search).get('checks') !== '0') {
    await new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    await checks();
  } else {
    ui.checksSummary.textContent = 'not run (?checks=0)';
    ui.runChecks.textContent = 'Run checks';
  }
}

// ---- the default device -----------------------------------------------------------------------------

/** The WebGL renderer's name, when the browser tells it (e.g. "ANGLE (Google, Vulkan 1.3.0 (SwiftShader ...))"). */
function webglRenderer(): string | null {
  try {
    const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
    if (!gl) return null;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  } catch {
    return null;
  }
}

/**
 * Start on the faster device: 'gpu' only with a hardware GPU. A software renderer (SwiftShader, llvmpipe,
 * Microsoft's Basic Render Driver) runs gpu.js's WebGL kernels 30-60 times slower than the CPU backend.
 */
function chooseDevice(): void {
  const renderer = webglRenderer();
  const software = renderer !== null && /swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer);
  const glMode = availableModes.find((m) => m === 'webgl2' || m === 'webgl');
  let reason: string;
  if (!glMode) {
    ui.device.value = 'cpu';
    reason = 'cpu: no WebGL gpu.js mode in this browser';
  } else if (renderer === null || software) {
    ui.device.value = 'cpu';
    reason = renderer === null
      ? 'cpu: the browser does not say which GPU renders WebGL, so the safe choice is the CPU'
      : `cpu: WebGL here is a software renderer (${renderer}), far slower than the CPU backend`;
  } else {
    ui.device.value = 'gpu';
    reason = `gpu: a hardware GPU renders WebGL (${renderer})`;
  }
  ui.deviceReason.textContent = `Chosen: ${reason}.`;
  ui.deviceReason.dataset.device = ui.device.value;
}

// ---- the graph of one step ----------------------------------------------------------------------------

let graphOrder: string[] = [];
let graphNext = 0;

/** One PROPEL step on 8 points with the current network (or a fresh one), drawn with toDot and Graphviz. */
async function drawGraph(): Promise<void> {
  ui.graphDraw.disabled = true;
  ui.graphStatus.textContent = 'drawing…';
  try {
    const config = { ...readConfig(), device: 'cpu' as const, steps: 1 };
    const t = trainer && trainer.config.device === 'cpu' ? trainer : new Trainer(config);
    const dot = t.graphOfOneStep(8);
    const viz = await vizInstance();
    const svg = viz.renderSVGElement(dot);
    ui.graphSvg.replaceChildren(svg);
    // backward visits the ops from the last recorded to the first: op<N-1>, ..., op0
    const ops = Array.from(svg.querySelectorAll('g.node > title')).map((el) => el.textContent ?? '').filter((id) => /^op\d+$/.test(id));
    graphOrder = ops.sort((a, b) => Number(b.slice(2)) - Number(a.slice(2)));
    graphNext = 0;
    ui.graphSvg.dataset.nodes = String(graphOrder.length);
    ui.graphStatus.textContent = `${graphOrder.length} recorded ops; backward starts at ${graphOrder[0]}`;
    ui.graphBack.disabled = graphOrder.length === 0;
  } catch (e) {
    console.error(e);
    ui.graphStatus.textContent = `could not draw: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    refreshControls();
  }
}

/** Light up the next node in backward order. */
function stepGraph(): void {
  const id = graphOrder[graphNext];
  if (id === undefined) return;
  for (const g of Array.from(ui.graphSvg.querySelectorAll('g.node'))) {
    const title = g.querySelector('title')?.textContent;
    const shape = g.querySelector('polygon, ellipse');
    if (!shape) continue;
    if (title === id) {
      shape.setAttribute('fill', '#ffd54f');
      g.setAttribute('data-lit', 'current');
    } else if (g.getAttribute('data-lit') === 'current') {
      shape.setAttribute('fill', '#fff3c4');
      g.setAttribute('data-lit', 'done');
    }
  }
  graphNext++;
  ui.graphSvg.dataset.current = id;
  ui.graphStatus.textContent = graphNext < graphOrder.length
    ? `backward at ${id} (${graphNext} of ${graphOrder.length})`
    : `backward at ${id}: done, the gradients are in the parameters`;
  ui.graphBack.disabled = graphNext >= graphOrder.length;
}

void start();
