// The gradient-check suite of @propel-ts/autograd: ONE table of cases (one or more per differentiable
// op: shapes, input ranges that avoid kinks, non-contiguous and broadcast inputs) driving ONE loop of
// `gradcheck` calls, a completeness check that every exported differentiable op has a case, a table of
// second-order checks (`gradgradcheck`), and Hessian-vector products against hand-computed Hessians.
// The table is this file's CASES plus every file in ./gradcheck-cases/ (each exports a CaseFile: see
// test/helpers/gradcheck-inputs.ts), so an area's ops keep their cases in their own file.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import type { Variable } from '@propel-ts/autograd';
import {
  type Case, type CaseFile, awayFromZero, distinct, everyOtherRow, f64, indices, mask, partner, pos, transposed, u,
} from '../helpers/gradcheck-inputs';

/** The case files of ./gradcheck-cases/, by file name. */
const CASE_FILES: [string, CaseFile][] = readdirSync(join(__dirname, 'gradcheck-cases'))
  .filter((f) => f.endsWith('.ts'))
  .sort()
  .map((f) => [f, require(join(__dirname, 'gradcheck-cases', f)) as CaseFile]);

// ---- the table ----------------------------------------------------------------------------------------


// constants used inside fns (made once: a fn must compute the same function on every call)
const MASK34 = mask([3, 4]);
const MASK23 = mask([2, 3]);
const GATHER_INDEX = indices([5, 3], 4);
const SCATTER_INDEX = indices([4, 2], 3);

