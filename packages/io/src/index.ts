// Layer: io. The package entry point: everything users import from '@propel-ts/io'.
/**
 * Trade tensors and models with PyTorch, NumPy and ONNX: safetensors, .npy/.npz and ONNX export, bytes in and bytes out.
 *
 * @module @propel-ts/io
 */
export { saveSafetensors, loadSafetensors, loadSafetensorsMetadata, MAX_HEADER_BYTES } from './safetensors';
export { saveNpy, loadNpy, saveNpz, loadNpz, type NpzOptions } from './npy';
export { exportOnnx, ONNX_IR_VERSION, ONNX_OPSETS, type OnnxExportOptions } from './onnx';
