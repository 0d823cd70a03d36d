// Every export of every package checks what it is given (issue 13): ONE table with a row per export,
// generated against the packages' export lists, so a new export without a row fails the suite. For each
// callable row the suite makes a valid call (it must not throw), then the same call with an extra
// positional argument, with an unknown option key and with a wrong-typed option, and expects a
// TensorError that names the function (and the key). An export that cannot be probed this way has an
// `exempt` row saying why.
//
// TO ADD A ROW (everyone adding an export): put it in your area's file in ./rows/ (a file exporting
// `rows: { '@propel-ts/tensor': { ... }, ... }`, see test/helpers/export-rows.ts), or in TABLE below; add `name: { args: () => [...a valid call's arguments, every positional one given] }`,
// plus `options: i` (the index of the options argument in args) and `wrong: ['key', badValue]` when the
// function takes an options object, or `bad: [[() => args, 'text the message must contain']]` for other
// refusals. A class is constructed with `new`. Namespaces (nn, optim) have rows 'nn.Linear', ...
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import * as P from '@propel-ts/propel';
import * as IO from '@propel-ts/io';
import type { Variable } from '@propel-ts/autograd';

import {
  type Probe, type Row, f64, x23, v23, idx, EXTRA, CONSTANT, ERROR_CLASS, HELPER, SHAPE, INTERNAL, GPU, PER_ELEMENT, unary, binary, reduction, vUnary, vBinary, vReduction, sq,
  type RowFile,
} from '../helpers/export-rows';

