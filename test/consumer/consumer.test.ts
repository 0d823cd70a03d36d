// The packages as a user meets them: `npm pack` each workspace (prepack builds it), install the tarballs into
// an empty temporary project (offline: the tarballs and the local npm cache, no registry), and use them the
// ways a user would. Each way computes the same things and checks them against independent values:
//   - d/dx sum(x·x·w) = 2·x·w, by hand;
//   - a PROPEL loss and its gradient, against the float64 reference fixture (test/fixtures/propel);
//   - one Adam step on an MLP, against the update rule by hand (the first step moves every weight by lr·sign(g));
//   - 'gpu' without gpu.js installed: an error that names the package to install.
// The ways: a CommonJS script, an ES module with named imports, TypeScript under strict consumer settings
// (`tsc --init`'s config, strict nodenext with exactOptionalPropertyTypes and verbatimModuleSyntax, bundler
// resolution; all with skipLibCheck false) with the strict build run as well, an esbuild browser bundle and
// the plain <script type="module"> page with an import map (both in headless Chromium). The CPU-only install
// must pull no gpu.js, no native `gl` and no Dawn (`webgpu`). publint and @arethetypeswrong/cli check the
// tarballs.
//
// Needs Debian's Chromium at /usr/bin/chromium for the two browser cases (skipped with a message without
// it, unless PROPEL_REQUIRE_BROWSER=1). Run alone: `npm run test:consumer`.
import { CHROMIUM, requireChromium } from '../helpers/browser';
import { expect } from 'chai';
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const ROOT = join(__dirname, '..', '..');
const PACKAGES = ['tensor', 'autograd', 'propel', 'io'] as const;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** The reference case the consumers compute (float64 oracle of the PROPEL loss and its gradient). */
const CASE_NAME = 'random-B3-I3-n1';
interface Case { reduction: 'mean' | 'sum' | 'none'; B: number; I: number; n: number; sigma: number; output: number[]; target: number[]; loss_per_sample: number[]; grad_output: number[] }
const fixture = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/propel/reference-seed15.json'), 'utf8')) as { cases: (Case & { name: string })[] };
const refCase = fixture.cases.find((c) => c.name === CASE_NAME)!;

/**
 * What every consumer runs, as plain JavaScript (the same text goes into each file, after that file's own
 * imports): `T`, `A`, `P` are the three packages' namespaces, `c` the reference case.
 */
const RUN = `
function run(T, A, P, IO, c) {
  const x = A.variable(T.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' }), { requiresGrad: true });
  const w = T.tensor([[0.5, -1, 2], [1, 0, -0.25]], { dtype: 'float64' });
  x.mul(x).mul(w).sum().backward();

  const out = A.variable(T.tensor(c.output, { dtype: 'float64' }).reshape([c.B, c.I, 2 * c.n]), { requiresGrad: true });
  const target = T.tensor(c.target, { dtype: 'float64' }).reshape([c.B, c.n]);
  const loss = P.propelLoss(out, target, { sigma: c.sigma, reduction: 'none' });
  // the fixture's gradient is that of the case's reduction (of the sum for 'none')
  const reduced = P.propelLoss(out, target, { sigma: c.sigma, reduction: c.reduction });
  (c.reduction === 'none' ? reduced.sum() : reduced).backward();

  const model = new A.nn.MLP([2, 3, 1], { seed: 0 });
  const before = model.parameters().map((p) => Array.from(p.value.toTypedArray()));
  const opt = new A.optim.Adam(model.parameters(), { lr: 0.01 });
  opt.zeroGrad();
  A.mseLoss(model.forward(T.tensor([[0.5, -1], [2, 0.25]])), T.tensor([[1], [-1]])).backward();
  const grads = model.parameters().map((p) => Array.from(p.grad.toTypedArray()));
  opt.step();
  const after = model.parameters().map((p) => Array.from(p.value.toTypedArray()));

  // safetensors round trip of a transposed (non-contiguous) tensor: the header length, then the JSON header
  const bytes = IO.saveSafetensors({ w: T.tensor([[1, 2], [3, 4]], { dtype: 'float64' }).transpose() });
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const io = { header, back: IO.loadSafetensors(bytes).w.toArray(), length: bytes.length };

  let gpuError = null;
  try { T.tensor([1, 2], { device: 'gpu' }); } catch (e) { gpuError = String(e && e.message); }
  return {
    grad: Array.from(x.grad.toTypedArray()),
    loss: Array.from(loss.value.toTypedArray()),
    propelGrad: Array.from(out.grad.toTypedArray()),
    adam: { before, grads, after },
    io,
    gpuError,
  };
}
`;

