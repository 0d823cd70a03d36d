// End-to-end test of the browser playground (examples/web) in headless Chromium, driven by playwright-core.
//
// Builds the page with esbuild and serves it on localhost (scripts/serve-web.js), opens it in Debian's
// Chromium (/usr/bin/chromium: `apt-get install -y chromium`; test tools' own browser downloads cannot
// work here) with a fresh profile, and checks that:
//   1. it starts on cpu where WebGL is a software renderer (saying why), offers no Node-only mode, and
//      training starts before the in-page checks finish;
//      the trained network downloads as safetensors (torch.nn names and shapes) and as ONNX;
//   2. the in-page checks (tensor parity 'gpu' vs 'cpu', PROPEL reference cases) all pass in every gpu.js
//      mode the browser offers, webgl2 and webasm among them;
//   3. the graph panel draws one step and steps through backward in order;
//   4. training on 'gpu' in webgl2 mode runs STEPS steps, shows the mode in use, makes the PROPEL loss fall
//      (mean of the last 10 minibatch losses at least 0.1 below the mean of the first 10, log10 units) with
//      finite MSE losses, without freezing the page (a 50 ms timer in the page never waits over 2 s) and
//      without page errors; a screenshot goes to out/playground.png;
//   5. training in webgpu mode (Dawn on SwiftShader, with the flags in ARGS) runs and reads back asynchronously.
//
// Skips with a message when /usr/bin/chromium is missing, unless PROPEL_REQUIRE_BROWSER=1 (then fails).
// Headless Chromium with --disable-gpu renders WebGL with SwiftShader (software): ~10 steps/s in webgl2.
import { CHROMIUM, requireChromium } from '../helpers/browser';
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  // WebGPU in headless Chromium without a GPU: Dawn on SwiftShader's Vulkan
  '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader', '--use-vulkan=swiftshader',
];
const STEPS = 80;
const ROOT = join(__dirname, '..', '..');
const SCREENSHOT = join(ROOT, 'out', 'playground.png');

interface Served { url: string; close: () => Promise<void> }
// scripts/serve-web.js is plain CommonJS (no types): describe the part this test uses
const { serveWeb } = require('../../scripts/serve-web.js') as {
  serveWeb: (o: { port?: number; quiet?: boolean }) => Promise<Served>;
};