const TENSOR: Record<string, Row> = {
  Tensor: { exempt: 'made by the library for every view (hot path, no checks); users call tensor(), zeros(), ...' },
  TensorError: ERROR_CLASS,
  fmtShape: HELPER, checkOptions: HELPER, optNumber: HELPER, optBoolean: HELPER, optOneOf: HELPER, optSeed: HELPER,
  checkArity: HELPER, axisOptions: HELPER, didYouMean: HELPER, describeValue: HELPER, checkTensor: HELPER, checkSame: HELPER,
  reduceOptions: HELPER, argReduceOptions: HELPER, axisArg: HELPER, clampBounds: HELPER, generatorFrom: HELPER,
  addressOf: SHAPE, broadcastShapes: SHAPE, checkSize: SHAPE, MAX_ELEMENTS: CONSTANT, contiguousStrides: SHAPE, flattenShape: SHAPE, isContiguousLayout: SHAPE,
  normalizeAxes: SHAPE, normalizeAxis: SHAPE, sizeOf: SHAPE, unravelIndex: SHAPE,
  CpuStorage: INTERNAL, backendFor: INTERNAL, recycleScope: INTERNAL, pooledBufferBytes: INTERNAL,
  setNumThreads: { args: () => [1], bad: [[() => [0], 'setNumThreads: n got 0, expected an integer from 1 to 32'], [() => ['2'], 'setNumThreads: n got "2"']] },
  cpuInfo: { args: () => [] },
  parallelFor: {
    args: () => [() => 0, [new Float64Array(4)], { count: 4, grain: 1 }], options: 2, wrong: ['grain', 'x'],
    bad: [[() => [42, [], { count: 1, grain: 1 }], 'parallelFor: body got 42'], [() => [() => 0, [[1]], { count: 1, grain: 1 }], 'parallelFor: arrays[0] got [1]']],
  },
  REDUCE_OPS: CONSTANT, ARG_REDUCE_OPS: CONSTANT, defaultGenerator: CONSTANT,
  GpuStorage: GPU, gpuInfo: GPU, setGpuMode: GPU, initGpu: GPU, runGpuKernel: GPU, onReadback: GPU, canReadSync: GPU, useGpuJs: GPU,
  bumpVersion: { args: () => [x23()], bad: [[() => [[1, 2]], 'tensor got [1, 2]']] },
  Generator: { args: () => [1], bad: [[() => [NaN], 'seed got NaN'], [() => [1.5], 'seed got 1.5']] },
  manualSeed: { args: () => [0], noValidCall: true, bad: [[() => [NaN], 'seed got NaN'], [() => ['1'], 'seed got "1"']] },
  tensor: { args: () => [[1, 2], {}], options: 1, wrong: ['dtype', 'int8'] },
  fromTypedArray: { args: () => [new Float64Array(2), [2]], bad: [[() => [new Float64Array(2), 2], 'shape']] },
  full: { args: () => [[2], 1, {}], options: 2, wrong: ['device', 'tpu'] },
  zeros: { args: () => [[2], {}], options: 1, wrong: ['dtype', 'float16'], bad: [[() => [[2], 'float64'], 'expected zeros(shape, { dtype: "float64" }), got zeros(shape, "float64")']] },
  ones: { args: () => [[2], {}], options: 1, wrong: ['dtype', 'float16'] },
  zerosLike: unary, onesLike: unary,
  fullLike: { args: () => [x23(), 1] },
  arange: { args: () => [0, 3, 1, {}], options: 3, wrong: ['dtype', 'float16'] },
  linspace: { args: () => [0, 1, 3, {}], options: 3, wrong: ['device', 1] },
  eye: { args: () => [2, 2, {}], options: 2, wrong: ['dtype', 'double'] },
  rand: { args: () => [[2], {}], options: 1, wrong: ['seed', NaN], bad: [[() => [[2], 42], 'expected rand(shape, { seed: 42 })']] },
  randn: { args: () => [[2], {}], options: 1, wrong: ['seed', 0.5], bad: [[() => [[3], 42], 'expected randn(shape, { seed: 42 })']] },
  toHost: { args: () => [x23(), 'toHost'] }, toHostAsync: unary, copy: unary,
  to: { args: () => [x23(), 'cpu'], bad: [[() => [x23(), 'tpu'], 'device']] },
  astype: { args: () => [x23(), 'float64'], bad: [[() => [x23(), 'int8'], 'dtype']] },
  where: { args: () => [x23(), x23(), 0] },
  clamp: { args: () => [x23(), { min: 0, max: 1 }], options: 1, wrong: ['min', '0'], bad: [[() => [x23(), NaN], 'min got NaN']] },
  sum: reduction, mean: reduction, max: reduction, min: reduction, prod: reduction, logsumexp: reduction,
  argmax: { ...reduction, bad: [[() => [x23(), [0, 1]], 'argmax']] }, argmin: reduction,
  sumToShape: { args: () => [x23(), [1, 3]] },
  matmul: { args: () => [x23(), T.ones([3, 2], f64)] },
  concat: { args: () => [[x23(), x23()], { axis: 0 }], options: 1, wrong: ['axis', '0'] },
  stack: { args: () => [[x23(), x23()], { axis: 0 }], options: 1, wrong: ['axis', 0.5] },
  split: { args: () => [x23(), 1, { axis: 0 }], options: 2, wrong: ['axis', '1'] },
  gather: { args: () => [x23(), 1, idx()] },
  indexSelect: { args: () => [x23(), 1, [0]], bad: [[() => [x23(), 1, '0'], 'index got "0"']] },
  scatterAdd: { args: () => [[2, 3], 1, idx(), T.ones([2, 1], f64)] },
  allClose: { args: () => [x23(), x23(), {}], options: 2, wrong: ['rtol', -1] },
};

