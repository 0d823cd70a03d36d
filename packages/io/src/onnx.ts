// Layer: io. ONNX export of feed-forward models (Sequential / MLP of Linear, Tanh, ReLU, Sigmoid, LeakyReLU,
// ELU, SiLU, Dropout): one MatMul + Add per Linear (the weight stored transposed, [in, out], as an
// initializer), one node per activation (SiLU: Sigmoid and Mul), Dropout as Identity (inference), a
// dynamic batch dimension. The bytes are a ModelProto encoded by protobufjs from the official
// onnx.proto (v1.12.0, IR version 8, embedded in onnx-proto.ts). Imports tensor, autograd, protobufjs and
// elements.ts.
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { nn } from '@propel-ts/autograd';
import * as protobuf from 'protobufjs';
import { encodeTensor } from './elements';
import { ONNX_PROTO } from './onnx-proto';

/** The IR version written: 8 (ONNX 1.10 to 1.12), which older checkers and runtimes accept. */
export const ONNX_IR_VERSION = 8;
/** Opsets exportOnnx can target (every op it emits is unchanged across them). */
export const ONNX_OPSETS = { min: 13, max: 17, default: 17 } as const;

/** Options of exportOnnx. */
export interface OnnxExportOptions {
  /** The input's shape; `null` marks a dynamic dimension (the batch: `[null, 4]`). The last one is the feature size. */
  inputShape: (number | null)[];
  /** Operator set version, 13 to 17 (default 17). */
  opset?: number;
}

/** TensorProto.DataType values. */
const ELEM_TYPE = { float32: 1, float64: 11 } as const;

