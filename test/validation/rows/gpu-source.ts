// Rows for the GPU kernel-source helpers (packages/tensor/src/backends/gpu/codegen.ts).
import { type RowFile } from '../../helpers/export-rows';

export const rows: RowFile['rows'] = {
  '@propel-ts/tensor': {
    gpuSource: { exempt: 'a namespace of text builders for runGpuKernel sources (fn, splitIndex, address), called while a kernel is written; tested in test/tensor/gpu-source.test.ts' },
  },
};