const AUTOGRAD: Record<string, Row> = {
  Variable: { args: () => [x23(), true], bad: [[() => [x23(), 'yes'], 'requiresGrad got "yes"']] },
  variable: { args: () => [x23(), {}], options: 1, wrong: ['requiresGrad', 'true'], bad: [[() => [x23(), true], 'expected variable(value, { requiresGrad: true })']] },
  defineOp: {
    args: () => [{ name: 'probe', forward: ([x]: T.Tensor[]) => ({ out: x! }), backward: (dy: Variable) => [dy] }], options: 0,
    wrong: ['onceDifferentiable', 'yes'],
  },
  noGrad: { args: () => [() => 1], bad: [[() => ['fn'], 'fn got "fn"']] },
  enableGrad: { args: () => [() => 1] },
  isRecording: { args: () => [] },
  backward: { args: () => [A.sum(v23()), undefined, {}], options: 2, wrong: ['retainGraph', 'yes'], bad: [[() => [A.sum(v23()), 2], 'dy got 2']] },
  grads: { args: () => { const v = v23(); return [A.sum(v), [v], undefined, {}]; }, options: 3, wrong: ['createGraph', 1] },
  grad: { args: () => [sq] },
  gradcheck: { args: () => [sq, [x23()], {}], options: 2, wrong: ['atol', -1] },
  gradgradcheck: { args: () => [sq, [x23()], {}], options: 2, wrong: ['rtol', 'small'] },
  checkGradient: {
    args: () => [(x: number) => x * x, (x: number, dy: number) => 2 * x * dy, 0.5, {}], options: 3, wrong: ['atol', -1],
  },
  GradcheckError: ERROR_CLASS,
  toDot: { args: () => [A.sum(v23()), {}], options: 1, wrong: ['values', 'yes'] },
  broadcastVars: { args: () => ['probe', [v23(), v23()]] },
  where: { args: () => [x23(), v23(), v23()] },
  clamp: { args: () => [v23(), { min: 0, max: 1 }], options: 1, wrong: ['max', 'one'] },
  reshape: { args: () => [v23(), [3, 2]] }, permute: { args: () => [v23(), [1, 0]] }, expand: { args: () => [v23(), [2, 3]] },
  slice: { args: () => [v23(), 1, 0, 2, 1] }, astype: { args: () => [v23(), 'float64'] }, to: { args: () => [v23(), 'cpu'] },
  transpose: { args: () => [v23(), 0, 1] }, sumToShape: { args: () => [v23(), [1, 3]] }, select: { args: () => [v23(), 0, 1] },
  squeeze: { args: () => [A.unsqueeze(v23(), 0), 0] }, unsqueeze: { args: () => [v23(), 0] }, flatten: { args: () => [v23(), 0, 1] },
  sum: vReduction, mean: vReduction, max: vReduction, min: vReduction, prod: vReduction, logsumexp: vReduction,
  argmax: vReduction, argmin: vReduction,
  matmul: { args: () => [v23(), T.ones([3, 2], f64)] },
  concat: { args: () => [[v23(), v23()], { axis: 0 }], options: 1, wrong: ['axis', '0'] },
  stack: { args: () => [[v23(), v23()], { axis: 1 }], options: 1, wrong: ['axis', null] },
  split: { args: () => [v23(), 1, { axis: 0 }], options: 2, wrong: ['axis', [0]] },
  gather: { args: () => [v23(), 1, idx()] },
  scatterAdd: { args: () => [[2, 3], 1, idx(), A.variable(T.ones([2, 1], f64), { requiresGrad: true })] },
  indexSelect: { args: () => [v23(), 1, [0]] },
  softmax: { args: () => [v23(), { axis: 1 }], options: 1, wrong: ['axis', '1'] },
  logSoftmax: { args: () => [v23(), { axis: 1 }], options: 1, wrong: ['axis', 1.5] },
  mseLoss: { args: () => [v23(), x23(), { reduction: 'sum' }], options: 2, wrong: ['reduction', 'summ'], bad: [[() => [v23(), x23(), 'summ'], "reduction got \"summ\", expected one of 'mean', 'sum', 'none' (did you mean 'sum'?)"]] },
  'optim.Optimizer': { exempt: 'the abstract base class: SGD, Adam and AdamW have rows' },
  'optim.SGD': { args: () => [[v23()], { lr: 0.1 }], options: 1, wrong: ['momentum', NaN], bad: [[() => [[v23()], { lr: 0.1, nesterov: true }], 'nesterov needs momentum > 0']] },
  'optim.Adam': { args: () => [[v23()], {}], options: 1, wrong: ['eps', NaN], bad: [[() => [[v23()], { betas: [0.9] }], 'betas got [0.9]']] },
  'optim.AdamW': { args: () => [[v23()], {}], options: 1, wrong: ['weightDecay', 'abc'] },
  'nn.Module': { exempt: 'the abstract base class: each module has a row' },
  'nn.Linear': { args: () => [2, 3, {}], options: 2, wrong: ['bias', 'yes'] },
  'nn.Tanh': { args: () => [] }, 'nn.ReLU': { args: () => [] }, 'nn.Sigmoid': { args: () => [] },
  'nn.Sequential': { exempt: 'takes any number of layers (each checked to be a Module: test/autograd/nn.test.ts)' },
  'nn.MLP': { args: () => [[2, 3, 1], {}], options: 1, wrong: ['activation', 'swish'] },
};

