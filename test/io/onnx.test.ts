// ONNX export, verified by running the exported bytes in ONNX Runtime (onnxruntime-web, from its wasm
// files in Node) and comparing with the model's own forward to 1e-6, for every supported opset, several
// batch sizes through the one dynamic batch dimension, each activation (LeakyReLU, ELU, SiLU and Dropout
// too), nested Sequentials, no-bias layers, float64, and a 3-D input; plus the ModelProto fields (IR
// version 8, opset, dims, attributes) decoded with protobufjs from the official onnx.proto, and clear
// errors for what cannot be exported (LayerNorm and GELU: not yet).
import { expect } from 'chai';
import { readFileSync } from 'fs';
import { join } from 'path';
import * as ort from 'onnxruntime-web';
import * as protobuf from 'protobufjs';
import * as T from '@propel-ts/tensor';
import { nn, noGrad } from '@propel-ts/autograd';
import { exportOnnx, ONNX_IR_VERSION } from '@propel-ts/io';

ort.env.wasm.numThreads = 1;
const IO = join(__dirname, '..', '..', 'packages', 'io');
const ONNX_PROTO = readFileSync(join(IO, 'onnx', 'onnx.proto'), 'utf8');

/** Run `bytes` in ONNX Runtime on `x` and return the output's values. */
async function runOrt(bytes: Uint8Array, x: T.Tensor): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes);
  const type = x.dtype === 'float64' ? 'float64' : 'float32';
  const result = await session.run({ input: new ort.Tensor(type, x.toTypedArray(), [...x.shape]) });
  const out = result.output!;
  return Array.from(out.data as Float32Array | Float64Array);
}

/** Max |ours - onnxruntime| over a batch. */
async function worstDiff(model: nn.Module, bytes: Uint8Array, x: T.Tensor): Promise<number> {
  const want = Array.from(noGrad(() => model.forward(x)).value.toTypedArray());
  const got = await runOrt(bytes, x);
  expect(got.length).to.equal(want.length);
  return got.reduce((m, g, k) => Math.max(m, Math.abs(g - want[k]!)), 0);
}

describe('exportOnnx: run in ONNX Runtime (onnxruntime-web, wasm)', function () {
  this.timeout(120000);
  const gen = new T.Generator(5);
  const input = (shape: number[], dtype: 'float32' | 'float64' = 'float32') =>
    T.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * gen.normal()), { shape, dtype });

  for (const opset of [13, 14, 15, 16, 17]) {
    it(`MLP([4, 16, 16, 6]) with tanh, opset ${opset}: outputs within 1e-6 at batch sizes 1, 5 and 32`, async () => {
      const model = new nn.MLP([4, 16, 16, 6], { seed: opset });
      const bytes = exportOnnx(model, { inputShape: [null, 4], opset });
      for (const B of [1, 5, 32]) expect(await worstDiff(model, bytes, input([B, 4])), `batch ${B}`).to.be.at.most(1e-6);
    });
  }

  it('ReLU and Sigmoid, nested Sequential, a layer without bias (default opset)', async () => {
    const model = new nn.Sequential(
      new nn.Linear(3, 8, { seed: 1 }), new nn.ReLU(),
      new nn.Sequential(new nn.Linear(8, 8, { seed: 2, bias: false }), new nn.Sigmoid()),
      new nn.MLP([8, 5, 2], { seed: 3, activation: 'relu' }),
    );
    const bytes = exportOnnx(model, { inputShape: [null, 3] });
    expect(await worstDiff(model, bytes, input([9, 3]))).to.be.at.most(1e-6);
  });

  it('LeakyReLU, ELU, SiLU and Dropout (Identity: the model is compared in eval mode), and MLPs of the new activations', async () => {
    const model = new nn.Sequential(
      new nn.Linear(3, 8, { seed: 7 }), new nn.LeakyReLU(0.2), new nn.Dropout(0.5, { seed: 1 }),
      new nn.Linear(8, 8, { seed: 8 }), new nn.ELU(0.5),
      new nn.Linear(8, 6, { seed: 9 }), new nn.SiLU(),
      new nn.MLP([6, 5, 2], { seed: 10, activation: 'elu' }),
    ).eval();
    const bytes = exportOnnx(model, { inputShape: [null, 3] });
    expect(await worstDiff(model, bytes, input([9, 3]))).to.be.at.most(1e-6);
    for (const activation of ['leakyRelu', 'silu'] as const) {
      const mlp = new nn.MLP([4, 7, 7, 3], { seed: 11, activation });
      expect(await worstDiff(mlp, exportOnnx(mlp, { inputShape: [null, 4], opset: 13 }), input([5, 4])), activation).to.be.at.most(1e-6);
    }
    // a model of only a Dropout is one Identity node
    const drop = new nn.Sequential(new nn.Dropout(0.3)).eval();
    expect(await worstDiff(drop, exportOnnx(drop, { inputShape: [null, 4] }), input([3, 4]))).to.equal(0);
  });

  it('float64 models export as DOUBLE and match to 1e-12', async () => {
    const model = new nn.MLP([3, 7, 2], { seed: 4, dtype: 'float64' });
    const bytes = exportOnnx(model, { inputShape: [null, 3] });
    expect(await worstDiff(model, bytes, input([6, 3], 'float64'))).to.be.at.most(1e-12);
  });

  it('a 3-D input [null, 5, 3] (batch of sequences) runs through MatMul broadcasting', async () => {
    const model = new nn.MLP([3, 4, 2], { seed: 6 });
    const bytes = exportOnnx(model, { inputShape: [null, 5, 3] });
    expect(await worstDiff(model, bytes, input([2, 5, 3]))).to.be.at.most(1e-6);
  });
});