interface RunResult {
  grad: number[];
  loss: number[];
  propelGrad: number[];
  adam: { before: number[][]; grads: number[][]; after: number[][] };
  io: { header: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>; back: number[][]; length: number };
  gpuError: string | null;
}

/** Assert one consumer's result against the hand computation and the reference fixture. */
function checkResult(r: RunResult, where: string): void {
  const close = (got: number[], want: number[], tol: number, what: string) => {
    expect(got.length, `${where}: ${what} length`).to.equal(want.length);
    got.forEach((g, i) => expect(Math.abs(g - want[i]!), `${where}: ${what}[${i}] = ${g}, expected ${want[i]}`).to.be.at.most(tol));
  };
  // d/dx sum(x·x·w) = 2·x·w
  close(r.grad, [1, -4, 12, 8, 0, -3], 0, 'gradient of sum(x*x*w)');
  close(r.loss, refCase.loss_per_sample, 1e-12, 'PROPEL loss per sample');
  close(r.propelGrad, refCase.grad_output, 1e-12, 'PROPEL gradient');
  // Adam's first step (bias-corrected m/sqrt(v) = g/|g|) moves every weight by lr·sign(g), in float32
  r.adam.before.forEach((b, k) => {
    const want = b.map((v, i) => v - 0.01 * Math.sign(r.adam.grads[k]![i]!));
    close(r.adam.after[k]!, want, 1e-6, `Adam step, parameter ${k}`);
  });
  // the transpose written row-major as its values read: [[1, 3], [2, 4]], 4 float64 = 32 bytes after the header
  expect(r.io.header.w, `${where}: safetensors header`).to.deep.equal({ dtype: 'F64', shape: [2, 2], data_offsets: [0, 32] });
  expect(r.io.back, `${where}: safetensors round trip`).to.deep.equal([[1, 3], [2, 4]]);
  expect(r.io.length % 8, `${where}: header padded to 8 bytes`).to.equal(0);
  expect(r.gpuError, `${where}: 'gpu' without gpu.js`).to.be.a('string').and.to.contain('npm install gpu.js');
}

