// Layer: io. The package entry point: everything users import from '@propel-ts/io'.
export { saveSafetensors, loadSafetensors, loadSafetensorsMetadata, MAX_HEADER_BYTES } from './safetensors';
export { saveNpy, loadNpy, saveNpz, loadNpz, type NpzOptions } from './npy';
