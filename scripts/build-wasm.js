#!/usr/bin/env node
// Dev-time build step (not shipped): compile packages/tensor/wasm/gemm.wat with wabt and write the modules
// as base64 strings into packages/tensor/src/backends/cpu/gemm-wasm.generated.ts, which is committed so
// that installing and testing the package needs no WebAssembly toolchain. Run: `npm run build:wasm`.
// `--check` exits non-zero when the committed file is out of date instead of writing it.
//
// One source, four modules, made by two textual rewrites of gemm.wat (so the kernels cannot drift apart):
//   simd        the module as written: its own memory, each step of the tile a multiply then an add;
//   fma         the tile's `add(c, mul(x, b))` written as relaxed SIMD's `relaxed_madd(x, b, c)`, which V8
//               compiles to one fused multiply-add (vfmadd231ps) where the CPU has FMA;
//   *Shared     the memory imported and shared (the threads proposal), so that the worker threads of
//               threads.ts compute their blocks in the calling thread's memory without copying.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const src = path.join(root, 'packages/tensor/wasm/gemm.wat');
const out = path.join(root, 'packages/tensor/src/backends/cpu/gemm-wasm.generated.ts');

/** Largest shared memory, in 64 KiB pages (1 GiB); threads.ts keeps its operands under it. */
const SHARED_MAX_PAGES = 16384;
const OWN_MEMORY = '(memory (export "memory") 1)';
const SHARED_MEMORY = `(memory (export "memory") (import "env" "memory") 1 ${SHARED_MAX_PAGES} shared)`;
// (local.set $cRV (T.add (local.get $cRV) (T.mul (local.get $x) (local.get $bV)))): one step of a tile
const STEP = /\((f32x4|f64x2)\.add \(local\.get (\$c\d\d)\) \(\1\.mul \(local\.get (\$\w+)\) \(local\.get (\$\w+)\)\)\)/g;

function variants(wat) {
  if (!wat.includes(OWN_MEMORY)) throw new Error(`gemm.wat: expected the memory line ${OWN_MEMORY}`);
  let steps = 0;
  const fma = wat.replace(STEP, (_, type, c, x, b) => {
    steps++;
    return `(${type}.relaxed_madd (local.get ${x}) (local.get ${b}) (local.get ${c}))`;
  });
  // the two tiles (float32 and float64), 8 accumulators each
  if (steps !== 16) throw new Error(`gemm.wat: expected 16 multiply-add steps to fuse, found ${steps}`);
  const shared = (w) => w.replace(OWN_MEMORY, SHARED_MEMORY);
  return { simd: wat, simdShared: shared(wat), fma, fmaShared: shared(fma) };
}

async function main() {
  require('v8').setFlagsFromString('--experimental-wasm-relaxed-simd');
  const wabt = await require('wabt')();
  const wat = fs.readFileSync(src, 'utf8');
  const encoded = {};
  for (const [name, text] of Object.entries(variants(wat))) {
    const mod = wabt.parseWat(`${name}.wat`, text, { simd: true, relaxed_simd: true, threads: true });
    // wabt's validator does not know shared memories: V8 validates each module instead (relaxed SIMD is
    // behind a flag in Node 20, so it is turned on in this build process only)
    const { buffer } = mod.toBinary({ log: false, write_debug_names: false });
    mod.destroy();
    if (!WebAssembly.validate(buffer)) throw new Error(`gemm.wat: the ${name} module does not validate`);
    encoded[name] = { bytes: buffer.length, b64: Buffer.from(buffer).toString('base64') };
  }
  const field = (name) => {
    const lines = encoded[name].b64.match(/.{1,100}/g) || [];
    return `  /** ${encoded[name].bytes} bytes. */\n  ${name}:\n` + lines.map((l, i) => `    '${l}'${i === lines.length - 1 ? ',' : ' +'}`).join('\n');
  };
  const text = [
    '// Layer: tensor/backends/cpu. GENERATED from packages/tensor/wasm/gemm.wat by `npm run build:wasm`',
    '// (scripts/build-wasm.js, which says what each variant is); do not edit. The compiled WebAssembly modules,',
    '// base64-encoded.',
    `/** The largest shared memory of the *Shared modules, in 64 KiB pages. */`,
    `export const GEMM_SHARED_MAX_PAGES = ${SHARED_MAX_PAGES};`,
    '',
    'export const GEMM_WASM_BASE64 = {',
    Object.keys(encoded).map(field).join('\n'),
    '} as const;',
    '',
  ].join('\n');
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
    if (current !== text) {
      console.error(`${path.relative(root, out)} is out of date; run npm run build:wasm`);
      process.exit(1);
    }
    console.log(`${path.relative(root, out)} is up to date`);
    return;
  }
  fs.writeFileSync(out, text);
  console.log(`wrote ${path.relative(root, out)} (${Object.entries(encoded).map(([k, v]) => `${k} ${v.bytes}`).join(', ')} bytes of wasm)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