const OWN_CASES: Case[] = [
  // ---- unary elementwise: layouts (each op on its smooth interval: gradcheck-cases/elementwise.ts) ----
  { op: 'exp', what: 'scalar (rank 0) input', fn: (x) => A.exp(x), inputs: [T.tensor(0.3, f64)] },
  { op: 'tanh', what: 'non-contiguous input (transposed)', fn: (x) => A.tanh(x), inputs: [transposed(u([3, 4]))] },
  { op: 'log', what: 'on a transposed view inside fn', fn: (x) => A.log(A.transpose(x)), inputs: [pos([3, 4])] },
  { op: 'sigmoid', what: 'on a stepped slice inside fn', fn: (x) => A.sigmoid(A.slice(x, 1, 0, undefined, 2)), inputs: [u([2, 5], -3, 3)] },

  // ---- binary elementwise (both inputs) ----
  { op: 'add', what: 'equal shapes', fn: (a, b) => A.add(a, b), inputs: [u([2, 3]), u([2, 3])] },
  { op: 'add', what: 'broadcast [3,1] + [4]', fn: (a, b) => A.add(a, b), inputs: [u([3, 1]), u([4])] },
  { op: 'add', what: 'scalar constant', fn: (a) => A.add(a, 2.5), inputs: [u([2, 3])] },
  { op: 'add', what: 'non-contiguous inputs (transposed + sliced)', fn: (a, b) => A.add(a, b), inputs: [transposed(u([3, 2])), everyOtherRow(u([4, 3]))] },
  { op: 'sub', what: 'equal shapes', fn: (a, b) => A.sub(a, b), inputs: [u([2, 3]), u([2, 3])] },
  { op: 'sub', what: 'broadcast [2,1,3] - [4,1]', fn: (a, b) => A.sub(a, b), inputs: [u([2, 1, 3]), u([4, 1])] },
  { op: 'mul', what: 'equal shapes', fn: (a, b) => A.mul(a, b), inputs: [u([2, 3]), u([2, 3])] },
  { op: 'mul', what: 'broadcast [2,1,3] * [4,1]', fn: (a, b) => A.mul(a, b), inputs: [u([2, 1, 3]), u([4, 1])] },
  { op: 'mul', what: 'broadcast against a scalar tensor', fn: (a, b) => A.mul(a, b), inputs: [u([3, 2]), T.tensor(1.7, f64)] },
  { op: 'mul', what: 'same variable twice (x * x)', fn: (a) => A.mul(a, a), inputs: [u([5])] },
  { op: 'mul', what: 'views inside fn (transposed * expanded)', fn: (a, b) => A.mul(A.transpose(a), A.expand(b, [4, 3])), inputs: [u([3, 4]), u([1, 3])] },
  { op: 'div', what: 'equal shapes', fn: (a, b) => A.div(a, b), inputs: [u([2, 3]), awayFromZero([2, 3], 0.5, 2)] },
  { op: 'div', what: 'broadcast [3,1] / [4]', fn: (a, b) => A.div(a, b), inputs: [u([3, 1]), awayFromZero([4], 0.5, 2)] },
  { op: 'div', what: 'number / x', fn: (b) => A.div(1.5, b), inputs: [awayFromZero([2, 3], 0.5, 2)] },
  { op: 'pow', what: 'positive base, both inputs', fn: (a, b) => A.pow(a, b), inputs: [pos([2, 3]), u([2, 3], -2, 2)] },
  { op: 'pow', what: 'broadcast exponent [3] over [2,3]', fn: (a, b) => A.pow(a, b), inputs: [pos([2, 3]), u([3], -1, 2)] },
  { op: 'pow', what: 'constant integer exponent on signed base', fn: (a) => A.pow(a, 3), inputs: [u([2, 3])] },
  { op: 'pow', what: 'x^0 at x = 0 (gradient 0, as PyTorch; was 0·0^-1 = NaN)', fn: (x) => A.pow(x, 0), inputs: [T.tensor(Float64Array.of(0, 1, -2))] },
  { op: 'pow', what: '0^y for y > 0 (gradient 0 in y; was 0·log 0 = NaN)', fn: (y) => A.pow(T.zeros([3], f64), y), inputs: [T.tensor(Float64Array.of(0.5, 2, 3))] },
  { op: 'pow', what: 'base 0 with exponents 2 and 3, both inputs', fn: (a, b) => A.pow(a, b), inputs: [T.zeros([2], f64), T.tensor(Float64Array.of(2, 3))] },
  { op: 'maximum', what: 'no ties', fn: (a, b) => A.maximum(a, b), inputs: (() => { const a = u([2, 4]); return [a, partner(a)]; })() },
  { op: 'maximum', what: 'broadcast [3,1] vs [4] (values 0.1 apart)', fn: (a, b) => A.maximum(a, b), inputs: [T.tensor(Float64Array.of(-0.25, 0.05, 0.35), { shape: [3, 1] }), T.tensor(Float64Array.of(-0.4, -0.1, 0.2, 0.5))] },
  { op: 'minimum', what: 'no ties', fn: (a, b) => A.minimum(a, b), inputs: (() => { const a = u([2, 4]); return [a, partner(a)]; })() },
  { op: 'minimum', what: 'non-contiguous input', fn: (a, b) => A.minimum(a, b), inputs: (() => { const a = transposed(u([4, 2])); return [a, partner(a.contiguous())]; })() },

  // ---- where and clamp ----
  { op: 'where', what: 'both branches', fn: (a, b) => A.where(MASK34, a, b), inputs: [u([3, 4]), u([3, 4])] },
  { op: 'where', what: 'broadcast cond [4] and b [3,1]', fn: (a, b) => A.where(T.tensor([1, 0, 0, 1], f64), a, b), inputs: [u([3, 4]), u([3, 1])] },
  { op: 'where', what: 'number branch', fn: (a) => A.where(MASK23, a, 0), inputs: [u([2, 3])] },
  { op: 'clamp', what: 'min and max (away from the bounds)', fn: (x) => A.clamp(x, -0.5, 0.5), inputs: [T.tensor(Float64Array.of(-1, -0.7, -0.3, 0.1, 0.4, 0.6, 0.9, -0.2), { shape: [2, 4] })] },
  { op: 'clamp', what: 'min only', fn: (x) => A.clamp(x, 0), inputs: [awayFromZero([2, 3])] },
  { op: 'clamp', what: 'max only', fn: (x) => A.clamp(x, undefined, 0), inputs: [awayFromZero([2, 3])] },

  // ---- reductions ----
  { op: 'sum', what: 'all', fn: (x) => A.sum(x), inputs: [u([2, 3])] },
  { op: 'sum', what: 'axis 0', fn: (x) => A.sum(x, { axis: 0 }), inputs: [u([2, 3, 2])] },
  { op: 'sum', what: 'axis -1 keepDims', fn: (x) => A.sum(x, { axis: -1, keepDims: true }), inputs: [u([2, 3, 2])] },
  { op: 'sum', what: 'axes [0,2]', fn: (x) => A.sum(x, { axis: [0, 2] }), inputs: [u([2, 3, 2])] },
  { op: 'sum', what: 'of a transposed input', fn: (x) => A.sum(x, { axis: 1 }), inputs: [transposed(u([4, 3]))] },
  { op: 'mean', what: 'all', fn: (x) => A.mean(x), inputs: [u([2, 3])] },
  { op: 'mean', what: 'axis 1 keepDims', fn: (x) => A.mean(x, { axis: 1, keepDims: true }), inputs: [u([2, 3, 2])] },
  { op: 'mean', what: 'axes [0,1] of a sliced view', fn: (x) => A.mean(A.slice(x, 0, 1), { axis: [0, 1] }), inputs: [u([3, 2, 2])] },
  { op: 'max', what: 'all (no ties)', fn: (x) => A.max(x), inputs: [distinct([3, 4])] },
  { op: 'max', what: 'axis 0', fn: (x) => A.max(x, { axis: 0 }), inputs: [distinct([3, 4])] },
  { op: 'max', what: 'axis -1 keepDims', fn: (x) => A.max(x, { axis: -1, keepDims: true }), inputs: [distinct([2, 3, 4])] },
  { op: 'max', what: 'axes [0,2] of a permuted view', fn: (x) => A.max(A.permute(x, [2, 0, 1]), { axis: [0, 2] }), inputs: [distinct([2, 3, 4])] },
  { op: 'min', what: 'all (no ties)', fn: (x) => A.min(x), inputs: [distinct([3, 4])] },
  { op: 'min', what: 'axis 1', fn: (x) => A.min(x, { axis: 1 }), inputs: [distinct([3, 4])] },
  { op: 'min', what: 'axis 0 keepDims', fn: (x) => A.min(x, { axis: 0, keepDims: true }), inputs: [distinct([2, 3, 4])] },
  { op: 'prod', what: 'all', fn: (x) => A.prod(x), inputs: [awayFromZero([2, 3], 0.5, 1.5)] },
  { op: 'prod', what: 'axis 1', fn: (x) => A.prod(x, { axis: 1 }), inputs: [awayFromZero([2, 3, 2], 0.5, 1.5)] },
  { op: 'prod', what: 'axis 0 keepDims', fn: (x) => A.prod(x, { axis: 0, keepDims: true }), inputs: [awayFromZero([3, 4], 0.5, 1.5)] },
  { op: 'prod', what: 'with one zero (the product of the others; was NaN)', fn: (x) => A.prod(x), inputs: [T.tensor(Float64Array.of(2, 0, 3, 0.5))] },
  { op: 'prod', what: 'axis 1, rows with no, one and two zeros', fn: (x) => A.prod(x, 1), inputs: [T.tensor(Float64Array.of(2, 0.5, 3, 0, 2, 1.5, 0, 0, 1), { shape: [3, 3] })] },
  { op: 'sum', what: "PyTorch's positional axis sum(x, 1)", fn: (x) => A.sum(x, 1), inputs: [u([2, 3, 2])] },
  { op: 'max', what: "PyTorch's positional axis max(x, -1)", fn: (x) => A.max(x, -1), inputs: [distinct([3, 4])] },
  { op: 'logsumexp', what: 'all', fn: (x) => A.logsumexp(x), inputs: [u([2, 3], -3, 3)] },
  { op: 'logsumexp', what: 'axis -1', fn: (x) => A.logsumexp(x, { axis: -1 }), inputs: [u([2, 3, 4], -3, 3)] },
  { op: 'logsumexp', what: 'axis 0 keepDims', fn: (x) => A.logsumexp(x, { axis: 0, keepDims: true }), inputs: [u([3, 4], -3, 3)] },
  { op: 'logsumexp', what: 'large values (stable shift)', fn: (x) => A.logsumexp(x, { axis: 1 }), inputs: [u([2, 3], 500, 503)] },

  // ---- matmul ----
  { op: 'matmul', what: '2-D [3,4]x[4,2]', fn: (a, b) => A.matmul(a, b), inputs: [u([3, 4]), u([4, 2])] },
  { op: 'matmul', what: 'batched [2,3,4]x[2,4,2]', fn: (a, b) => A.matmul(a, b), inputs: [u([2, 3, 4]), u([2, 4, 2])] },
  { op: 'matmul', what: 'broadcast batch [2,1,3,4]x[3,4,2]', fn: (a, b) => A.matmul(a, b), inputs: [u([2, 1, 3, 4]), u([3, 4, 2])] },
  { op: 'matmul', what: 'batched x 2-D [2,3,4]x[4,2]', fn: (a, b) => A.matmul(a, b), inputs: [u([2, 3, 4]), u([4, 2])] },
  { op: 'matmul', what: '1-D x 2-D', fn: (a, b) => A.matmul(a, b), inputs: [u([4]), u([4, 3])] },
  { op: 'matmul', what: '2-D x 1-D', fn: (a, b) => A.matmul(a, b), inputs: [u([3, 4]), u([4])] },
  { op: 'matmul', what: '1-D x 1-D (dot)', fn: (a, b) => A.matmul(a, b), inputs: [u([5]), u([5])] },
  { op: 'matmul', what: '1-D x batched', fn: (a, b) => A.matmul(a, b), inputs: [u([4]), u([2, 4, 3])] },
  { op: 'matmul', what: 'non-contiguous inputs (transposed)', fn: (a, b) => A.matmul(a, b), inputs: [transposed(u([4, 3])), transposed(u([2, 4]))] },
  { op: 'matmul', what: 'transposed views inside fn (aᵀ b)', fn: (a, b) => A.matmul(A.transpose(a), b), inputs: [u([4, 3]), u([4, 2])] },

  // ---- views ----
  { op: 'reshape', what: '[2,3,2] -> [3,4]', fn: (x) => A.reshape(x, [3, 4]), inputs: [u([2, 3, 2])] },
  { op: 'reshape', what: 'inferred -1 of a transposed (copying) view', fn: (x) => A.reshape(A.transpose(x), [-1]), inputs: [u([3, 4])] },
  { op: 'permute', what: '[2,0,1]', fn: (x) => A.permute(x, [2, 0, 1]), inputs: [u([2, 3, 4])] },
  { op: 'permute', what: 'negative dims', fn: (x) => A.permute(x, [-1, 0, -2]), inputs: [u([2, 3, 4])] },
  { op: 'transpose', what: 'default (last two)', fn: (x) => A.transpose(x), inputs: [u([2, 3, 4])] },
  { op: 'transpose', what: 'dims 0 and 2', fn: (x) => A.transpose(x, 0, 2), inputs: [u([2, 3, 4])] },
  { op: 'expand', what: '[3,1] -> [2,3,4]', fn: (x) => A.expand(x, [2, 3, 4]), inputs: [u([3, 1])] },
  { op: 'expand', what: 'scalar -> [2,2]', fn: (x) => A.expand(x, [2, 2]), inputs: [T.tensor(0.4, f64)] },
  { op: 'slice', what: 'start/end', fn: (x) => A.slice(x, 1, 1, 3), inputs: [u([2, 4])] },
  { op: 'slice', what: 'step 2', fn: (x) => A.slice(x, 0, 0, undefined, 2), inputs: [u([5, 2])] },
  { op: 'slice', what: 'negative start, step 3', fn: (x) => A.slice(x, -1, -5, undefined, 3), inputs: [u([2, 7])] },
  { op: 'slice', what: 'negative start and end', fn: (x) => A.slice(x, 0, -3, -1), inputs: [u([4, 2])] },
  { op: 'slice', what: 'of a sliced view (overlapping twice-used input)', fn: (x) => A.add(A.slice(x, 0, 0, 3), A.slice(x, 0, 1, 4)), inputs: [u([4, 2])] },
  { op: 'select', what: 'dim 1', fn: (x) => A.select(x, 1, 2), inputs: [u([2, 3, 2])] },
  { op: 'select', what: 'negative index', fn: (x) => A.select(x, 0, -1), inputs: [u([3, 2])] },
  { op: 'squeeze', what: 'all size-1 dims', fn: (x) => A.squeeze(x), inputs: [u([1, 3, 1, 2])] },
  { op: 'squeeze', what: 'one dim', fn: (x) => A.squeeze(x, 2), inputs: [u([1, 3, 1, 2])] },
  { op: 'unsqueeze', what: 'dim 1', fn: (x) => A.unsqueeze(x, 1), inputs: [u([3, 2])] },
  { op: 'unsqueeze', what: 'dim -1', fn: (x) => A.unsqueeze(x, -1), inputs: [u([3, 2])] },
  { op: 'flatten', what: 'all', fn: (x) => A.flatten(x), inputs: [u([2, 3, 2])] },
  { op: 'flatten', what: 'dims 1..2 of a permuted view', fn: (x) => A.flatten(A.permute(x, [1, 0, 2]), 1, 2), inputs: [u([2, 3, 2])] },
  { op: 'sumToShape', what: '[2,3,4] -> [3,1]', fn: (x) => A.sumToShape(x, [3, 1]), inputs: [u([2, 3, 4])] },
  { op: 'broadcastVars', what: 'broadcast [3,1] and [4] then combine', fn: (a, b) => { const [x, y] = A.broadcastVars('test', [a, b]); return A.mul(x!, y!); }, inputs: [u([3, 1]), u([4])] },
  { op: 'astype', what: 'float64 -> float32 -> float64 (float32-exact inputs, eps 1e-2)', fn: (x) => A.mul(A.astype(A.astype(x, 'float32'), 'float64'), 3), inputs: [T.tensor(Float64Array.of(0.5, -1.25, 2, 0.75), { shape: [2, 2] })], options: { eps: 1e-2 } },
  { op: 'astype', what: 'float64 -> float64 (identity)', fn: (x) => A.astype(x, 'float64'), inputs: [u([3])] },
  { op: 'to', what: "cpu -> cpu", fn: (x) => A.to(x, 'cpu'), inputs: [u([2, 2])] },

  // ---- joining and indexing ----
  { op: 'concat', what: 'axis 0, three inputs', fn: (a, b, c) => A.concat([a, b, c], 0), inputs: [u([1, 3]), u([2, 3]), u([3, 3])] },
  { op: 'concat', what: 'axis -1 with a non-contiguous input', fn: (a, b) => A.concat([a, b], -1), inputs: [transposed(u([2, 3])), u([3, 1])] },
  { op: 'concat', what: 'with a constant', fn: (a) => A.concat([a, T.ones([2, 2], f64)], 1), inputs: [u([2, 3])] },
  { op: 'stack', what: 'axis 0', fn: (a, b) => A.stack([a, b]), inputs: [u([2, 3]), u([2, 3])] },
  { op: 'stack', what: 'axis -1', fn: (a, b) => A.stack([a, b], -1), inputs: [u([2, 3]), u([2, 3])] },
  { op: 'split', what: 'equal sizes, parts combined', fn: (x) => { const [p, q] = A.split(x, 2, 1); return A.mul(p!, q!); }, inputs: [u([3, 4])] },
  { op: 'split', what: 'sections, one part unused', fn: (x) => A.concat(A.split(x, [1, 2, 1], 0).slice(0, 2), 0), inputs: [u([4, 2])] },
  { op: 'gather', what: 'axis 1 with repeated indices', fn: (x) => A.gather(x, 1, T.tensor([[0, 2, 2, 1], [1, 1, 0, 3]], f64)), inputs: [u([2, 4])] },
  { op: 'gather', what: 'axis 0, random indices', fn: (x) => A.gather(x, 0, GATHER_INDEX), inputs: [u([4, 3])] },
  { op: 'indexSelect', what: 'axis 0 with repeats', fn: (x) => A.indexSelect(x, 0, [2, 0, 2]), inputs: [u([3, 2])] },
  { op: 'indexSelect', what: 'axis -1, tensor index', fn: (x) => A.indexSelect(x, -1, T.tensor([3, 1], f64)), inputs: [u([2, 4])] },
  { op: 'scatterAdd', what: 'axis 1, colliding indices', fn: (s) => A.scatterAdd([2, 3], 1, T.tensor([[0, 2, 0, 1], [1, 1, 2, 2]], f64), s), inputs: [u([2, 4])] },
  { op: 'scatterAdd', what: 'axis 0', fn: (s) => A.scatterAdd([3, 2], 0, SCATTER_INDEX, s), inputs: [u([4, 2])] },

  // ---- composites ----
  { op: 'softmax', what: 'last axis', fn: (x) => A.softmax(x), inputs: [u([2, 4], -2, 2)] },
  { op: 'softmax', what: 'axis 0 of a transposed input', fn: (x) => A.softmax(x, 0), inputs: [transposed(u([4, 3], -2, 2))] },
  { op: 'logSoftmax', what: 'last axis', fn: (x) => A.logSoftmax(x), inputs: [u([2, 4], -2, 2)] },
  { op: 'logSoftmax', what: 'axis 1 of rank 3', fn: (x) => A.logSoftmax(x, 1), inputs: [u([2, 3, 2], -2, 2)] },
  { op: 'mseLoss', what: 'mean, both inputs', fn: (p, t) => A.mseLoss(p, t), inputs: [u([3, 2]), u([3, 2])] },
  { op: 'mseLoss', what: 'sum', fn: (p, t) => A.mseLoss(p, t, 'sum'), inputs: [u([3, 2]), u([3, 2])] },
  { op: 'mseLoss', what: 'none, broadcast target', fn: (p, t) => A.mseLoss(p, t, 'none'), inputs: [u([3, 2]), u([2])] },
  {
    op: 'matmul', what: 'tanh MLP layer tanh(x Wᵀ + b) with all inputs',
    fn: (x, w, b) => A.tanh(A.add(A.matmul(x, A.transpose(w)), b)), inputs: [u([4, 3]), u([2, 3]), u([2])],
  },
];