let modelType: protobuf.Type | undefined;
/** onnx.ModelProto, parsed from the official schema on first use. */
function modelProto(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

/** The layers exportOnnx writes, for its error message. */
const SUPPORTED = 'Linear, Tanh, ReLU, Sigmoid, LeakyReLU, ELU, SiLU, Dropout';

/**
 * The one-node ONNX form of an elementwise layer: its op type and attributes (a float attribute is stored
 * as float32, as ONNX defines it), or undefined when there is none.
 */
function activationNode(layer: nn.Module): { op: string; attribute: object[] } | undefined {
  const alpha = (f: number) => [{ name: 'alpha', type: 'FLOAT', f }];
  if (layer instanceof nn.Tanh) return { op: 'Tanh', attribute: [] };
  if (layer instanceof nn.ReLU) return { op: 'Relu', attribute: [] };
  if (layer instanceof nn.Sigmoid) return { op: 'Sigmoid', attribute: [] };
  if (layer instanceof nn.LeakyReLU) return { op: 'LeakyRelu', attribute: alpha(layer.slope) };
  if (layer instanceof nn.ELU) return { op: 'Elu', attribute: alpha(layer.alpha) };
  // inference graph: dropout is the identity (Identity exists in every opset, and keeps a graph of only
  // Dropout valid)
  if (layer instanceof nn.Dropout) return { op: 'Identity', attribute: [] };
  return undefined;
}

/** The leaf modules of a (possibly nested) Sequential, in order. */
function layersOf(module: nn.Module): nn.Module[] {
  return module instanceof nn.Sequential ? module.layers.flatMap(layersOf) : [module];
}

type Dim = { dim_value: number } | { dim_param: string };

/**
 * Export a feed-forward model as ONNX bytes, for ONNX Runtime (Node, web, Python) or any ONNX tool.
 * Supported: `nn.Sequential` / `nn.MLP` (nested too) of `Linear`, `Tanh`, `ReLU`, `Sigmoid`, `LeakyReLU`,
 * `ELU`, `SiLU` and `Dropout` (exported as Identity: the graph is for inference, as torch.onnx.export's
 * default eval mode), all float32 or all float64. Not yet: `GELU` (ONNX's Gelu needs opset 20) and
 * `LayerNorm` (LayerNormalization needs opset 17 and is not written yet): they are refused by name. The graph has one input `input` of `inputShape` (each `null` a named dynamic dimension, the
 * first one `batch`) and one output `output`. IR version 8, opset 17 by default (`opset` 13 to 17).
 *
 * ```ts
 * import { nn } from '@propel-ts/autograd';
 * import { exportOnnx } from '@propel-ts/io';
 * const bytes = exportOnnx(new nn.MLP([2, 8, 1]), { inputShape: [null, 2] });
 * bytes.length > 0;   // true: write it to model.onnx
 * ```
 */
export function exportOnnx(model: nn.Module, options: OnnxExportOptions): Uint8Array {
  const fn = 'exportOnnx';
  T.checkArity(fn, arguments, 2, 'exportOnnx(model, { inputShape, opset })');
  if (!(model instanceof nn.Module)) throw new T.TensorError(`${fn}: model got ${T.describeValue(model)}, expected an nn.Module (Sequential or MLP)`);
  if (options === undefined) throw new T.TensorError(`${fn}: options are required: exportOnnx(model, { inputShape: [null, features] })`);
  const o = T.checkOptions(fn, options, ['inputShape', 'opset'], 'exportOnnx(model, { inputShape: [null, features], opset: 17 })');
  const opset = T.optNumber(fn, 'opset', o.opset, ONNX_OPSETS.default, { integer: true, min: ONNX_OPSETS.min, max: ONNX_OPSETS.max });
  const inputShape = o.inputShape;
  const isDim = (d: unknown) => d === null || (typeof d === 'number' && Number.isInteger(d) && d > 0);
  if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every(isDim) || typeof inputShape[inputShape.length - 1] !== 'number') {
    throw new T.TensorError(`${fn}: inputShape got ${T.describeValue(inputShape)}, expected positive integers or null (dynamic), ending in the feature size, e.g. [null, 4]`);
  }

  const layers = layersOf(model);
  if (layers.length === 0) throw new T.TensorError(`${fn}: the model has no layers`);
  const linears = layers.filter((l): l is nn.Linear => l instanceof nn.Linear);
  const dtype = linears[0]?.weight.dtype ?? 'float32';
  const nodes: object[] = [];
  const initializers: object[] = [];
  let features = inputShape[inputShape.length - 1] as number;
  let current = 'input';
  const fresh = (base: string) => `${base}_${nodes.length}`;
  const initializer = (name: string, t: Tensor) => {
    initializers.push({ name, dims: [...t.shape], data_type: ELEM_TYPE[dtype], raw_data: encodeTensor(t) });
    return name;
  };
  layers.forEach((layer, i) => {
    const where = `layer ${i} (${layer.constructor.name})`;
    if (layer instanceof nn.Linear) {
      if (layer.inFeatures !== features) throw new T.TensorError(`${fn}: ${where} takes ${layer.inFeatures} features, but its input has ${features}`);
      for (const p of [layer.weight, layer.bias]) {
        if (p && p.dtype !== dtype) throw new T.TensorError(`${fn}: ${where} is ${p.dtype} but the model's first layer is ${dtype}; ONNX needs one element type`);
      }
      const w = initializer(`${i}.weight_t`, T.copy(layer.weight.value.transpose(0, 1))); // [in, out]: x · Wᵀ is MatMul(x, Wᵀ)
      const product = fresh('matmul');
      nodes.push({ op_type: 'MatMul', name: product, input: [current, w], output: [product] });
      current = product;
      if (layer.bias) {
        const b = initializer(`${i}.bias`, layer.bias.value);
        const sum = fresh('add');
        nodes.push({ op_type: 'Add', name: sum, input: [current, b], output: [sum] });
        current = sum;
      }
      features = layer.outFeatures;
      return;
    }
    if (layer instanceof nn.SiLU) {
      // x·σ(x): ONNX has no SiLU before opset 24
      const sig = fresh('sigmoid');
      nodes.push({ op_type: 'Sigmoid', name: sig, input: [current], output: [sig] });
      const out = fresh('mul');
      nodes.push({ op_type: 'Mul', name: out, input: [current, sig], output: [out] });
      current = out;
      return;
    }
    const node = activationNode(layer);
    if (!node) throw new T.TensorError(`${fn}: ${where} is not supported yet; supported: ${SUPPORTED} (in Sequential or MLP)`);
    const out = fresh(node.op.toLowerCase());
    nodes.push({ op_type: node.op, name: out, input: [current], output: [out], attribute: node.attribute });
    current = out;
  });
  // the last node writes the graph output
  const last = nodes[nodes.length - 1] as { output: string[] } | undefined;
  if (!last) throw new T.TensorError(`${fn}: the model has no layers`);
  last.output = ['output'];

  let dynamic = 0;
  const dims = (shape: (number | null)[]): Dim[] => shape.map((d) => (d === null ? { dim_param: dynamic++ === 0 ? 'batch' : `dim_${dynamic - 1}` } : { dim_value: d }));
  const inputDims = dims(inputShape as (number | null)[]);
  const outputDims = [...inputDims.slice(0, -1), { dim_value: features }];
  const valueInfo = (name: string, shape: Dim[]) => ({ name, type: { tensor_type: { elem_type: ELEM_TYPE[dtype], shape: { dim: shape } } } });

  const Model = modelProto();
  const message = Model.fromObject({
    ir_version: ONNX_IR_VERSION,
    producer_name: 'propel-ts',
    opset_import: [{ domain: '', version: opset }],
    graph: {
      name: model.constructor.name,
      node: nodes,
      initializer: initializers,
      input: [valueInfo('input', inputDims)],
      output: [valueInfo('output', outputDims)],
    },
  });
  return Model.encode(message).finish();
}