function sh(cmd: string, args: string[], opts: ExecFileSyncOptions = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: 'pipe', ...opts }) as string;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}\n${err.message}`);
  }
}

/** A static file server for `dir` on a free localhost port. */
function serve(dir: string): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.map': 'application/json', '.json': 'application/json' };
  const server = createServer((req, res) => {
    const path = normalize(join(dir, decodeURIComponent((req.url ?? '/').split('?')[0]!)));
    if (!path.startsWith(dir + sep) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    resolve({ server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
  }));
}

describe('consumer: the packed packages in an empty project', function () {
  this.timeout(300_000);
  let dir: string;
  const tarballs: Record<string, string> = {};

  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'propel-consumer-'));
    const packs = join(dir, 'packs');
    mkdirSync(packs);
    // prepack builds each package (tsc -b and the browser file): a tarball can never ship unbuilt
    sh('npm', ['pack', '--silent', ...PACKAGES.flatMap((p) => ['-w', `packages/${p}`]), '--pack-destination', packs], { cwd: ROOT });
    for (const p of PACKAGES) tarballs[p] = join(packs, `propel-ts-${p}-0.2.0.tgz`);
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true }, null, 2));
    const started = Date.now();
    sh('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', ...PACKAGES.map((p) => tarballs[p]!)], { cwd: app });
    console.log(`      CPU-only install of the ${PACKAGES.length} tarballs: ${Date.now() - started} ms, node_modules ${(du(join(app, 'node_modules')) / 1e6).toFixed(1)} MB`);
    writeFileSync(join(app, 'case.json'), JSON.stringify(refCase));
  });

  after(() => {
    if (dir && !process.env.PROPEL_KEEP_CONSUMER) rmSync(dir, { recursive: true, force: true });
  });

  const app = () => join(dir, 'app');

  it('ships compiled JavaScript with declarations, the browser file and the README, and no test or build leftovers', () => {
    for (const p of PACKAGES) {
      const listing = sh('tar', ['-tzf', tarballs[p]!]).split('\n').filter(Boolean);
      for (const f of ['package/dist/index.js', 'package/dist/index.d.ts', 'package/dist/browser/index.js', 'package/README.md', 'package/package.json']) {
        expect(listing, `${p}: ${f}`).to.include(f);
      }
      expect(listing.filter((f) => /tsbuildinfo|tsconfig|\.test\./.test(f)), `${p}: leftovers`).to.deep.equal([]);
    }
  });

  it('a CPU-only install pulls no gpu.js, no native gl and no Dawn (webgpu)', () => {
    const installed = readdirSync(join(app(), 'node_modules')).filter((d) => !d.startsWith('.'));
    for (const heavy of ['gpu.js', 'gl', 'webgpu']) expect(installed, `node_modules/${heavy}`).to.not.include(heavy);
  });

  it('CommonJS: require() computes the gradients, the PROPEL reference values and an Adam step', () => {
    writeFileSync(join(app(), 'main.cjs'), `'use strict';
const T = require('@propel-ts/tensor');
const A = require('@propel-ts/autograd');
const P = require('@propel-ts/propel');
const IO = require('@propel-ts/io');
${RUN}
console.log(JSON.stringify(run(T, A, P, IO, require('./case.json'))));
`);
    checkResult(JSON.parse(sh(process.execPath, ['main.cjs'], { cwd: app() })), 'CommonJS');
  });

  it("the Node entry '@propel-ts/tensor/node' adds worker threads to the same package (one instance), bit-identical", () => {
    writeFileSync(join(app(), 'threads.cjs'), `'use strict';