const CASES: Case[] = [...OWN_CASES, ...CASE_FILES.flatMap(([, f]) => f.cases)];

/** Exports that are not differentiable ops (infrastructure, or piecewise-constant with no gradient). */
const NOT_OPS = new Set([
  ...CASE_FILES.flatMap(([, f]) => f.notOps ?? []),
  'Variable', 'variable', 'defineOp', 'noGrad', 'enableGrad', 'isRecording', 'backward', 'grads', 'grad',
  'gradcheck', 'gradgradcheck', 'checkGradient', 'GradcheckError', 'nn', 'optim', 'toDot',
  // piecewise constant: no gradient flows (tested in tape.test.ts); sign and the comparisons come from
  // gradcheck-cases/elementwise.ts
  'argmax', 'argmin',
]);

describe('gradcheck suite: every differentiable op against central differences', () => {
  describe('the table', () => {
    it('covers every function exported by @propel-ts/autograd that is not listed as a non-op', () => {
      const exported = Object.entries(A).filter(([, v]) => typeof v === 'function').map(([k]) => k);
      const covered = new Set(CASES.map((c) => c.op));
      const missing = exported.filter((k) => !NOT_OPS.has(k) && !covered.has(k));
      expect(missing, 'exported ops without a gradcheck case (add one, or list the export in notOps with why)').to.deep.equal([]);
      expect([...covered].filter((k) => !exported.includes(k)), 'cases filed under names that are not exported').to.deep.equal([]);
      expect([...NOT_OPS].filter((k) => !exported.includes(k) && k !== 'nn' && k !== 'optim'), 'notOps entries that are not exported').to.deep.equal([]);
    });

    it('each case calls the op it is filed under', () => {
      for (const c of CASES) {
        if (c.calls) expect(c.fn === c.calls && c.calls === (A as unknown as Record<string, unknown>)[c.op], `case '${c.op}: ${c.what}' is the export`).to.equal(true);
        else expect(c.fn.toString(), `case '${c.op}: ${c.what}'`).to.match(new RegExp(`\\b${c.op}\\b`));
      }
    });

    it('includes non-contiguous and broadcast inputs', () => {
      expect(CASES.some((c) => c.inputs.some((x) => !x.isContiguous()))).to.equal(true);
      expect(CASES.filter((c) => c.what.includes('broadcast')).length).to.be.greaterThan(5);
    });
  });

  describe('cases', () => {
    for (const c of CASES) {
      it(`${c.op}: ${c.what}`, () => {
        const report = A.gradcheck(c.fn, c.inputs, { name: `${c.op}: ${c.what}`, ...c.options });
        expect(report.checked).to.equal(c.inputs.reduce((n, x) => n + x.size, 0));
      });
    }

    it('fast mode agrees on every case too', () => {
      for (const c of CASES) A.gradcheck(c.fn, c.inputs, { name: `${c.op}: ${c.what} (fast)`, fast: true, seed: 3, ...c.options });
    });
  });
});