const out = () => T.tensor([[[0.1, 0.5]], [[0.2, 0.4]]], f64);
const tgt = () => T.tensor([[0.1], [0.3]], f64);
const PROPEL: Record<string, Row> = {
  propelLoss: {
    args: () => [out(), tgt(), {}], options: 2, wrong: ['sigma', '0.1'],
    bad: [[() => [out(), tgt(), 0.2], 'expected propelLoss(output, target, { sigma: 0.2 })']],
  },
  PropelLoss: { args: () => [{}], options: 0, wrong: ['reduction', 'avg'] },
  propelLossComposite: { args: () => [out(), tgt(), {}], options: 2, wrong: ['mode', 'torch'] },
  propelForward: {
    args: () => [new Float64Array([0.1, 0.5]), new Float64Array([0.1]), { B: 1, I: 1, n: 1 }, { sigma: 0.1 }, {}], options: 4,
    wrong: ['needsGrad', 'no'], bad: [[() => [new Float64Array([0.1, 0.5]), new Float64Array([0.1]), { B: 1, I: 1, n: 1 }, { sigma: 0.1, sigm: 1 }], "unknown option 'sigm'"]],
  },
  propelBackward: {
    args: () => [P.propelForward(new Float64Array([0.1, 0.5]), new Float64Array([0.1]), { B: 1, I: 1, n: 1 }, { sigma: 0.1 }).saved, 1, undefined],
  },
  checkPropelInputs: { args: () => [[1, 1, 2], [1, 1], { sigma: 0.1 }, undefined], options: 2, wrong: ['sigmaTransform', 'abs'] },
  propelDimsFromShapes: { args: () => [[1, 1, 2], [1, 1]] },
  resolvePropelOptions: { args: () => [{ sigma: 0.1 }], options: 0, wrong: ['sigma', '0.1'] },
  stdOf: PER_ELEMENT, varianceOf: PER_ELEMENT,
  unpackPrediction: { args: () => [out(), 1, {}], options: 2, wrong: ['sigmaTransform', 'relu'] },
  mixtureMean: { args: () => [out(), {}], options: 1, wrong: ['sigmaTransform', 1] },
  mixtureVariance: { args: () => [out(), {}], options: 1, wrong: ['sigmaTransform', 'abs'] },
  mixtureLogPdf: { args: () => [out(), tgt(), {}], options: 2, wrong: ['sigmaTransform', 'Exp'] },
  mixtureSample: { args: () => [out(), 2, { seed: 1 }], options: 2, wrong: ['seed', NaN] },
  mixtureModes: { args: () => [out(), {}], options: 1, wrong: ['maxIter', 1.5] },
};

const IO_ROWS: Record<string, Row> = {
  saveSafetensors: { args: () => [{ a: x23() }, {}] },
  loadSafetensors: { args: () => [IO.saveSafetensors({ a: x23() })] },
  loadSafetensorsMetadata: { args: () => [IO.saveSafetensors({ a: x23() })] },
  MAX_HEADER_BYTES: CONSTANT, ONNX_IR_VERSION: CONSTANT, ONNX_OPSETS: CONSTANT,
  saveNpy: unary,
  loadNpy: { args: () => [IO.saveNpy(x23())] },
  saveNpz: { args: () => [{ a: x23() }, {}], options: 1, wrong: ['compress', 'yes'] },
  loadNpz: { args: () => [IO.saveNpz({ a: x23() })] },
  exportOnnx: { args: () => [new A.nn.Linear(2, 1), { inputShape: [null, 2] }], options: 1, wrong: ['opset', 3] },
};

const TABLE: Record<string, { module: object; rows: Record<string, Row> }> = {
  '@propel-ts/tensor': { module: T, rows: TENSOR },
  '@propel-ts/autograd': { module: A, rows: AUTOGRAD },
  '@propel-ts/propel': { module: P, rows: PROPEL },
  '@propel-ts/io': { module: IO, rows: IO_ROWS },
};

// the row files of ./rows/ (one per area), merged into TABLE; a name given twice is an error
for (const f of readdirSync(join(__dirname, 'rows')).filter((name) => name.endsWith('.ts')).sort()) {
  const { rows } = require(join(__dirname, 'rows', f)) as RowFile;
  for (const [pkg, more] of Object.entries(rows)) {
    const into = TABLE[pkg]!.rows;
    for (const [name, row] of Object.entries(more!)) {
      if (name in into) throw new Error(`test/validation/rows/${f}: a second row for ${pkg}'s ${name}`);
      into[name] = row;
    }
  }
}

/** The exports that are namespaces of further exports (`export * as nn`). */
const NAMESPACES = new Set(['nn', 'optim']);

