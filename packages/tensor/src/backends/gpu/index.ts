// Layer: tensor/backends/gpu. Placeholder until the gpu.js backend lands (issue 3).
import type { Backend } from '../../backend';
import { fail } from '../../errors';

/** The GPU backend; created on first use. */
export function gpuBackend(): Backend {
  return fail('gpu', "the 'gpu' device is not available in this build yet, expected device 'cpu'");
}
