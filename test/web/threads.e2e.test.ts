// End-to-end test of the CPU backend's threads in the browser (packages/tensor/src/backends/cpu/threads.ts):
// Web Workers over shared memory when the page is cross-origin isolated, in headless Chromium.
//
// Bundles test/web/threads-page.ts (the main entry '@propel-ts/tensor', as a page gets it) with esbuild and
// serves it three ways with scripts/serve-web.js's static server: with the COOP/COEP headers (isolated), without
// them, and isolated but with a Content-Security-Policy that forbids blob: workers. Checks that:
//   1. the isolated page starts its workers by itself (navigator.hardwareConcurrency threads) and cpuInfo()
//      says they are starting until they are;
//   2. large products (float32 and float64, rows not a multiple of the tile, 1024²) on 2 threads, on the page's
//      main thread (which spins for the workers: Atomics.wait throws there) and in a Web Worker of the page
//      (which blocks in Atomics.wait), are split over the threads (cpuInfo().parallelProducts grows) and
//      bit-identical to the same product on 1 thread, and to the oracle: the product computed in Node on the
//      calling thread alone, with the page's gemm tile (Chromium has relaxed SIMD, so its FMA tile: on Node 20
//      that needs a child Node with --experimental-wasm-relaxed-simd);
//      the PROPEL loss's sample loop too (parallelFor; cpuInfo().parallelLoops grows), bit-identical on 1 and 2
//      threads and within 1e-5 of Node's (two V8s' Math.exp and Math.log may round differently); and
//      reductions (cpuInfo().parallelReductions grows), bit-identical on 1 and 2 threads and to Node's;
//   3. the 1024² matmul's time on 1 and on 2 threads, on the main thread and in the worker (printed: the README's figures);
//   4. the page without the headers and the page whose policy blocks the workers compute on one thread and
//      say why in cpuInfo().reason;
//   5. the playground as `npm run demo:web` serves it (serveWeb) is cross-origin isolated and still loads
//      everything it needs (no failed request, no page error; playground.e2e.test.ts tests the rest).
//
// Skips with a message when /usr/bin/chromium is missing, unless PROPEL_REQUIRE_BROWSER=1 (then fails).
import { CHROMIUM, requireChromium } from '../helpers/browser';
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import * as T from '@propel-ts/tensor';
import { propelForward } from '@propel-ts/propel';
import { propelInputs } from './propel-inputs';
import type { ProductResult, ProductSpec, ThreadsApi } from './threads-page';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

interface Served { url: string; close: () => Promise<void> }
// scripts/serve-web.js is plain CommonJS (no types): describe the part this test uses
const { serveStatic, serveWeb } = require('../../scripts/serve-web.js') as {
  serveStatic: (dir: string, o: { port?: number; isolated?: boolean; headers?: Record<string, string> }) => Promise<Served>;
  serveWeb: (o: { port?: number; quiet?: boolean }) => Promise<Served>;
};

/** What the page script defines (threads-page.ts): its calls, cpuInfo() at load, and the calls in its worker. */
type PageApi = ThreadsApi & { atLoad: T.CpuInfo; inWorker: (name: keyof ThreadsApi, ...args: unknown[]) => Promise<unknown> };
declare const threadsPage: PageApi;

const PRODUCTS: (ProductSpec & { what: string })[] = [
  { what: 'float32 [517, 300] @ [300, 211] (rows not a multiple of the tile)', m: 517, k: 300, n: 211, dtype: 'float32', seed: 1 },
  { what: 'float64 [400, 256] @ [256, 390]', m: 400, k: 256, n: 390, dtype: 'float64', seed: 3 },
  { what: 'float32 [1024, 1024] @ [1024, 1024]', m: 1024, k: 1024, n: 1024, dtype: 'float32', seed: 5 },
];
const N1024 = PRODUCTS[2]!;

/** The oracle: the same product here in Node, on the calling thread alone, as base64 of its bytes. */
function nodeProduct(p: ProductSpec): string {
  const a = T.rand([p.m, p.k], { seed: p.seed, dtype: p.dtype }), b = T.rand([p.k, p.n], { seed: p.seed + 1, dtype: p.dtype });
  const c = T.matmul(a, b).toTypedArray();
  return Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('base64');
}

/**
 * The oracle for a page whose gemm runs `tile` (its cpuInfo().gemm): computed here when this process runs
 * the same tile, else in a child Node with relaxed SIMD turned on (Chromium has it; Node 20 has it behind
 * --experimental-wasm-relaxed-simd), since the two tiles round differently.
 */