// ---- second order -------------------------------------------------------------------------------------

const OWN_SECOND_ORDER: Case[] = [
  { op: 'mul', what: 'both inputs, broadcast', fn: (a, b) => A.mul(a, b), inputs: [u([2, 3]), u([3])] },
  { op: 'mul', what: 'x * x', fn: (a) => A.mul(a, a), inputs: [u([4])] },
  { op: 'div', what: 'both inputs', fn: (a, b) => A.div(a, b), inputs: [u([2, 3]), pos([2, 3])] },
  { op: 'pow', what: 'both inputs', fn: (a, b) => A.pow(a, b), inputs: [pos([2, 3]), u([2, 3], -1, 2)] },
  { op: 'matmul', what: '2-D', fn: (a, b) => A.matmul(a, b), inputs: [u([3, 4]), u([4, 2])] },
  { op: 'matmul', what: 'batched with broadcast', fn: (a, b) => A.matmul(a, b), inputs: [u([2, 3, 4]), u([4, 2])] },
  { op: 'sum', what: 'of x³ (non-linear through the reduction)', fn: (x) => A.sum(A.pow(x, 3), { axis: 1 }), inputs: [u([2, 3])] },
  { op: 'mean', what: 'of exp', fn: (x) => A.mean(A.exp(x), { axis: 0, keepDims: true }), inputs: [u([2, 3])] },
  { op: 'logsumexp', what: 'axis -1', fn: (x) => A.logsumexp(x, { axis: -1 }), inputs: [u([2, 4], -2, 2)] },
  { op: 'softmax', what: 'last axis', fn: (x) => A.softmax(x), inputs: [u([2, 3], -2, 2)] },
  { op: 'prod', what: 'axis 1', fn: (x) => A.prod(x, { axis: 1 }), inputs: [awayFromZero([2, 3], 0.5, 1.5)] },
  { op: 'prod', what: 'rows with no, one and two zeros', fn: (x) => A.prod(x, 1), inputs: [T.tensor(Float64Array.of(2, 0.5, 3, 0, 2, 1.5, 0, 0, 1), { shape: [3, 3] })] },
  { op: 'div', what: 'denominator only', fn: (b) => A.div(T.tensor(Float64Array.of(1.5, -2, 0.5), { shape: [3] }), b), inputs: [pos([3])] },
  { op: 'max', what: 'of x² (no ties)', fn: (x) => A.max(A.square(x), { axis: 0 }), inputs: [T.tensor([[0.3, -1.1, 0.9], [-0.7, 0.5, 1.4]], f64)] },
  {
    op: 'tanh', what: 'MLP layer tanh(x Wᵀ + b), all inputs',
    fn: (x, w, b) => A.tanh(A.add(A.matmul(x, A.transpose(w)), b)), inputs: [u([3, 2]), u([4, 2]), u([4])],
  },
  {
    op: 'mseLoss', what: 'of a two-layer tanh MLP wrt its weights',
    fn: (w1, w2) => A.mseLoss(A.matmul(A.tanh(A.matmul(T.tensor([[0.2, -0.4], [0.9, 0.1], [-0.3, 0.6]], f64), w1)), w2), T.tensor([[0.5], [-0.2], [0.1]], f64)),
    inputs: [u([2, 3]), u([3, 1])],
  },
];