describe('browser playground (headless Chromium, e2e)', function () {
  this.timeout(180_000);
  let served: Served | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  before(async function () {
    requireChromium(this, 'the browser e2e test');
    served = await serveWeb({ port: 0, quiet: true });
    profile = mkdtempSync(join(tmpdir(), 'propel-playground-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 1000 }, acceptDownloads: true,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(served.url);
  });

  after(async () => {
    await context?.close();
    await served?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("starts on the faster device (cpu where WebGL is a software renderer) and trains before the checks finish", async () => {
    const reason = page.locator('[data-testid=device-reason]');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-testid=device-reason]')!.dataset.device !== undefined, null, { timeout: 30_000 });
    const text = await reason.textContent();
    console.log(`      ${text}`);
    // headless Chromium with --disable-gpu renders WebGL with SwiftShader: ~10 steps/s there against ~300 on cpu
    expect(await reason.getAttribute('data-device')).to.equal('cpu');
    expect(text).to.match(/software renderer \(.*SwiftShader/i);
    expect(await page.locator('[data-testid=device]').inputValue()).to.equal('cpu');
    // the Node-only mode is not offered in a browser
    expect(await page.locator('[data-testid=gpu-mode] option').allTextContents()).to.not.include.members(['headlessgl', 'headlessgl (unavailable)']);
    await page.fill('[data-testid=steps]', '40');
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-testid=train-state]')!.dataset.state === 'done', null, { timeout: 60_000 });
    const checksState = await page.locator('[data-testid=checks-summary]').getAttribute('data-state');
    expect(checksState, 'the in-page checks were still running when 40 training steps had finished').to.equal('running');
    expect(await page.locator('[data-testid=step]').getAttribute('data-step')).to.equal('40');
  });

  it('downloads the trained PROPEL network as a safetensors file with the torch.nn names and shapes, and as ONNX', async () => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-safetensors]')]);
    const bytes = readFileSync((await file.path())!);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { dtype: string; shape: number[] }>;
    // torch.nn.Sequential(Linear(1, 32), Tanh(), Linear(32, 32), Tanh(), Linear(32, 4)): I = 2 Gaussians in n = 1
    const shapes = Object.fromEntries(Object.entries(header).filter(([k]) => k !== '__metadata__').map(([k, v]) => [k, [v.dtype, ...v.shape]]));
    expect(shapes).to.deep.equal({
      '0.weight': ['F32', 32, 1], '0.bias': ['F32', 32], '2.weight': ['F32', 32, 32], '2.bias': ['F32', 32], '4.weight': ['F32', 4, 32], '4.bias': ['F32', 4],
    });
    expect(bytes.length).to.equal(8 + headerLength + 4 * (32 + 32 + 32 * 32 + 32 + 4 * 32 + 4));
    const [onnx] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-onnx]')]);
    expect(onnx.suggestedFilename()).to.equal('propel-playground.onnx');
    const model = readFileSync((await onnx.path())!).toString('latin1');
    for (const op of ['MatMul', 'Add', 'Tanh']) expect(model, `the ONNX graph has ${op}`).to.contain(op);
  });

  it('runs the tensor parity and PROPEL reference checks in the gpu.js modes of the browser, and all pass', async () => {
    await page.waitForFunction(() => ['passed', 'failed'].includes(document.querySelector<HTMLElement>('[data-testid=checks-summary]')!.dataset.state!), null, { timeout: 120_000 });
    const summary = await page.locator('[data-testid=checks-summary]').evaluate((el: HTMLElement) => ({
      state: el.dataset.state, passed: el.dataset.passed, total: el.dataset.total, text: el.textContent,
    }));
    const rows = await page.locator('tr[data-testid=check-row]').evaluateAll((trs) => trs.map((tr) => ({
      pass: (tr as HTMLElement).dataset.pass === 'true',
      text: Array.from(tr.children, (td) => td.textContent).join(' | '),
    })));
    const modes = [...new Set(rows.map((r) => r.text.split(' | ')[0]!))];
    console.log(`      in-page checks: ${summary.text}; modes: ${modes.join(', ')}`);
    const failures = rows.filter((r) => !r.pass).map((r) => r.text);
    expect(failures, 'failed in-page checks').to.deep.equal([]);
    expect(summary.state).to.equal('passed');
    expect(modes).to.include.members(['webgpu', 'webgl2', 'webasm']);
    expect(rows.length).to.equal(Number(summary.total)).and.to.be.greaterThan(0);
    expect(Number(summary.passed)).to.equal(rows.length);
  });

  it("draws the graph of one step and lights its nodes up in backward order, from the loss to the first layer", async () => {
    await page.click('[data-testid=graph-draw]');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-testid=graph-svg]')!.dataset.nodes !== undefined, null, { timeout: 60_000 });
    const svg = page.locator('[data-testid=graph-svg]');
    const nodes = Number(await svg.getAttribute('data-nodes'));
    // 1 → 32 → 32 → 2I: three Linear layers (permute, matmul, expand, add), two tanh, a reshape, one propel
    expect(nodes).to.equal(16);
    expect(await svg.locator('g.node').count()).to.be.above(nodes);   // plus the parameters and the data
    const order: string[] = [];
    for (let i = 0; i < nodes; i++) {
      await page.click('[data-testid=graph-back]');
      order.push((await svg.getAttribute('data-current'))!);
      expect(await svg.locator('g.node[data-lit=current]').count()).to.equal(1);
    }
    expect(order[0]).to.equal('op15');
    expect(order.at(-1)).to.equal('op0');
    expect(order.map((id) => Number(id.slice(2)))).to.deep.equal(Array.from({ length: nodes }, (_, i) => nodes - 1 - i));
    expect(await page.locator('[data-testid=graph-back]').isDisabled()).to.equal(true);
    expect(await svg.locator('text').allTextContents()).to.include.members(['0.weight', 'propel']);
  });

  it(`trains on 'gpu' in webgl2 mode for ${STEPS} steps: the PROPEL loss falls and the page stays responsive`, async () => {
    await page.selectOption('[data-testid=device]', 'gpu');
    await page.selectOption('[data-testid=gpu-mode]', 'webgl2');
    await page.fill('[data-testid=steps]', String(STEPS));
    // a timer in the page: the longest wait between 50 ms ticks shows whether training ever blocks it
    await page.evaluate(() => {
      const w = window as unknown as { __maxGap: number; __timer: number };
      let last = performance.now();
      w.__maxGap = 0;
      w.__timer = window.setInterval(() => {
        const now = performance.now();
        w.__maxGap = Math.max(w.__maxGap, now - last);
        last = now;
      }, 50);
    });
    const started = Date.now();
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-testid=train-state]')!.dataset.state !== 'training', null, { timeout: 150_000 });
    const seconds = (Date.now() - started) / 1000;
    const state = await page.locator('[data-testid=train-state]').textContent();
    expect(state, 'training state').to.equal(`done (${STEPS} steps)`);
    const step = Number(await page.locator('[data-testid=step]').getAttribute('data-step'));
    expect(step).to.equal(STEPS);
    expect(await page.locator('[data-testid=mode-in-use]').getAttribute('data-mode')).to.equal('webgl2');
    const loss = async (id: string) => page.locator(`[data-testid=${id}]`).evaluate((el: HTMLElement) => ({ first: Number(el.dataset.first), recent: Number(el.dataset.recent) }));
    const propel = await loss('propel-loss');
    const mse = await loss('mse-loss');
    const maxGap = await page.evaluate(() => (window as unknown as { __maxGap: number }).__maxGap);
    console.log(`      ${STEPS} steps in ${seconds.toFixed(1)} s; PROPEL loss ${propel.first.toFixed(4)} -> ${propel.recent.toFixed(4)}, MSE ${mse.first.toFixed(4)} -> ${mse.recent.toFixed(4)}; longest timer gap ${maxGap.toFixed(0)} ms`);
    expect(Number.isFinite(propel.first) && Number.isFinite(propel.recent), 'PROPEL losses are finite').to.equal(true);
    expect(propel.recent, 'PROPEL loss (mean of the last 10 steps) fell from the first 10').to.be.below(propel.first - 0.1);
    expect(Number.isFinite(mse.first) && Number.isFinite(mse.recent), 'MSE losses are finite').to.equal(true);
    expect(maxGap, 'longest wait of a 50 ms page timer during training (ms)').to.be.below(2000);
    expect(pageErrors, 'page errors').to.deep.equal([]);
    mkdirSync(join(ROOT, 'out'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it("trains in webgpu mode (asynchronous reads): the steps run, the mode is shown, the losses are finite", async () => {
    await page.selectOption('[data-testid=device]', 'gpu');
    await page.selectOption('[data-testid=gpu-mode]', 'webgpu');
    await page.fill('[data-testid=steps]', '12');
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-testid=train-state]')!.dataset.state !== 'training', null, { timeout: 150_000 });
    expect(await page.locator('[data-testid=train-state]').textContent(), 'training state').to.equal('done (12 steps)');
    expect(await page.locator('[data-testid=mode-in-use]').getAttribute('data-mode')).to.equal('webgpu');
    const propel = await page.locator('[data-testid=propel-loss]').evaluate((el: HTMLElement) => [Number(el.dataset.first), Number(el.dataset.recent)]);
    expect(propel.every(Number.isFinite), `PROPEL losses ${propel}`).to.equal(true);
    expect(pageErrors, 'page errors').to.deep.equal([]);
  });
});