const T = require('@propel-ts/tensor');
const TN = require('@propel-ts/tensor/node');
const P = require('@propel-ts/propel');
const { availableParallelism } = require('node:os');
const defaultThreads = TN.cpuInfo().threads;
const a = T.rand([300, 256], { seed: 1 }), b = T.rand([256, 300], { seed: 2 });
// the reference on the calling thread alone (the default pool's workers may already be ready: they start
// in parallel with this thread), then the same product on two threads, whatever the machine's core count
// and an elementwise op marked for threads (tanh), whose row loop the compiled package sends as its text,
// and the PROPEL loss's samples (the compiled @propel-ts/propel sends its loop's text through parallelFor)
const x = T.randn([400, 400], { seed: 3 });
const B = 2000, out = T.randn([B, 4, 4], { seed: 4 }).toTypedArray(), tgt = T.randn([B, 2], { seed: 5 }).toTypedArray();
const propel = () => { const r = P.propelForward(out, tgt, { B, I: 4, n: 2 }, { sigma: 0.5 }); return [...r.lossPerSample, ...r.saved.jacobian]; };
TN.setNumThreads(1);
// and a reduction, whose loop carries the compiled package's row-loop text
const sums = () => [...T.sum(x, { axis: 1 }).toTypedArray(), ...T.sum(x).toTypedArray()];
const one = T.matmul(a, b).toTypedArray(), oneTanh = T.tanh(x).toTypedArray(), onePropel = propel(), oneSums = sums();
const afterOne = TN.cpuInfo().parallelProducts + TN.cpuInfo().parallelElementwise + TN.cpuInfo().parallelLoops + TN.cpuInfo().parallelReductions;
TN.setNumThreads(2);
(async () => {
  for (let i = 0; i < 500 && TN.cpuInfo().ready < TN.cpuInfo().workers; i++) await new Promise((r) => setTimeout(r, 10));
  const many = TN.matmul(a, b).toTypedArray(), manyTanh = T.tanh(x).toTypedArray(), manyPropel = propel(), manySums = sums();
  console.log(JSON.stringify({
    same: TN.tensor === T.tensor, defaultThreads, cores: availableParallelism(), afterOne, workers: TN.cpuInfo().workers,
    identical: one.every((v, i) => Object.is(v, many[i])), parallel: TN.cpuInfo().parallelProducts,
    identicalTanh: oneTanh.every((v, i) => Object.is(v, manyTanh[i])), parallelTanh: TN.cpuInfo().parallelElementwise,
    identicalPropel: onePropel.every((v, i) => Object.is(v, manyPropel[i])), parallelPropel: TN.cpuInfo().parallelLoops,
    identicalSums: oneSums.every((v, i) => Object.is(v, manySums[i])), parallelSums: TN.cpuInfo().parallelReductions,
  }));
})();
`);
    const r = JSON.parse(sh(process.execPath, ['threads.cjs'], { cwd: app() }));
    expect(r.same, 'one module instance').to.equal(true);
    expect(r.defaultThreads, 'the default: one thread per core').to.equal(Math.min(r.cores, 32));
    expect(r.afterOne, 'setNumThreads(1): nothing on the workers').to.equal(0);
    expect(r.workers).to.equal(1);
    expect(r.parallel, 'the product ran on the two threads').to.equal(1);
    expect(r.identical, 'bit-identical to the one-thread product').to.equal(true);
    expect(r.parallelTanh, 'tanh of 160,000 elements ran on the two threads').to.equal(1);
    expect(r.identicalTanh, 'bit-identical to the one-thread tanh').to.equal(true);
    expect(r.parallelPropel, "the PROPEL loss's 2000 samples ran on the two threads").to.equal(1);
    expect(r.identicalPropel, 'bit-identical to the one-thread loss and Jacobian').to.equal(true);
    expect(r.parallelSums, 'both sums of 160,000 elements ran on the two threads').to.equal(2);
    expect(r.identicalSums, 'bit-identical to the one-thread sums').to.equal(true);
  });

  it("the repository's source-only subpaths are not importable by a user", () => {
    const out = sh(process.execPath, ['-e', `try { require('@propel-ts/tensor/internal/shape'); console.log('imported'); } catch (e) { console.log(e.code); }`], { cwd: app() });
    expect(out.trim()).to.equal('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('ES module: named imports work (Node imports the CommonJS build with its named exports)', () => {
    writeFileSync(join(app(), 'main.mjs'), `import { readFileSync } from 'node:fs';
import { tensor, zeros, TensorError } from '@propel-ts/tensor';
import { variable, nn, optim, mseLoss, gradcheck } from '@propel-ts/autograd';
import { propelLoss, mixtureMean } from '@propel-ts/propel';
import { saveSafetensors, loadSafetensors, saveNpy, exportOnnx } from '@propel-ts/io';
for (const [name, f] of Object.entries({ tensor, zeros, TensorError, variable, mseLoss, gradcheck, propelLoss, mixtureMean, MLP: nn.MLP, Adam: optim.Adam, saveSafetensors, loadSafetensors, saveNpy, exportOnnx })) {
  if (typeof f !== 'function') throw new Error(name + ' is not a named export');
}
const T = { tensor }, A = { variable, nn, optim, mseLoss }, P = { propelLoss }, IO = { saveSafetensors, loadSafetensors };
${RUN}
console.log(JSON.stringify(run(T, A, P, IO, JSON.parse(readFileSync('./case.json', 'utf8')))));
`);
    checkResult(JSON.parse(sh(process.execPath, ['main.mjs'], { cwd: app() })), 'ESM');
  });

  describe('TypeScript: the shipped declarations type-check with skipLibCheck false', () => {
    const SOURCE = `import { tensor, TensorError, type Tensor } from '@propel-ts/tensor';