const SECOND_ORDER: Case[] = [...OWN_SECOND_ORDER, ...CASE_FILES.flatMap(([, f]) => f.secondOrder ?? [])];

describe('gradgradcheck: second-order gradients through the backward of the primitives', () => {
  for (const c of SECOND_ORDER) {
    it(`${c.op}: ${c.what}`, () => {
      A.gradgradcheck(c.fn, c.inputs, { name: `${c.op}: ${c.what}` });
    });
  }
});

describe('Hessian-vector products against hand-computed Hessians', () => {
  /** H v by double backward: grad of <grad f(x), v> with respect to x. */
  function hvp(f: (x: Variable) => Variable, x0: Tensor, v: Tensor): number[] {
    const x = A.variable(x0, { requiresGrad: true });
    const [g] = A.grads(f(x), [x], undefined, { createGraph: true });
    expect(g!.requiresGrad, 'the first gradient must be part of the graph').to.equal(true);
    const [hv] = A.grads(A.sum(A.mul(g!, v)), [x]);
    return Array.from(hv!.value.toTypedArray());
  }

  it('f(x) = sum(x³): H = diag(6x), so Hv = 6 x v', () => {
    const x = T.tensor([0.5, -1.2, 2, 0.3], f64);
    const v = T.tensor([1, 0.5, -2, 3], f64);
    const got = hvp((xv) => A.sum(A.pow(xv, 3)), x, v);
    const want = [6 * 0.5 * 1, 6 * -1.2 * 0.5, 6 * 2 * -2, 6 * 0.3 * 3];
    got.forEach((g, i) => expect(g).to.be.closeTo(want[i]!, 1e-12));
  });

  it('f(x) = xᵀ A x: H = A + Aᵀ, so Hv = (A + Aᵀ) v (every column of H via unit vectors)', () => {
    const Am = [[1, 2, 0], [-1, 3, 4], [0.5, 0, -2]];
    const a = T.tensor(Am, f64);
    const x = T.tensor([0.3, -0.7, 1.1], f64);
    const f = (xv: Variable) => A.matmul(xv, A.matmul(a, xv));
    for (let j = 0; j < 3; j++) {
      const e = T.tensor([0, 1, 2].map((k) => (k === j ? 1 : 0)), f64);
      const col = hvp(f, x, e);
      col.forEach((h, i) => expect(h, `H[${i},${j}]`).to.be.closeTo(Am[i]![j]! + Am[j]![i]!, 1e-12));
    }
  });

  it('f(x) = sum(x³) through grad(grad(·)): d/dx sum(d/dx sum(x³)) = 6x', () => {
    const x = T.tensor([0.5, -1.2, 2], f64);
    const d2 = A.grad((xv) => A.sum(A.grad((y) => A.sum(A.pow(y, 3)))(xv)));
    const got = Array.from(d2(x).value.toTypedArray());
    [3, -7.2, 12].forEach((w, i) => expect(got[i]).to.be.closeTo(w, 1e-12));
  });
});
