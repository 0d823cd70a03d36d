// Error cases of @propel-ts/tensor: every message names the op, the argument, what was given and what
// was expected (ARCHITECTURE.md, "Errors"). Each case asserts the whole message.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import { Tensor, TensorError, type DType, type Device, type Storage } from '@propel-ts/tensor';

/** Expect `f` to throw a TensorError whose message is exactly `message`. */
function throwsExactly(f: () => unknown, message: string): void {
  let caught: unknown;
  try { f(); } catch (e) { caught = e; }
  expect(caught, `expected to throw: ${message}`).to.be.instanceOf(TensorError);
  expect((caught as Error).name).to.equal('TensorError');
  expect((caught as Error).message).to.equal(message);
}

/** A tensor that claims to live on the GPU (no GPU needed: validation runs before any backend call). */
function fakeGpu(shape: number[]): Tensor {
  const storage = { device: 'gpu', length: shape.reduce((a, b) => a * b, 1) } as unknown as Storage;
  return new Tensor(storage, shape);
}

const z = (shape: number[], dtype: DType = 'float32') => T.zeros(shape, { dtype });

describe('errors name op, argument, got and expected', () => {
  it('shape mismatch: binary ops, where, concat, stack, sumToShape, tensor(shape)', () => {
    throwsExactly(() => T.add(z([2, 3]), z([4])), 'add: shapes [2,3] and [4] are not broadcastable');
    throwsExactly(() => z([2, 3]).mul(z([3, 2])), 'mul: shapes [2,3] and [3,2] are not broadcastable');
    throwsExactly(() => T.where(z([2]), z([3]), 0), 'where: shapes [2] and [3] are not broadcastable');
    throwsExactly(() => T.concat([z([2, 3]), z([2, 4])], 0), 'concat: tensors[1] has shape [2,4], expected [-1,3] (-1: any size along axis 0)');
    throwsExactly(() => T.stack([z([2, 3]), z([3, 2])]), 'stack: tensors[1] has shape [3,2], expected [2,3] (all equal)');
    throwsExactly(() => T.sumToShape(z([2, 3]), [4]), 'sumToShape: shape [4] does not broadcast to [2,3]');
    throwsExactly(() => T.tensor([1, 2, 3], { shape: [2, 2] }), 'tensor: shape [2,2] needs 4 elements, got 3');
    throwsExactly(() => T.tensor(new Float32Array(5), { shape: [2, 3] }), 'tensor: shape [2,3] needs 6 elements, got a typed array of 5');
    throwsExactly(() => T.split(z([5]), [2, 2]), 'split: sections [2,2] sum to 4, expected non-negative integers summing to 5 (size of axis 0)');
  });

  it('bad axis or dimension', () => {
    throwsExactly(() => T.sum(z([2, 3]), { axis: 2 }), 'sum: axis 2 is out of range for a tensor of rank 2, expected an integer in [-2, 1]');
    throwsExactly(() => T.mean(z([]), { axis: 0 }), 'mean: axis 0 is out of range for a tensor of rank 0, expected no axes (the tensor is a scalar)');
    throwsExactly(() => T.max(z([2, 3]), { axis: [1, -1] }), 'max: axis 1 appears more than once in axes [1,-1]');
    throwsExactly(() => T.argmax(z([2, 3]), { axis: -3 }), 'argmax: axis -3 is out of range for a tensor of rank 2, expected an integer in [-2, 1]');
    throwsExactly(() => z([2, 3]).transpose(0, 2), 'transpose: dim1 2 is out of range for a tensor of rank 2, expected an integer in [-2, 1]');
    throwsExactly(() => z([2, 3]).unsqueeze(3), 'unsqueeze: dim 3 is out of range for a tensor of rank 3, expected an integer in [-3, 2]');
    throwsExactly(() => z([2, 3]).permute(0), "permute: dims [0] has 1 entries, expected 2 (the tensor's rank)");
    throwsExactly(() => z([2, 3]).permute(0, 0), 'permute: dims [0,0] repeats a dimension, expected a permutation of 0..1');
    throwsExactly(() => z([2]).squeeze(0), 'squeeze: dimension 0 has size 2, expected 1 (shape [2])');
    throwsExactly(() => z([2]).select(0, 2), 'select: index 2 is out of range for dimension 0 of size 2');
    throwsExactly(() => z([2]).slice(0, 0, 2, 0), 'slice: step must be a positive integer, got 0');
    throwsExactly(() => T.concat([z([2])], 1), 'concat: axis 1 is out of range for a tensor of rank 1, expected an integer in [-1, 0]');
    throwsExactly(() => z([2, 3]).flatten(1, 0), 'flatten: startDim 1 comes after endDim 0');
    throwsExactly(() => z([2, 3, 4]).T, 'T: expects a 2-D tensor, got shape [2,3,4]');
  });

  it('reductions and arg-reductions over nothing', () => {
    throwsExactly(() => T.max(z([0])), 'max: cannot reduce over axis 0 of size 0 (shape [0])');
    throwsExactly(() => T.min(z([2, 0]), { axis: 1 }), 'min: cannot reduce over axis 1 of size 0 (shape [2,0])');
    throwsExactly(() => T.argmax(z([0])), 'argmax: cannot take argmax of an empty tensor (shape [0])');
    throwsExactly(() => T.argmin(z([3, 0]), { axis: 1 }), 'argmin: cannot take argmin over axis 1 of size 0 (shape [3,0])');
  });

  it('non-broadcastable shapes in expand and matmul batches', () => {
    throwsExactly(() => z([2, 3]).expand(4, 3), 'expand: cannot expand shape [2,3] to [4,3]: dimension 0 has size 2, expected 1 or 4');
    throwsExactly(() => z([3]).expand(2), 'expand: cannot expand shape [3] to [2]: dimension 0 has size 3, expected 1 or 2');
    throwsExactly(() => z([2, 3]).expand(3), 'expand: target shape [3] has fewer dimensions than the input [2,3]');
    throwsExactly(() => T.matmul(z([2, 1, 3]), z([3, 3, 2])), 'matmul: batch dimensions [2] of a [2,1,3] and [3] of b [3,3,2] are not broadcastable');
  });

  it('invalid view, and impossible reshape targets', () => {
    const t = z([2, 3]).T; // strides [1,3]
    throwsExactly(() => t.view(6), 'view: cannot view shape [3,2] with strides [1,3] as [6] without copying, expected a compatible layout (use reshape(), which copies when needed)');
    throwsExactly(() => z([2, 3]).view(4, 2), "view: shape [4,2] has 8 elements, expected 6 (the input's size)");
    throwsExactly(() => z([6]).reshape(-1, -1), 'reshape: shape [-1,-1] has more than one -1');
    throwsExactly(() => z([6]).reshape(-1, 4), 'reshape: cannot infer -1 in shape [-1,4] for 6 elements');
    expect(t.reshape(6).toArray()).to.deep.equal([0, 0, 0, 0, 0, 0]);
  });

  it('mixed dtypes', () => {
    throwsExactly(() => T.add(z([2], 'float64'), z([2], 'float32')), "add: b has dtype float32 but a has float64, expected one dtype (convert with .astype('float64'))");
    throwsExactly(() => T.matmul(z([2, 2]), z([2, 2], 'float64')), "matmul: b has dtype float64 but a has float32, expected one dtype (convert with .astype('float32'))");
    throwsExactly(() => T.where(z([2]), z([2], 'float64'), z([2])), "where: a has dtype float64 but cond has float32, expected one dtype (convert with .astype('float32'))");
    throwsExactly(() => T.concat([z([1]), z([1], 'float64')]), "concat: tensors[1] has dtype float64 but tensors[0] has float32, expected one dtype (convert with .astype('float32'))");
  });

  it('mixed devices name both devices', () => {
    const cpu = z([3]);
    const gpu = fakeGpu([3]);
    expect(gpu.device).to.equal('gpu');
    throwsExactly(() => T.add(cpu, gpu), "add: b is on 'gpu' but a is on 'cpu', expected one device (move with .to('cpu'))");
    throwsExactly(() => T.sub(gpu, cpu), "sub: b is on 'cpu' but a is on 'gpu', expected one device (move with .to('gpu'))");
    throwsExactly(() => T.matmul(z([3, 3]), fakeGpu([3, 3])), "matmul: b is on 'gpu' but a is on 'cpu', expected one device (move with .to('cpu'))");
    throwsExactly(() => T.where(cpu, cpu, gpu), "where: b is on 'gpu' but cond is on 'cpu', expected one device (move with .to('cpu'))");
    throwsExactly(() => T.gather(cpu, 0, gpu), "gather: index is on 'gpu' but input is on 'cpu', expected one device");
  });

  it('ragged or non-numeric nested arrays', () => {
    throwsExactly(() => T.tensor([[1, 2], [3]]), 'tensor: nested arrays are ragged at [1]: got array(1), expected an array of length 2');
    throwsExactly(() => T.tensor([[1, 2], 3] as unknown as number[][]), 'tensor: nested arrays are ragged at [1]: got 3, expected an array of length 2');
    throwsExactly(() => T.tensor([[[1], [2]], [[3], [4, 5]]]), 'tensor: nested arrays are ragged at [1,1]: got array(2), expected an array of length 1');
    throwsExactly(() => T.tensor([1, 'a'] as unknown as number[]), 'tensor: element at [1] is "a", expected a number (nested arrays must be rectangular)');
  });

  it('float64 on the gpu is refused at creation and on transfer', () => {
    throwsExactly(() => T.tensor([1], { dtype: 'float64', device: 'gpu' }), "tensor: float64 is not supported on 'gpu' (gpu.js computes in float32), expected dtype 'float32' (or use device 'cpu' for float64)");
    throwsExactly(() => T.zeros([2], { dtype: 'float64', device: 'gpu' }), "zeros: float64 is not supported on 'gpu' (gpu.js computes in float32), expected dtype 'float32' (or use device 'cpu' for float64)");
    throwsExactly(() => T.randn([2], { dtype: 'float64', device: 'gpu' }), "randn: float64 is not supported on 'gpu' (gpu.js computes in float32), expected dtype 'float32' (or use device 'cpu' for float64)");
    throwsExactly(() => z([1], 'float64').to('gpu'), "to: float64 is not supported on 'gpu' (gpu.js computes in float32), expected a float32 tensor (use .astype('float32') first, or keep float64 work on 'cpu')");
  });

  it('matmul inner-dimension mismatch and rank-0 operands', () => {
    throwsExactly(() => T.matmul(z([2, 3]), z([4, 5])), 'matmul: inner dimensions differ: a [2,3] has 3 columns, b [4,5] has 4 rows, expected them equal');
    throwsExactly(() => T.matmul(z([3]), z([2])), 'matmul: inner dimensions differ: a [3] has 3 columns, b [2] has 2 rows, expected them equal');
    throwsExactly(() => z([5, 2, 3]).matmul(z([5, 2, 3])), 'matmul: inner dimensions differ: a [5,2,3] has 3 columns, b [5,2,3] has 2 rows, expected them equal');
    throwsExactly(() => T.matmul(z([]), z([2])), 'matmul: expects tensors of rank >= 1, got shapes [] and [2]');
  });

  it('out-of-range, negative or fractional indices in gather, indexSelect, scatterAdd', () => {
    throwsExactly(() => T.gather(z([2, 3]), 1, T.tensor([[0, 3]])), 'gather: index value 3 at flat position 1 is out of range, expected an integer in [0, 2] for axis 1');
    throwsExactly(() => T.gather(z([2, 3]), 1, T.tensor([[-1]])), 'gather: index value -1 at flat position 0 is out of range, expected an integer in [0, 2] for axis 1');
    throwsExactly(() => T.gather(z([2, 3]), 0, T.tensor([[0.5]])), 'gather: index value 0.5 at flat position 0 is out of range, expected an integer in [0, 1] for axis 0');
    throwsExactly(() => T.gather(z([2, 3]), 0, T.tensor([0])), "gather: index has rank 1, expected 2 (the input's rank)");
    throwsExactly(() => T.gather(z([2, 3]), 0, z([1, 4])), 'gather: index shape [1,4] exceeds input shape [2,3] at dimension 1');
    throwsExactly(() => T.indexSelect(z([2, 3]), 0, [2]), 'indexSelect: index value 2 at flat position 0 is out of range, expected an integer in [0, 1] for axis 0');
    throwsExactly(() => T.indexSelect(z([2, 3]), 0, z([1, 1])), 'indexSelect: index must be 1-D, got shape [1,1]');
    throwsExactly(() => T.scatterAdd([2], 0, T.tensor([2]), T.tensor([1])), 'scatterAdd: index value 2 at flat position 0 is out of range, expected an integer in [0, 1] for axis 0');
    throwsExactly(() => T.scatterAdd([2, 2], 1, z([3, 2]), z([3, 2])), 'scatterAdd: index shape [3,2] exceeds output shape [2,2] at dimension 0');
    throwsExactly(() => T.scatterAdd([2, 2], 1, z([2, 2]), z([2, 1])), 'scatterAdd: index shape [2,2] differs from src shape [2,1], expected equal');
  });

  it('item() on a tensor that is not a single element', () => {
    throwsExactly(() => z([2, 2]).item(), 'item: tensor of shape [2,2] has 4 elements, expected exactly 1');
    throwsExactly(() => z([0]).item(), 'item: tensor of shape [0] has 0 elements, expected exactly 1');
    expect(T.full([1, 1], 7).item()).to.equal(7);
    expect(T.tensor(2.5).item()).to.equal(2.5);
  });

  it('bad arguments to creation functions and ops', () => {
    throwsExactly(() => T.zeros([2, -1]), 'zeros: shape must be an array of non-negative integers, got [2,-1]');
    throwsExactly(() => T.ones([1.5]), 'ones: shape must be an array of non-negative integers, got [1.5]');
    throwsExactly(() => T.full([2], 'a' as unknown as number), 'full: value must be a number, got "a"');
    throwsExactly(() => T.zeros([2], { dtype: 'int32' as unknown as DType }), `zeros: dtype got "int32", expected one of 'float32', 'float64'`);
    throwsExactly(() => T.zeros([2], { device: 'tpu' as unknown as Device }), `zeros: device got "tpu", expected one of 'cpu', 'gpu' (did you mean 'cpu'?)`);
    throwsExactly(() => z([2]).astype('int8' as unknown as DType), `astype: dtype must be 'float32' or 'float64', got "int8"`);
    throwsExactly(() => T.arange(0, 1, 0), 'arange: step must be non-zero, got 0');
    throwsExactly(() => T.linspace(0, 1, -1), 'linspace: steps must be a non-negative integer, got -1');
    throwsExactly(() => T.eye(-1), 'eye: size must be an array of non-negative integers, got [-1,-1]');
    throwsExactly(() => T.add(1 as unknown as Tensor, 2), 'add: expects at least one Tensor argument, got two numbers');
    throwsExactly(() => T.add('x' as unknown as Tensor, z([1])), 'add: a must be a Tensor, got "x"');
    throwsExactly(() => T.clamp(z([2]), 1, 0), 'clamp: min got 1 and max 0, expected min <= max (PyTorch gives max everywhere then)');
    throwsExactly(() => T.clamp(z([2])), 'clamp: expects at least one of min and max, got neither');
    throwsExactly(() => T.split(z([5]), 0), 'split: size must be a positive integer, got 0');
    throwsExactly(() => T.concat([]), 'concat: expects a non-empty array of tensors, got array(0)');
  });
});
