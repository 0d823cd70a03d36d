#!/usr/bin/env node
// Dev-time build of the browser playground (examples/web): bundles examples/web/main.ts with esbuild into
// examples/web/dist/main.js and copies index.html next to it. The packages are bundled as they are, from
// their TypeScript sources: the GPU backend's lazy `require('gpu.js')` (packages/tensor/src/backends/gpu/
// load.ts) resolves through gpu.js's package.json "browser" field to dist/gpu-browser.js, which needs
// neither the native `gl` addon nor any Node built-in (its only mentions of `gl` and `worker_threads` are
// inside strings of generated code), so nothing has to be marked external or empty.
// The PROPEL reference checks import a subset of test/fixtures/propel/reference-seed15.json through the
// virtual module 'propel-reference-fixture' (typed in examples/web/fixture.d.ts).
//
// Run: `node scripts/build-web.js` (or `npm run build:web`); `--minify` for a smaller bundle.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const webDir = path.join(root, 'examples/web');
const outDir = path.join(webDir, 'dist');
const fixturePath = path.join(root, 'test/fixtures/propel/reference-seed15.json');

/** Reference cases the page checks: each I, n and reduction, and the numerically hard special cases. */
const REFERENCE_CASES = [
  'random-B1-I1-n1', 'random-B1-I2-n2', 'random-B3-I3-n1', 'random-B3-I2-n6', 'random-B16-I6-n3', 'random-B16-I1-n2',
  'exact-match-zero', 'far-target', 'tiny-variance', 'large-variance', 'high-dim-n10',
];
const FIELDS = ['name', 'B', 'I', 'n', 'sigma', 'reduction', 'output', 'target', 'loss', 'loss_per_sample', 'grad_output'];

const fixturePlugin = {
  name: 'propel-reference-fixture',
  setup(build) {
    build.onResolve({ filter: /^propel-reference-fixture$/ }, () => ({ path: fixturePath, namespace: 'propel-fixture' }));
    build.onLoad({ filter: /.*/, namespace: 'propel-fixture' }, () => {
      const fixture = JSON.parse(fs.readFileSync(fixturePath, 'utf8'));
      const cases = REFERENCE_CASES.map((name) => {
        const c = fixture.cases.find((x) => x.name === name);
        if (!c) throw new Error(`build-web: reference case '${name}' is not in ${path.relative(root, fixturePath)}`);
        return Object.fromEntries(FIELDS.map((f) => [f, c[f]]));
      });
      return { contents: JSON.stringify({ seed: fixture.meta.seed, cases }), loader: 'json', watchFiles: [fixturePath] };
    });
  },
};

/** Bundle the playground; resolves to the output folder. */
async function buildWeb({ minify = false, quiet = false } = {}) {
  const esbuild = require('esbuild');
  fs.mkdirSync(outDir, { recursive: true });
  const started = Date.now();
  const result = await esbuild.build({
    entryPoints: [path.join(webDir, 'main.ts')],
    outfile: path.join(outDir, 'main.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['es2022'],
    sourcemap: true,
    minify,
    logLevel: quiet ? 'error' : 'warning',
    // the '@propel-ts/source' export condition maps each package to its src/index.ts: esbuild compiles the
    // TypeScript directly, no build of the packages first
    conditions: ['@propel-ts/source'],
    mainFields: ['browser', 'module', 'main'],
    plugins: [fixturePlugin],
  });
  fs.copyFileSync(path.join(webDir, 'index.html'), path.join(outDir, 'index.html'));
  if (!quiet) {
    const bytes = fs.statSync(path.join(outDir, 'main.js')).size;
    console.log(`build-web: ${path.relative(root, outDir)}/main.js ${(bytes / 1024).toFixed(0)} KiB in ${Date.now() - started} ms`);
  }
  return { outDir, warnings: result.warnings };
}

module.exports = { buildWeb, outDir, REFERENCE_CASES };

if (require.main === module) {
  buildWeb({ minify: process.argv.includes('--minify') }).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
