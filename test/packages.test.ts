// The packages run in Node and in the browser alike: no package source may import a Node built-in, and
// dependencies only point down (tensor <- autograd <- propel), each package through the other's entry point.
import { expect } from 'chai';
import { builtinModules } from 'module';
import { readdirSync, readFileSync, statSync } from 'fs';
import { dirname, join, relative, resolve } from 'path';

const ROOT = join(__dirname, '..');
const PACKAGES = ['tensor', 'autograd', 'propel', 'io'] as const;
const ALLOWED: Record<(typeof PACKAGES)[number], string[]> = {
  tensor: ['gpu.js'],
  autograd: ['@propel-ts/tensor', 'chai'],
  propel: ['@propel-ts/tensor', '@propel-ts/autograd'],
  io: ['@propel-ts/tensor', '@propel-ts/autograd', 'fflate', 'protobufjs'],
};

/** Node-only entry points: may import Node built-ins (by 'node:' name); no other source imports them. */
const NODE_ENTRY = new Set(['packages/tensor/src/node.ts']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Module specifiers of static imports/exports and require() calls. */
function specifiers(src: string): string[] {
  const found: string[] = [];
  for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/g)) found.push(m[1]!);
  for (const m of src.matchAll(/require\(\s*'([^']+)'\s*\)/g)) found.push(m[1]!);
  return found;
}

describe('packages: browser-safe imports and layering', () => {
  for (const pkg of PACKAGES) {
    it(`@propel-ts/${pkg} imports no Node built-in and only ${ALLOWED[pkg].join(', ')} from outside`, () => {
      const files = sources(join(ROOT, 'packages', pkg, 'src'));
      expect(files.length).to.be.above(0);
      for (const file of files) {
        for (const spec of specifiers(readFileSync(file, 'utf8'))) {
          const where = `${relative(ROOT, file)} imports '${spec}'`;
          if (spec.startsWith('.')) {
            const target = relative(join(ROOT, 'packages', pkg), resolve(dirname(file), spec));
            expect(target.startsWith('..'), `${where}: a relative import out of the package (import '@propel-ts/...' instead)`).to.equal(false);
            continue;
          }
          // the one exception: @propel-ts/tensor's Node entry (node.ts), which the main entry never imports
          if (NODE_ENTRY.has(relative(ROOT, file)) && spec.startsWith('node:')) continue;
          expect(spec.startsWith('node:') || builtinModules.includes(spec), `${where}: a Node built-in`).to.equal(false);
          expect(ALLOWED[pkg], `${where}: not an allowed dependency`).to.include(spec);
        }
      }
    });
  }

  it('examples, tests and benchmarks import the packages by name, never by a relative path into packages/', () => {
    const files = ['examples', 'test', 'bench'].flatMap((d) => sources(join(ROOT, d)));
    expect(files.length).to.be.above(0);
    for (const file of files) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        expect(/(^|\/)packages\//.test(spec), `${relative(ROOT, file)} imports '${spec}'`).to.equal(false);
      }
    }
  });

  it('each package entry names its API reference module after the package (TypeDoc @module)', () => {
    const entries: [string, string][] = [...PACKAGES.map((p): [string, string] => [`packages/${p}/src/index.ts`, `@propel-ts/${p}`]), ['packages/autograd/src/chai.ts', '@propel-ts/autograd/chai']];
    for (const [file, name] of entries) {
      expect(readFileSync(join(ROOT, file), 'utf8'), file).to.match(new RegExp(`^/\\*\\*[^]*?@module ${name.replace('/', '\\/')}\\n[^]*?\\*/`, 'm'));
    }
  });

  it("no package source imports a Node-only entry (the main entries stay browser-safe)", () => {
    for (const pkg of PACKAGES) {
      for (const file of sources(join(ROOT, 'packages', pkg, 'src'))) {
        for (const spec of specifiers(readFileSync(file, 'utf8'))) {
          expect(/(^|\/)node$/.test(spec) && spec !== 'node', `${relative(ROOT, file)} imports '${spec}'`).to.equal(false);
        }
      }
    }
  });
});
