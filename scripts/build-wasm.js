#!/usr/bin/env node
// Dev-time build step (not shipped): compile packages/tensor/wasm/gemm.wat with wabt and write the module
// as a base64 string into packages/tensor/src/backends/cpu/gemm-wasm.generated.ts, which is committed so
// that installing and testing the package needs no WebAssembly toolchain. Run: `npm run build:wasm`.
// `--check` exits non-zero when the committed file is out of date instead of writing it.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const src = path.join(root, 'packages/tensor/wasm/gemm.wat');
const out = path.join(root, 'packages/tensor/src/backends/cpu/gemm-wasm.generated.ts');

async function main() {
  const wabt = await require('wabt')();
  const mod = wabt.parseWat(path.basename(src), fs.readFileSync(src, 'utf8'), { simd: true });
  mod.validate();
  const { buffer } = mod.toBinary({ log: false, write_debug_names: false });
  mod.destroy();
  const b64 = Buffer.from(buffer).toString('base64');
  const lines = b64.match(/.{1,100}/g) || [];
  const text = [
    '// Layer: tensor/backends/cpu. GENERATED from packages/tensor/wasm/gemm.wat by `npm run build:wasm`',
    '// (scripts/build-wasm.js); do not edit. The compiled WebAssembly module, base64-encoded.',
    `/** gemm.wat compiled: ${buffer.length} bytes. */`,
    'export const GEMM_WASM_BASE64 =',
    lines.map((l, i) => `  '${l}'${i === lines.length - 1 ? ';' : ' +'}`).join('\n'),
    '',
  ].join('\n');
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
    if (current !== text) {
      console.error(`${path.relative(root, out)} is out of date; run npm run build:wasm`);
      process.exit(1);
    }
    console.log(`${path.relative(root, out)} is up to date (${buffer.length} bytes)`);
    return;
  }
  fs.writeFileSync(out, text);
  console.log(`wrote ${path.relative(root, out)} (${buffer.length} bytes of wasm)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
