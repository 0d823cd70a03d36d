// Layer: tensor/backends. Maps a device to its backend. The CPU backend is always there; the GPU
// backend is created on first use, so gpu.js (and its native `gl`) is never loaded by CPU-only code.
import type { Backend } from '../backend';
import type { Device } from '../dtype';
import { cpuBackend } from './cpu';
import { gpuBackend } from './gpu';

/** The backend that owns tensors on `device`. */
export function backendFor(device: Device): Backend {
  switch (device) {
    case 'cpu':
      return cpuBackend;
    case 'gpu':
      return gpuBackend();
    default: {
      const never: never = device;
      throw new Error(`internal: unknown device ${String(never)}`);
    }
  }
}
