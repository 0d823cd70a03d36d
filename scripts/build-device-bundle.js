#!/usr/bin/env node
// Builds what bench/device.sh needs on a GPU machine that has no Node project (issue 15, item 4): the
// device tool carries at most 64 MiB there, and node_modules alone is ~360 MB. So everything JavaScript is
// bundled by esbuild into ONE file, and only native code travels beside it:
//
//   .device/bundle/js/device.js            bench/device-entry.ts with the packages (from their TypeScript
//                                          sources), gpu.js, mocha, chai, the gpu parity suite and the
//                                          PROPEL-on-gpu suite
//   .device/bundle/fixtures/propel/...     the PROPEL reference fixture, which test/propel/fixture.ts reads
//                                          from `${__dirname}/../fixtures/propel` (in the bundle __dirname is
//                                          js/, so the copy sits one folder up, as in test/)
//   .device/bundle/node_modules/webgpu/    webgpu@0.6.2's index.js, package.json and Linux x64 dawn.node
//                                          (~21 MB; kept external: it is native, and its ES module index
//                                          finds dawn.node from import.meta.url, which a CommonJS bundle
//                                          has not. Node 20.19+ requires ES modules, as the tests do)
//
// ../shared/device/pack-node.sh puts the Node binary (node.tar.xz, ~23 MiB) and the Vulkan loader beside
// it in .device/, so the device tool carries the one folder: carry [".device"]. The working tree travels
// too (its tracked and untracked, not ignored files). This script prints the sizes and fails when the
// whole (.device, counting node.tar.xz as NODE_ALLOWANCE until pack-node.sh has written it, plus the
// working tree) is over 64 MiB. The headless-gl addon (`gl`) is left out: no display there, and webgpu is
// the mode the device run measures.
//
// Run: `node scripts/build-device-bundle.js [--out DIR]` (or `npm run build:device`); DIR defaults to
// .device/bundle, and its parent is the folder counted as carried. test/examples/device-bundle.test.ts
// builds into a temporary folder and runs the bundle's probe.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const MiB = 2 ** 20;
/** What the device tool carries at most, in all. */
const LIMIT = 64 * MiB;
/** pack-node.sh's node.tar.xz, counted before it exists (Node 20.20's is 23.0 MiB). */
const NODE_ALLOWANCE = 25 * MiB;
/** The webgpu package's files the bundle needs (its native build for the device machine: Linux x64). */
const WEBGPU_FILES = ['package.json', 'index.js', 'LICENSE.md', 'dist/linux-x64/dawn.node'];
const FIXTURE = 'test/fixtures/propel/reference-seed15.json';

/** Total size in bytes of the files under `p` (a file or a folder). */
function sizeOf(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((s, name) => s + sizeOf(path.join(p, name)), 0);
}

/** Bytes of the working tree that travels with every device call: files git tracks or would track. */
function workingTreeBytes() {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * MiB });
  return [...new Set(out.split('\0').filter((f) => f))].reduce((s, f) => {
    try { return s + fs.statSync(path.join(root, f)).size; } catch { return s; } // deleted, not yet committed
  }, 0);
}

/**
 * Bundle into `outDir` and check the size of what travels. Resolves to the sizes in bytes: `bundle` (outDir),
 * `carry` (outDir's parent, with the node allowance when node.tar.xz is not there), `tree`, `total`.
 * Throws over LIMIT, or when esbuild fails.
 */
async function buildDeviceBundle({ outDir = path.join(root, '.device', 'bundle'), quiet = false } = {}) {
  const esbuild = require('esbuild');
  const started = Date.now();
  fs.rmSync(outDir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [path.join(root, 'bench', 'device-entry.ts')],
    outfile: path.join(outDir, 'js', 'device.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: ['node20'],
    // the '@propel-ts/source' export condition maps each package to its src/index.ts: esbuild compiles the
    // TypeScript directly, no build of the packages first
    conditions: ['@propel-ts/source'],
    external: ['webgpu', 'gl'],
    logLevel: quiet ? 'error' : 'warning',
    // mocha's parallel mode (worker files found with require.resolve) is never used: one process runs the suites
    logOverride: { 'require-resolve-not-external': 'silent' },
    // readable stack traces from the device machine: not minified (the bundle is a few MB)
    legalComments: 'none',
  });
  const webgpuDir = path.dirname(require.resolve('webgpu/package.json', { paths: [root] }));
  for (const f of WEBGPU_FILES) {
    const to = path.join(outDir, 'node_modules', 'webgpu', f);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(webgpuDir, f), to);
  }
  fs.mkdirSync(path.join(outDir, 'fixtures', 'propel'), { recursive: true });
  fs.copyFileSync(path.join(root, FIXTURE), path.join(outDir, 'fixtures', 'propel', path.basename(FIXTURE)));

  const carryDir = path.dirname(outDir);
  const packed = fs.existsSync(path.join(carryDir, 'node.tar.xz'));
  const bundle = sizeOf(outDir);
  const carry = sizeOf(carryDir) + (packed ? 0 : NODE_ALLOWANCE);
  const tree = workingTreeBytes();
  const total = carry + tree;
  const show = (p) => (p.startsWith(root + path.sep) ? path.relative(root, p) : p);
  const mib = (b) => `${(b / MiB).toFixed(1)} MiB`;
  if (!quiet) {
    console.log(`build-device-bundle: ${show(outDir)} ${mib(bundle)} (device.js ${mib(sizeOf(path.join(outDir, 'js', 'device.js')))}, dawn.node ${mib(sizeOf(path.join(outDir, 'node_modules', 'webgpu', 'dist')))}) in ${Date.now() - started} ms`);
    console.log(`build-device-bundle: carried ${mib(carry)} (${show(carryDir)}${packed ? ', with pack-node.sh\'s node.tar.xz' : `, counting ${mib(NODE_ALLOWANCE)} for node.tar.xz: run ../shared/device/pack-node.sh`}) + working tree ${mib(tree)} = ${mib(total)} of at most ${mib(LIMIT)}`);
  }
  if (total > LIMIT) {
    throw new Error(`build-device-bundle: ${mib(total)} would travel to the device machine, over its ${mib(LIMIT)} limit (bundle ${mib(bundle)}, carried ${mib(carry)}, working tree ${mib(tree)})`);
  }
  return { bundle, carry, tree, total, limit: LIMIT };
}

module.exports = { buildDeviceBundle, LIMIT, NODE_ALLOWANCE };

if (require.main === module) {
  const i = process.argv.indexOf('--out');
  const outDir = i >= 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]) : undefined;
  buildDeviceBundle({ outDir }).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