describe('exportOnnx: the ModelProto', () => {
  const Model = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
  interface Dim { dim_value?: number; dim_param?: string }
  interface Decoded {
    ir_version: number;
    opset_import: { domain: string; version: number }[];
    graph: {
      node: { op_type: string }[];
      initializer: { name: string; dims: number[]; data_type: number }[];
      input: { name: string; type: { tensor_type: { elem_type: number; shape: { dim: Dim[] } } } }[];
      output: { name: string; type: { tensor_type: { elem_type: number; shape: { dim: Dim[] } } } }[];
    };
  }
  const decode = (bytes: Uint8Array) => Model.toObject(Model.decode(bytes), { longs: Number, defaults: false }) as Decoded;

  it('the schema embedded in the package is the official onnx.proto file (v1.12.0, IR version 8)', () => {
    expect(readFileSync(join(IO, 'src', 'onnx-proto.ts'), 'utf8')).to.contain(`export const ONNX_PROTO = ${JSON.stringify(ONNX_PROTO)};`);
    expect(ONNX_PROTO).to.contain('IR_VERSION = 0x0000000000000008;');
  });

  it('IR version 8, the opset asked for (17 by default), a dynamic batch, weights stored [in, out]', () => {
    const model = new nn.MLP([4, 3, 2]);
    const m = decode(exportOnnx(model, { inputShape: [null, 4] }));
    expect(m.ir_version).to.equal(ONNX_IR_VERSION).and.to.equal(8);
    expect(m.opset_import).to.deep.equal([{ domain: '', version: 17 }]);
    expect(decode(exportOnnx(model, { inputShape: [null, 4], opset: 13 })).opset_import[0]!.version).to.equal(13);
    expect(m.graph.node.map((n) => n.op_type)).to.deep.equal(['MatMul', 'Add', 'Tanh', 'MatMul', 'Add']);
    expect(m.graph.initializer.map((t) => [t.name, t.dims, t.data_type])).to.deep.equal([
      ['0.weight_t', [4, 3], 1], ['0.bias', [3], 1], ['2.weight_t', [3, 2], 1], ['2.bias', [2], 1],
    ]);
    expect(m.graph.input[0]!.name).to.equal('input');
    expect(m.graph.input[0]!.type.tensor_type.shape.dim).to.deep.equal([{ dim_param: 'batch' }, { dim_value: 4 }]);
    expect(m.graph.output[0]!.name).to.equal('output');
    expect(m.graph.output[0]!.type.tensor_type.shape.dim).to.deep.equal([{ dim_param: 'batch' }, { dim_value: 2 }]);
    // a fixed batch is a fixed dimension
    expect(decode(exportOnnx(model, { inputShape: [8, 4] })).graph.input[0]!.type.tensor_type.shape.dim).to.deep.equal([{ dim_value: 8 }, { dim_value: 4 }]);
  });

  it("LeakyReLU's slope and ELU's alpha are the nodes' float alpha attributes; SiLU is Sigmoid then Mul", () => {
    type Node = { op_type: string; input: string[]; attribute?: { name: string; f: number; type: number }[] };
    const model = new nn.Sequential(new nn.Linear(2, 3), new nn.LeakyReLU(0.2), new nn.ELU({ alpha: 0.7 }), new nn.SiLU(), new nn.Dropout());
    const nodes = decode(exportOnnx(model, { inputShape: [null, 2] })).graph.node as Node[];
    expect(nodes.map((n) => n.op_type)).to.deep.equal(['MatMul', 'Add', 'LeakyRelu', 'Elu', 'Sigmoid', 'Mul', 'Identity']);
    // AttributeProto.type 1 is FLOAT; ONNX stores the value as float32
    expect(nodes[2]!.attribute).to.deep.equal([{ name: 'alpha', type: 1, f: Math.fround(0.2) }]);
    expect(nodes[3]!.attribute).to.deep.equal([{ name: 'alpha', type: 1, f: Math.fround(0.7) }]);
    // Mul(x, σ(x)): its inputs are the Sigmoid's input and output
    expect(nodes[5]!.input).to.deep.equal([nodes[4]!.input[0], 'sigmoid_4']);
  });

  it('what cannot be exported is a clear error', () => {
    class Custom extends nn.Module { forward(x: T.Tensor) { return new nn.Tanh().forward(x); } }
    const mlp = new nn.MLP([4, 3, 2]);
    const throws = (f: () => unknown, message: string) => expect(f).to.throw(T.TensorError, message);
    throws(() => exportOnnx(new nn.Sequential(new nn.Linear(2, 2), new Custom()), { inputShape: [null, 2] }),
      'exportOnnx: layer 1 (Custom) is not supported yet; supported: Linear, Tanh, ReLU, Sigmoid, LeakyReLU, ELU, SiLU, Dropout (in Sequential or MLP)');
    throws(() => exportOnnx(new nn.Sequential(new nn.Linear(2, 2), new nn.LayerNorm(2)), { inputShape: [null, 2] }),
      'exportOnnx: layer 1 (LayerNorm) is not supported yet');
    throws(() => exportOnnx(new nn.MLP([2, 3, 1], { activation: 'gelu' }), { inputShape: [null, 2] }),
      'exportOnnx: layer 1 (GELU) is not supported yet');
    throws(() => exportOnnx(mlp, { inputShape: [null, 5] }), 'exportOnnx: layer 0 (Linear) takes 4 features, but its input has 5');
    throws(() => exportOnnx(mlp, { inputShape: [null, 4], opset: 12 }), 'exportOnnx: opset got 12, expected an integer >= 13 <= 17');
    throws(() => exportOnnx(mlp, { inputShape: [null, 4], opset: 18 }), 'exportOnnx: opset got 18');
    throws(() => exportOnnx(mlp, { inputShape: [4, null] }), 'exportOnnx: inputShape got [4, null], expected positive integers or null');
    throws(() => exportOnnx(mlp, { inputShape: [null, 0] }), 'exportOnnx: inputShape got [null, 0]');
    throws(() => exportOnnx(mlp, { inputShape: [null, 4], opsett: 13 } as never), "exportOnnx: unknown option 'opsett' (did you mean 'opset'?)");
    throws(() => exportOnnx(mlp, undefined as never), 'exportOnnx: options are required');
    throws(() => exportOnnx({} as nn.Module, { inputShape: [null, 4] }), 'exportOnnx: model got an object, expected an nn.Module');
    const mixed = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 2, { dtype: 'float64' }));
    throws(() => exportOnnx(mixed, { inputShape: [null, 2] }), 'exportOnnx: layer 1 (Linear) is float64 but the model\'s first layer is float32');
  });
});
