// The documentation's code: every ```ts block of README.md, docs/walkthrough.md and docs/propel.md is
// type-checked with the project's compiler options and then run, each block on its own (as a reader would
// paste it into a file of this repository). A block opts out with `<!-- not-run -->` on the line before
// its fence (for code that needs the reader's own model or data). Nothing is written to disk: each block is
// transpiled in memory and run with a `require` that resolves from the repository root, so
// '@propel-ts/tensor', '@propel-ts/autograd' and '@propel-ts/propel' load the packages' sources (through
// ts-node, which mocha registers). What a block prints is captured and shown only when it fails. A block
// whose last line is `main();` (asynchronous code, e.g. webgpu's `await t.data()`) is awaited: the test
// waits for main()'s Promise and fails when it rejects. A block's `// → ...` comments are checked against
// what it printed (checkPrinted).
import { expect } from 'chai';
import { readFileSync } from 'fs';
import { createRequire } from 'module';
import { dirname, join } from 'path';
import { format } from 'util';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const DOCS = ['README.md', 'docs/index.md', 'docs/walkthrough.md', 'docs/propel.md', 'docs/gpu.md', 'docs/gradcheck.md', 'docs/interop.md', 'docs/pytorch.md'] as const;
const NOT_RUN = '<!-- not-run -->';

interface Snippet {
  /** The markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** Preceded by `<!-- not-run -->`. */
  skip: boolean;
}

/** The ```ts blocks of a markdown text, in order (fences at the start of a line). */
export function extractSnippets(markdown: string, file: string): Snippet[] {
  const lines = markdown.split(/\r?\n/);
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ts\s*$/.test(lines[i]!)) continue;
    let prev = i - 1;
    while (prev >= 0 && lines[prev]!.trim() === '') prev--;
    const skip = prev >= 0 && lines[prev]!.trim() === NOT_RUN;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^```\s*$/.test(lines[j]!); j++) body.push(lines[j]!);
    if (j === lines.length) throw new Error(`${file}:${i + 1}: a \`\`\`ts block is never closed`);
    out.push({ file, line: i + 1, code: body.join('\n'), skip });
    i = j;
  }
  return out;
}

const snippets: Snippet[] = DOCS.flatMap((file) => extractSnippets(readFileSync(join(ROOT, file), 'utf8'), file));
const label = (s: Snippet) => `${s.file}:${s.line}`;
/** Where a block pretends to live (for module resolution and messages); never written. */
const virtualPath = (s: Snippet, k: number) => join(ROOT, dirname(s.file), `__snippet_${k}_line${s.line}.ts`);