import { variable, nn, optim, type Variable } from '@propel-ts/autograd';
import { propelLoss, type PropelLossOptions } from '@propel-ts/propel';
import { saveSafetensors, loadSafetensors } from '@propel-ts/io';

const saved: Uint8Array = saveSafetensors(model0().stateTensors());
const loaded: Record<string, Tensor> = loadSafetensors(saved);
function model0(): nn.MLP { return new nn.MLP([2, 3, 1], { seed: 0 }); }
void loaded;

const x: Variable = variable(tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' }), { requiresGrad: true });
const w: Tensor = tensor([[0.5, -1, 2], [1, 0, -0.25]], { dtype: 'float64' });
x.mul(x).mul(w).sum().backward();
const options: PropelLossOptions = { sigma: 0.1, reduction: 'mean' };
const model = new nn.MLP([2, 8, 4], { seed: 0 });
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
opt.zeroGrad();
const loss = propelLoss(model.forward(tensor([[0.5, 1]])).reshape([1, 1, 4]), tensor([[0, 0]]), options);
loss.backward();
opt.step();
const grad: Tensor | null = x.grad;
if (!grad) throw new TensorError('no gradient');
export const result: number[] = Array.from(grad.toTypedArray());
`;
    const STRICT = {
      strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022'], types: [],
      exactOptionalPropertyTypes: true, verbatimModuleSyntax: true, noUncheckedIndexedAccess: true, noImplicitOverride: true,
      skipLibCheck: false, outDir: 'out', rootDir: '.',
    };

    function project(name: string, config: object | null, type: 'module' | 'commonjs'): string {
      const p = join(app(), name);
      mkdirSync(p, { recursive: true });
      writeFileSync(join(p, 'package.json'), JSON.stringify({ type }));
      writeFileSync(join(p, 'index.ts'), SOURCE);
      if (config) writeFileSync(join(p, 'tsconfig.json'), JSON.stringify({ compilerOptions: config, include: ['index.ts'] }, null, 2));
      return p;
    }

    it("under the config `tsc --init` writes (nodenext, verbatimModuleSyntax, exactOptionalPropertyTypes)", () => {
      const p = project('ts-init', null, 'module');
      sh(process.execPath, [TSC, '--init'], { cwd: p });
      const written = readFileSync(join(p, 'tsconfig.json'), 'utf8');
      expect(written, 'tsc --init config').to.match(/"verbatimModuleSyntax": true/).and.to.match(/"exactOptionalPropertyTypes": true/);
      sh(process.execPath, [TSC, '-p', p, '--noEmit', '--skipLibCheck', 'false']);
    });

    it('under strict nodenext (no DOM lib), and the compiled ES module runs and computes 2·x·w', () => {
      const p = project('ts-strict', STRICT, 'module');
      sh(process.execPath, [TSC, '-p', p]);
      const out = sh(process.execPath, ['--input-type=module', '-e', "import { result } from './out/index.js'; console.log(JSON.stringify(result));"], { cwd: p });
      expect(JSON.parse(out)).to.deep.equal([1, -4, 12, 8, 0, -3]);
    });

    it('under strict nodenext from a CommonJS project', () => {
      const p = project('ts-strict-cjs', { ...STRICT, verbatimModuleSyntax: false }, 'commonjs');
      sh(process.execPath, [TSC, '-p', p, '--noEmit']);
    });

    it("under moduleResolution 'bundler'", () => {
      const p = project('ts-bundler', { ...STRICT, module: 'preserve', moduleResolution: 'bundler', lib: ['es2022', 'dom'], noEmit: true }, 'module');
      sh(process.execPath, [TSC, '-p', p]);
    });
  });

  describe('browser (headless Chromium)', () => {
    let browser: Browser | undefined;
    let served: { server: Server; url: string } | undefined;

    before(async function () {
      requireChromium(this, "the consumer's browser cases");
      served = await serve(app());
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    });

    after(async () => {
      await browser?.close();
      await new Promise((resolve) => (served ? served.server.close(resolve) : resolve(undefined)));
    });

    async function resultOf(page: string): Promise<RunResult> {
      const tab = await browser!.newPage();
      const errors: string[] = [];
      tab.on('pageerror', (e) => errors.push(e.message));
      tab.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await tab.goto(`${served!.url}/${page}`);
      await tab.waitForFunction(() => (window as { __result?: unknown }).__result !== undefined || (window as { __error?: unknown }).__error !== undefined, null, { timeout: 60_000 });
      const { result, error } = await tab.evaluate(() => ({ result: (window as { __result?: unknown }).__result, error: (window as { __error?: unknown }).__error }));
      await tab.close();
      expect(error, `${page}: error in the page`).to.equal(undefined);
      expect(errors, `${page}: page errors`).to.deep.equal([]);
      return result as RunResult;
    }

    it('an esbuild bundle of the packages (platform browser) runs and computes the same values', async () => {
      writeFileSync(join(app(), 'bundle-entry.js'), `import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import * as P from '@propel-ts/propel';
import * as IO from '@propel-ts/io';
import c from './case.json';
${RUN}
try { window.__result = run(T, A, P, IO, c); } catch (e) { window.__error = String(e && e.stack || e); }
`);
      const esbuild = require('esbuild') as typeof import('esbuild');
      const built = await esbuild.build({
        entryPoints: [join(app(), 'bundle-entry.js')], outfile: join(app(), 'bundle.js'), bundle: true, platform: 'browser',
        format: 'iife', target: ['es2022'], absWorkingDir: app(), logLevel: 'silent',
      });
      expect(built.warnings.map((w) => w.text), 'esbuild warnings').to.deep.equal([]);
      writeFileSync(join(app(), 'bundle.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>bundle</title><script src="bundle.js"></script>');
      checkResult(await resultOf('bundle.html'), 'esbuild bundle');
    });

    it('the plain <script type="module"> page with an import map (no bundler) runs and computes the same values', async () => {
      const imports = Object.fromEntries(PACKAGES.map((p) => [`@propel-ts/${p}`, `./node_modules/@propel-ts/${p}/dist/browser/index.js`]));
      writeFileSync(join(app(), 'page.html'), `<!doctype html>
<meta charset="utf-8"><link rel="icon" href="data:,"><title>propel-ts in a page</title>
<script type="importmap">${JSON.stringify({ imports })}</script>
<script type="module">
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import * as P from '@propel-ts/propel';
import * as IO from '@propel-ts/io';
${RUN}
try {
  const c = await (await fetch('./case.json')).json();
  window.__result = run(T, A, P, IO, c);
} catch (e) { window.__error = String(e && e.stack || e); }
</script>
`);
      const r = await resultOf('page.html');
      checkResult(r, 'import-map page');
      expect(r.gpuError).to.contain('<script> tag');
    });
  });

  it('publint and @arethetypeswrong/cli find nothing wrong with any tarball', () => {
    for (const p of PACKAGES) {
      const lint = sh(process.execPath, [join(ROOT, 'node_modules/publint/src/cli.js'), 'run', tarballs[p]!, '--strict']);
      expect(lint, `publint ${p}`).to.not.match(/warning|error|suggestion/i);
      // the ESM-imports-CJS resolution is fine on Node 20 (named exports through cjs-module-lexer, proved above)
      sh(process.execPath, [join(ROOT, 'node_modules/@arethetypeswrong/cli/dist/index.js'), tarballs[p]!, '--format', 'ascii']);
    }
  });
});

/** Bytes under a directory. */
function du(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, f) => sum + du(join(path, f)), 0);
}
