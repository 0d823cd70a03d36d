// The device bundle (issue 15, item 4): scripts/build-device-bundle.js builds it into a temporary folder,
// within the 64 MiB the device tool carries (with the allowance for pack-node.sh's Node binary and the
// working tree), needing nothing from node_modules at run time but webgpu's dawn.node, which travels
// beside it; then bench/device.sh runs the bundle's probe from there with this machine's Node: Dawn's
// adapter (SwiftShader here, the GPU on the device machine) and one gpu.js kernel in webgpu mode. The
// suites and the benchmark run from the same bundle through the same script (`bash bench/device.sh
// --quick`, minutes on SwiftShader: not in this test). Skipped, saying why, without esbuild, without bash,
// or without a WebGPU adapter (no Vulkan driver, and no SwiftShader from Debian's chromium).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

interface Sizes { bundle: number; carry: number; tree: number; total: number; limit: number }
interface BuildScript {
  buildDeviceBundle(options: { outDir: string; quiet: boolean }): Promise<Sizes>;
  LIMIT: number;
  NODE_ALLOWANCE: number;
}

describe('device bundle (bench/device.sh on a GPU machine without Node)', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'propel-device-'));
  const bundle = join(dir, 'carry', 'bundle');
  let sizes: Sizes | undefined;
  let script: BuildScript;
  after(() => rmSync(dir, { recursive: true, force: true }));

  before(async function () {
    try {
      require.resolve('esbuild', { paths: [ROOT] });
    } catch {
      console.log('      not available: esbuild (npm install), so the bundle cannot be built');
      this.skip();
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    script = require('../../scripts/build-device-bundle.js') as BuildScript;
    sizes = await script.buildDeviceBundle({ outDir: bundle, quiet: true });
  });

  it('fits in 64 MiB with the Node binary and the working tree, and holds the bundle, dawn.node and the fixture', () => {
    const s = sizes!;
    expect(s.limit).to.equal(64 * 2 ** 20);
    expect(s.total, 'bundle + Node allowance + working tree').to.be.at.most(s.limit);
    expect(s.carry, 'the carried folder counts pack-node.sh\'s node.tar.xz').to.be.at.least(s.bundle + script.NODE_ALLOWANCE);
    for (const f of ['js/device.js', 'node_modules/webgpu/index.js', 'node_modules/webgpu/package.json', 'node_modules/webgpu/dist/linux-x64/dawn.node', 'fixtures/propel/reference-seed15.json']) {
      expect(existsSync(join(bundle, f)), f).to.equal(true);
    }
  });

  it('requires nothing at run time but Node built-ins, webgpu (beside it) and the optional gl', () => {
    const code = readFileSync(join(bundle, 'js', 'device.js'), 'utf8');
    // esbuild writes the requires it leaves in double quotes (single-quoted ones are inside gpu.js's and
    // the suites' generated code strings)
    const required = new Set([...code.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!));
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    expect([...required].filter((m) => !builtins.has(m)).sort()).to.deep.equal(['gl', 'webgpu']);
  });

  it("runs the probe through bench/device.sh: Dawn's adapter and one kernel in webgpu mode, as a JSON line", function () {
    const bash = spawnSync('bash', ['--version'], { encoding: 'utf8' });
    if (bash.status !== 0) {
      console.log('      not available: bash');
      this.skip();
    }
    // from another folder, so nothing resolves through the repository's node_modules; a software adapter
    // is accepted (PROPEL_DEVICE_EXPECT_GPU=0) even where nvidia-smi lists a GPU
    const r = spawnSync('bash', [join(ROOT, 'bench', 'device.sh'), 'probe'], {
      cwd: dir, encoding: 'utf8', timeout: 45_000,
      env: { ...process.env, PROPEL_DEVICE_BUNDLE: bundle, PROPEL_DEVICE_EXPECT_GPU: '0' },
    });
    const noAdapter = /Dawn found no WebGPU adapter|the webgpu package cannot load/.exec(r.stderr);
    if (r.status !== 0 && noAdapter) {
      console.log(`      not available: a WebGPU adapter (${r.stderr.split('\n').find((l) => noAdapter[0] && l.includes(noAdapter[0]))?.trim()})`);
      this.skip();
    }
    expect(r.status, r.stderr).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines, 'stdout: JSON lines only').to.have.length(1);
    const probe = JSON.parse(lines[0]!) as { workload: string; params: Record<string, unknown>; runs: number };
    expect(probe.workload).to.equal('device.probe');
    expect(probe.params.mode).to.equal('webgpu');
    expect(probe.params.kernel).to.equal('x*2+1 on 4 elements: ok');
    expect(probe.params.adapter).to.be.a('string').and.not.equal('');
    console.log(`      adapter: ${String(probe.params.adapter)}`);
  });

  it('device.sh refuses an unknown argument, naming the steps', () => {
    const r = spawnSync('bash', [join(ROOT, 'bench', 'device.sh'), 'benchmark'], { encoding: 'utf8' });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain("unknown argument 'benchmark', expected --quick or steps probe, suites, bench, torch");
  });
});