/** The project's compiler options (tsconfig.json: the base options, and `paths` to the packages' sources). */
function compilerOptions(): ts.CompilerOptions {
  const base = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  if (base.error) throw new Error(ts.flattenDiagnosticMessageText(base.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(base.config, ts.sys, ROOT);
  return { ...parsed.options, noEmit: true, types: ['node'] };
}

/** Transpile one block to CommonJS and run it (awaiting a final `main();`); returns what it printed. Throws what it throws. */
async function runSnippet(s: Snippet, k: number): Promise<string[]> {
  const file = virtualPath(s, k);
  const code = s.code.replace(/^main\(\);\s*$(?![\s\S]*\S)/m, 'export const __done = main();');
  const js = ts.transpileModule(code, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
  const printed: string[] = [];
  const capture = Object.create(console) as Console;
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    capture[m] = (...args: unknown[]) => { printed.push(format(...args)); };
  }
  const mod = { exports: {} as Record<string, unknown> };
  const run = new Function('require', 'module', 'exports', 'console', '__filename', '__dirname', js) as
    (...args: unknown[]) => unknown;
  try {
    run(createRequire(file), mod, mod.exports, capture, file, dirname(file));
    await mod.exports.__done;
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    err.message = `${label(s)}: the snippet threw: ${err.message}${printed.length ? `\n  it printed:\n    ${printed.join('\n    ')}` : ''}`;
    throw err;
  }
  return printed;
}

/**
 * The `// → text` comments of a block say what it prints: each must start with a printed line (after
 * trimming), in the block's order, followed by nothing or by an explanation after a space, ':' or '('
 * (`// → [ 3, 12 ]   3x²`); lines printed between them are allowed. So a document's claimed output is checked.
 */
export function checkPrinted(s: Snippet, printed: readonly string[]): void {
  const expected = s.code.split('\n').map((l) => /\/\/ → (.*)$/.exec(l)?.[1]?.trim()).filter((e): e is string => e !== undefined);
  const lines = printed.flatMap((p) => p.split('\n')).map((l) => l.trim());
  let at = 0;
  for (const e of expected) {
    const found = lines.findIndex((l, i) => i >= at && l !== '' && (e === l || (e.startsWith(l) && /^[\s:(]/.test(e.slice(l.length)))));
    if (found < 0) {
      expect.fail(`${label(s)}: the block says it prints "${e}", but after the lines already matched it printed:\n    ${lines.slice(at).join('\n    ') || '(nothing)'}`);
    }
    at = found + 1;
  }
}

describe('docs: code snippets', () => {
  it('finds the snippets of every document (README.md keeps its tour)', () => {
    for (const file of DOCS) {
      expect(snippets.filter((s) => s.file === file).length, `${file} has no \`\`\`ts block`).to.be.greaterThan(0);
    }
    const skipped = snippets.filter((s) => s.skip).length;
    expect(skipped, 'most snippets should run (use <!-- not-run --> sparingly)').to.be.at.most(Math.ceil(snippets.length / 5));
  });

  it("checks each block's `// →` claims against what it printed, in order", () => {
    const s: Snippet = { file: 'x.md', line: 1, code: 'log(a); // → 5: the sixth\nlog(b); // → [ 1, 2 ]', skip: false };
    checkPrinted(s, ['5', 'other', '[ 1, 2 ]']);
    expect(() => checkPrinted(s, ['6', '[ 1, 2 ]'])).to.throw('says it prints "5: the sixth"');
    expect(() => checkPrinted(s, ['[ 1, 2 ]', '5']), 'out of order').to.throw('says it prints "[ 1, 2 ]"');
    expect(() => checkPrinted(s, ['55', '[ 1, 2 ]']), 'a longer number is not a prefix match').to.throw();
  });

  it('every snippet type-checks with the project\'s compiler options', function () {
    this.timeout(120_000);
    const options = compilerOptions();
    const sources = new Map<string, string>();
    // `export {}` makes each block a module of its own, so blocks never see each other's names
    snippets.forEach((s, k) => { if (!s.skip) sources.set(virtualPath(s, k), `${s.code}\nexport {};\n`); });
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists, readFile } = host;
    host.fileExists = (f) => sources.has(f) || fileExists.call(host, f);
    host.readFile = (f) => sources.get(f) ?? readFile.call(host, f);
    host.getSourceFile = (f, lang, onError, create) => {
      const text = sources.get(f);
      return text !== undefined ? ts.createSourceFile(f, text, lang) : getSourceFile.call(host, f, lang, onError, create);
    };
    const program = ts.createProgram([...sources.keys()], options, host);
    const problems = ts.getPreEmitDiagnostics(program)
      .filter((d) => d.file && sources.has(d.file.fileName))
      .map((d) => {
        const k = [...sources.keys()].indexOf(d.file!.fileName);
        const s = snippets.filter((x) => !x.skip)[k]!;
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        return `${s.file}:${s.line + 1 + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });

  snippets.forEach((s, k) => {
    const title = `runs ${label(s)}`;
    if (s.skip) it.skip(`${title} (<!-- not-run -->)`);
    else it(title, async () => { checkPrinted(s, await runSnippet(s, k)); });
  });
});
