// The PROPEL inputs that test/web/threads-page.ts (in the browser) and threads.e2e.test.ts (in Node) both draw.
import * as T from '@propel-ts/tensor';

/** A float32 `[B, 4, 4]` prediction and `[B, 2]` target: normal samples drawn from `seed` and `seed + 1`. */
export function propelInputs(B: number, seed: number): { output: Float32Array; target: Float32Array } {
  return { output: T.randn([B, 4, 4], { seed }).toTypedArray() as Float32Array, target: T.randn([B, 2], { seed: seed + 1 }).toTypedArray() as Float32Array };
}