function nodeProducts(tile: string): Map<ProductSpec, string> {
  if (T.cpuInfo().gemm === tile) return new Map(PRODUCTS.map((p) => [p, nodeProduct(p)]));
  expect(tile, "the page's gemm tile").to.equal('fma');
  const script = `const T = require('@propel-ts/tensor'); const P = ${JSON.stringify(PRODUCTS)};
if (T.cpuInfo().gemm !== 'fma') throw new Error('the child has no fma tile: ' + T.cpuInfo().gemm);
console.log(JSON.stringify(P.map((p) => { const a = T.rand([p.m, p.k], { seed: p.seed, dtype: p.dtype }), b = T.rand([p.k, p.n], { seed: p.seed + 1, dtype: p.dtype });
  const c = T.matmul(a, b).toTypedArray(); return Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('base64'); })));`;
  const out = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--conditions=@propel-ts/source', '-r', 'ts-node/register', '-e', script],
    { cwd: join(__dirname, '..', '..'), encoding: 'utf8', env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' }, maxBuffer: 64 * 2 ** 20 });
  const bytes = JSON.parse(out.trim().split('\n').at(-1)!) as string[];
  return new Map(PRODUCTS.map((p, i) => [p, bytes[i]!]));
}

/** Bit-for-bit equality of two products' bytes, naming the first element that differs. */
function sameBits(expected: string, got: string, p: ProductSpec, what: string): void {
  const a = Buffer.from(expected, 'base64'), b = Buffer.from(got, 'base64');
  expect(b.length, `${what}: bytes`).to.equal(a.length);
  const es = p.dtype === 'float64' ? 8 : 4;
  for (let i = 0; i < a.length; i += es) {
    if (a.compare(b, i, i + es, i, i + es) !== 0) {
      const read = (x: Buffer) => (es === 8 ? x.readDoubleLE(i) : x.readFloatLE(i));
      expect.fail(`${what}: element ${i / es} is ${read(b)}, expected ${read(a)}`);
    }
  }
}

describe('CPU threads in the browser: Web Workers when cross-origin isolated (headless Chromium, e2e)', function () {
  this.timeout(180_000);
  let dir: string | undefined;
  const servers: Served[] = [];
  let browser: Browser | undefined;
  const pageErrors: string[] = [];
  let oracle = new Map<ProductSpec, string>();

  /** Open the page of a server in a fresh context; page errors are collected. */
  async function open(served: Served): Promise<Page> {
    const page = await (await browser!.newContext()).newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(served.url);
    await page.waitForFunction(() => 'threadsPage' in globalThis);
    return page;
  }

  before(async function () {
    requireChromium(this, 'the browser e2e test');
    dir = mkdtempSync(join(tmpdir(), 'propel-threads-page-'));
    const esbuild = require('esbuild') as typeof import('esbuild');
    await esbuild.build({
      entryPoints: [join(__dirname, 'threads-page.ts')], outfile: join(dir, 'threads-page.js'), bundle: true, platform: 'browser',
      format: 'iife', target: ['es2022'], conditions: ['@propel-ts/source'], mainFields: ['browser', 'module', 'main'], logLevel: 'error',
    });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>threads</title><script src="threads-page.js"></script>\n');
    for (const o of [{}, { isolated: false }, { headers: { 'content-security-policy': "worker-src 'self'" } }]) {
      servers.push(await serveStatic(dir, { port: 0, ...o }));
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    // the oracle on the calling thread alone (another suite may have loaded the Node entry's workers), with the
    // tile the pages run
    T.setNumThreads(1);
    const probe = await open(servers[1]!);
    oracle = nodeProducts((await probe.evaluate(() => threadsPage.info())).gemm);
    await probe.close();
  });

  after(async () => {
    await browser?.close();
    for (const s of servers) await s.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('a page served with COOP: same-origin and COEP: require-corp', () => {
    let page: Page;
    before(async () => {
      page = await open(servers[0]!);
    });

    it('is crossOriginIsolated and starts its Web Workers by itself, on all cores, saying so while they start', async () => {
      expect(await page.evaluate(() => threadsPage.isolated())).to.equal(true);
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      const atLoad = await page.evaluate(() => threadsPage.atLoad);
      console.log(`      at load: ${JSON.stringify(atLoad)}`);
      expect(atLoad.cores).to.equal(cores);
      if (cores > 1) {
        expect(atLoad.workers, 'workers started at load').to.equal(Math.min(cores, 32) - 1);
        // before the page first yielded, the workers may not have said ready yet: then the reason says so
        if (atLoad.ready < atLoad.workers) expect(atLoad.reason).to.match(/workers still starting/);
        else expect(atLoad.reason).to.equal(null);
        const ready = await page.evaluate(() => threadsPage.threads(navigator.hardwareConcurrency));
        expect(ready).to.include({ workers: Math.min(cores, 32) - 1, ready: Math.min(cores, 32) - 1, reason: null });
      } else {
        expect(atLoad).to.include({ workers: 0, reason: 'one core reported (setNumThreads(n) to use more)' });
      }
    });

    for (const where of ['main thread (spins for the workers)', 'Web Worker (Atomics.wait)'] as const) {
      it(`in the page's ${where}: large products on 2 threads are split and bit-identical to 1 thread and to Node's`, async () => {
        const run = (name: keyof ThreadsApi, ...args: unknown[]) => page.evaluate(
          ([w, n, a]) => (w ? threadsPage.inWorker(n, ...a) : (threadsPage[n] as (...x: unknown[]) => unknown)(...a)),
          [where.startsWith('Web'), name, args] as const,
        );
        expect(await run('isolated'), 'crossOriginIsolated there').to.equal(true);
        for (const p of PRODUCTS) {
          expect(await run('threads', 1)).to.include({ threads: 1, workers: 0 });
          const one = await run('product', p) as ProductResult;
          expect(one.parallel, `${p.what} on 1 thread ran on the threads`).to.equal(false);
          const info = await run('threads', 2) as T.CpuInfo;
          expect(info).to.include({ threads: 2, workers: 1, ready: 1, reason: null });
          const two = await run('product', p) as ProductResult;
          expect(two.parallel, `${p.what} on 2 threads ran on the threads (cpuInfo().parallelProducts grew)`).to.equal(true);
          sameBits(oracle.get(p)!, one.bytes, p, `${p.what}, 1 thread vs Node`);
          sameBits(one.bytes, two.bytes, p, `${p.what}, 2 threads vs 1`);
        }
        // the PROPEL loss's samples (its loop travels to the workers as text, from the page's bundle)
        const B = 3000, spec: ProductSpec = { m: 1, k: 1, n: B * 17, dtype: 'float32', seed: 7 };
        await run('threads', 1);
        const one = await run('propel', B, 7) as ProductResult;
        expect(one.parallel, 'PROPEL on 1 thread ran on the threads').to.equal(false);
        await run('threads', 2);
        const two = await run('propel', B, 7) as ProductResult;
        expect(two.parallel, 'PROPEL on 2 threads ran on the threads (cpuInfo().parallelLoops grew)').to.equal(true);
        sameBits(one.bytes, two.bytes, spec, 'PROPEL loss and Jacobian, 2 threads vs 1');
        // against Node's (this process, one thread); Math.exp and Math.log may differ in the last bit between V8s
        const { output, target } = propelInputs(B, 7);
        const node = propelForward(output, target, { B, I: 4, n: 2 }, { sigma: 0.5 });
        const want = [...node.lossPerSample, ...node.saved.jacobian!];
        const raw = Buffer.from(one.bytes, 'base64'), got = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
        want.forEach((w, i) => { if (!(Math.abs(got[i]! - w) <= 1e-5 * (1 + Math.abs(w)))) expect.fail(`PROPEL element ${i}: ${got[i]} in the page, ${w} in Node`); });
        // reductions (their loops travel as text too): exact IEEE sums and maxima, so the same bits as Node's
        const rspec: ProductSpec = { m: 1, k: 1, n: 1 + 512 + 1024 + 1024, dtype: 'float32', seed: 8 };
        await run('threads', 1);
        const r1 = await run('reduce', 8) as ProductResult;
        expect(r1.parallel, 'reductions on 1 thread ran on the threads').to.equal(false);
        await run('threads', 2);
        const r2 = await run('reduce', 8) as ProductResult;
        expect(r2.parallel, 'all four reductions on 2 threads ran on the threads (cpuInfo().parallelReductions grew by 4)').to.equal(true);
        sameBits(r1.bytes, r2.bytes, rspec, 'reductions, 2 threads vs 1');
        const x = T.rand([1024, 512], { seed: 8 });
        const nodeSums = [T.sum(x), T.sum(x, { axis: 0 }), T.sum(x, { axis: 1 }), T.max(x, { axis: 1 })].flatMap((t) => [...t.toTypedArray()]);
        sameBits(Buffer.from(Float32Array.from(nodeSums).buffer).toString('base64'), r1.bytes, rspec, "reductions, the page's vs Node's");
      });
    }

    for (const inWorker of [false, true]) {
      const where = inWorker ? "a Web Worker of the page (Atomics.wait)" : "the page's main thread (spin)";
      it(`times the 1024² float32 matmul in ${where} on 1 and on 2 threads (3 alternating rounds, median of 5 each)`, async () => {
        const time = (n: number) => page.evaluate(async ([w, n, p]) => {
          if (w) {
            await threadsPage.inWorker('threads', n);
            return threadsPage.inWorker('time', p, 5) as Promise<{ ms: number; parallel: number }>;
          }
          await threadsPage.threads(n);
          return threadsPage.time(p, 5);
        }, [inWorker, n, N1024] as const);
        // alternating rounds, the best median of each: other work on the machine slows some rounds down
        const rounds: Record<1 | 2, number[]> = { 1: [], 2: [] };
        for (let round = 0; round < 3; round++) {
          for (const n of [1, 2] as const) {
            const { ms, parallel } = await time(n);
            expect(parallel, `products split on ${n} thread(s)`).to.equal(n === 1 ? 0 : 5);
            rounds[n].push(ms);
          }
        }
        const best = (n: 1 | 2) => Math.min(...rounds[n]);
        const gflops = (ms: number) => (2 * 1024 ** 3 / ms / 1e6).toFixed(1);
        console.log(`      1024² matmul, ${inWorker ? 'worker' : 'main thread'} (medians per round: 1 thread ${rounds[1].map((x) => x.toFixed(0)).join('/')} ms, ` +
          `2 threads ${rounds[2].map((x) => x.toFixed(0)).join('/')} ms): best 1 thread ${best(1).toFixed(1)} ms (${gflops(best(1))} GFLOP/s), ` +
          `2 threads ${best(2).toFixed(1)} ms (${gflops(best(2))} GFLOP/s), ${(best(1) / best(2)).toFixed(2)}× faster`);
        expect(pageErrors, 'page errors').to.deep.equal([]);
      });
    }
  });

  it('a page served without the headers computes on one thread and says which headers it needs', async () => {
    const page = await open(servers[1]!);
    expect(await page.evaluate(() => threadsPage.isolated())).to.equal(false);
    const info = await page.evaluate(() => threadsPage.threads(2));
    expect(info).to.include({ threads: 1, workers: 0, parallelProducts: 0 });
    expect(info.reason).to.match(/^not cross-origin isolated .*Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp$/);
    const p = PRODUCTS[0]!;
    const r = await page.evaluate((p) => threadsPage.product(p), p);
    expect(r.parallel).to.equal(false);
    sameBits(oracle.get(p)!, r.bytes, p, `${p.what} without isolation vs Node`);
    expect(pageErrors, 'page errors').to.deep.equal([]);
  });

  it("a page whose Content-Security-Policy forbids blob: workers says a worker failed to start, and computes on one thread", async () => {
    const page = await open(servers[2]!);
    expect(await page.evaluate(() => threadsPage.isolated())).to.equal(true);
    // (re)start 2 threads: the worker's start fails (at once, or by an error event), and the pool is dropped
    await page.evaluate(() => threadsPage.threads(2));
    await page.waitForFunction(() => threadsPage.info().workers === 0, null, { timeout: 30_000 });
    const info = await page.evaluate(() => threadsPage.info());
    console.log(`      ${info.reason}`);
    expect(info.reason).to.match(/^a worker failed to start: /);
    const p = PRODUCTS[0]!;
    const r = await page.evaluate((p) => threadsPage.product(p), p);
    expect(r.parallel).to.equal(false);
    sameBits(oracle.get(p)!, r.bytes, p, `${p.what} with the workers blocked vs Node`);
  });

  it('the playground, served by `npm run demo:web`, is cross-origin isolated and loads everything it needs', async () => {
    const served = await serveWeb({ port: 0, quiet: true });
    try {
      const page = await (await browser!.newContext()).newPage();
      const failed: string[] = [];
      const errors: string[] = [];
      page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
      page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.url()}: HTTP ${r.status()}`); });
      page.on('pageerror', (e) => errors.push(e.message));
      const response = await page.goto(served.url);
      expect(response!.headers()).to.include({ 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
      expect(await page.evaluate(() => crossOriginIsolated)).to.equal(true);
      // the page has started (its device choice is made once gpu.js and the CPU backend are loaded)
      await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-testid=device-reason]')?.dataset.device !== undefined, null, { timeout: 30_000 });
      expect(failed, 'failed requests').to.deep.equal([]);
      expect(errors, 'page errors').to.deep.equal([]);
    } finally {
      await served.close();
    }
  });
});
