// Layer: io. The package entry point: everything users import from '@propel-ts/io'.
/**
 * Trade tensors and models with PyTorch, NumPy and ONNX: bytes in, bytes out.
 *
 * @module @propel-ts/io
 */
export { saveSafetensors, loadSafetensors, loadSafetensorsMetadata, MAX_HEADER_BYTES } from './safetensors';