/** Every runtime export of a package, namespaces (nn, optim) expanded as 'nn.Linear'. */
function exportsOf(module: object): Map<string, unknown> {
  const found = new Map<string, unknown>();
  for (const [name, value] of Object.entries(module)) {
    if (NAMESPACES.has(name)) for (const [inner, v] of Object.entries(value as object)) found.set(`${name}.${inner}`, v);
    else found.set(name, value);
  }
  return found;
}

const isClass = (f: unknown): boolean => typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f));

function invoke(f: unknown, args: unknown[]): unknown {
  const fn = f as (...a: unknown[]) => unknown;
  return isClass(f) ? new (fn as unknown as new (...a: unknown[]) => unknown)(...args) : fn(...args);
}

/** Expect `run` to throw a TensorError whose message contains every text in `texts`. */
function refuses(run: () => unknown, texts: string[], what: string): void {
  let caught: unknown;
  try { run(); } catch (e) { caught = e; }
  expect(caught, `${what}: expected a TensorError`).to.be.instanceOf(T.TensorError);
  for (const text of texts) expect((caught as Error).message, what).to.include(text);
}

describe('every export checks its arguments (one row per export of every package)', () => {
  for (const [pkg, { module, rows }] of Object.entries(TABLE)) {
    describe(pkg, () => {
      const exported = exportsOf(module);

      it('every export has a row, and every row an export', () => {
        const missing = [...exported.keys()].filter((k) => !(k in rows));
        expect(missing, `exports of ${pkg} without a row: add a row for each to TABLE in test/validation/exports.test.ts (see its top comment)`).to.deep.equal([]);
        const stale = Object.keys(rows).filter((k) => !exported.has(k));
        expect(stale, `rows for names ${pkg} does not export (remove them)`).to.deep.equal([]);
      });

      for (const [name, row] of Object.entries(rows)) {
        if ('exempt' in row) continue;
        if (row.arityPending) it.skip(`${name}: an extra positional argument (pending: ${row.arityPending})`);
        it(name, () => {
          const f = exported.get(name);
          expect(f, `${name} is exported`).to.be.a('function');
          const mention = row.mentions ?? name.replace(/^(nn|optim)\./, '');
          if (!row.noValidCall) invoke(f, row.args());
          if (!row.arityPending) refuses(() => invoke(f, [...row.args(), EXTRA]), [mention], `${name} with an extra positional argument`);
          if (row.options !== undefined) {
            const at = row.options;
            const withOption = (key: string, value: unknown) => {
              const args = row.args();
              args[at] = { ...(args[at] as object | undefined), [key]: value };
              return args;
            };
            refuses(() => invoke(f, withOption('bogusOption', 1)), [mention, "unknown option 'bogusOption'"], `${name} with an unknown option`);
            expect(row.wrong, `${name}: a row with options needs a wrong-typed option`).to.not.equal(undefined);
            const [key, value] = row.wrong!;
            refuses(() => invoke(f, withOption(key, value)), [mention, key], `${name} with ${key}: ${String(value)}`);
          }
          for (const [args, text] of row.bad ?? []) refuses(() => invoke(f, args()), [mention, text], `${name}(${args().map(String).join(', ')})`);
        });
      }
    });
  }
});

describe('the methods that take options check them too', () => {
  for (const method of ['sum', 'mean', 'max', 'min', 'prod', 'logsumexp', 'argmax', 'argmin'] as const) {
    it(`Tensor.${method} and Variable.${method}`, () => {
      refuses(() => x23()[method]({ dim: 1 } as never), [method, "unknown option 'dim' (did you mean 'axis'?)"], `x.${method}({ dim })`);
      refuses(() => (x23()[method] as (...a: unknown[]) => unknown)(1, true), [method, 'arguments'], `x.${method}(1, true)`);
      if (method === 'prod' || method === 'argmax' || method === 'argmin') return;
      refuses(() => v23()[method]({ keepdim: true } as never), [method, "unknown option 'keepdim' (did you mean 'keepDims'?)"], `y.${method}({ keepdim })`);
    });
  }
  it('Variable.backward', () => {
    refuses(() => A.sum(v23()).backward(2 as never), ['backward', 'dy got 2'], 'y.backward(2)');
    refuses(() => A.sum(v23()).backward({ retain_graph: true } as never), ['backward', "unknown option 'retain_graph'"], 'y.backward({ retain_graph })');
  });
});
