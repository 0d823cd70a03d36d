#!/usr/bin/env node
// The browser build of one package (run by each package's `npm run build`, so `npm pack` ships it): its
// compiled sources bundled by esbuild into ONE ES module, packages/<name>/dist/browser/index.js, that a page
// loads with <script type="module"> and an import map, no bundler needed. The other @propel-ts packages stay
// bare imports (the import map points them at their own browser files), so every package exists once on a
// page; nothing else is external. gpu.js is not bundled either: the 'gpu' device uses globalThis.GPU, which
// gpu.js's own dist/gpu-browser.min.js defines when loaded with a <script> tag (see the README).
//
// Run: `node scripts/build-browser.js <tensor|autograd|propel|io>` (the packages' build scripts do).
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const PACKAGES = ['tensor', 'autograd', 'propel', 'io'];

async function buildBrowser(name) {
  if (!PACKAGES.includes(name)) throw new Error(`build-browser: unknown package '${name}', expected one of ${PACKAGES.join(', ')}`);
  const esbuild = require('esbuild');
  const dir = path.join(root, 'packages', name);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const outfile = path.join(dir, 'dist', 'browser', 'index.js');
  const result = await esbuild.build({
    entryPoints: [path.join(dir, 'src', 'index.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    sourcemap: true,
    // the sibling packages by name (an import map or a CDN resolves them); gpu.js by globalThis.GPU
    external: ['@propel-ts/*', 'gpu.js'],
    banner: { js: `// ${pkg.name} ${pkg.version}: browser ES module build (${pkg.license}). Import map: see the package README.` },
    logLevel: 'warning',
  });
  if (result.errors.length || result.warnings.length) throw new Error(`build-browser: ${name}: esbuild reported problems`);
  // the bundle must not need a Node built-in or a bundler: no require() left, no import other than siblings
  const code = fs.readFileSync(outfile, 'utf8');
  // (a bare require('x') call, or esbuild's dynamic-require shim called with a name; its __commonJS wrapper,
  // `function __require()`, only wraps bundled CommonJS code and is fine)
  if (/(^|[^.\w$])require\s*\(|__require\(\s*["'`]/m.test(code)) throw new Error(`build-browser: ${name}: the bundle still calls require()`);
  const imports = [...code.matchAll(/^import\s.*?from\s*"([^"]+)"/gm)].map((m) => m[1]);
  const foreign = imports.filter((s) => !s.startsWith('@propel-ts/'));
  if (foreign.length) throw new Error(`build-browser: ${name}: the bundle imports ${foreign.join(', ')}, expected only @propel-ts packages`);
  return { outfile, bytes: code.length };
}

module.exports = { buildBrowser, PACKAGES };

if (require.main === module) {
  const names = process.argv.slice(2);
  if (names.length === 0) {
    console.error(`usage: node scripts/build-browser.js <${PACKAGES.join('|')}>...`);
    process.exit(2);
  }
  (async () => {
    for (const name of names) {
      const { outfile, bytes } = await buildBrowser(name);
      console.log(`build-browser: ${path.relative(root, outfile)} ${(bytes / 1024).toFixed(0)} KiB`);
    }
  })().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
