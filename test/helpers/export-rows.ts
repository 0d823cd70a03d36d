// The probe rows of test/validation/exports.test.ts: the Row type and the common probes, shared by that file
// and the row files in test/validation/rows/ (each exports `rows`: a partial table by package name).
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import type { Variable } from '@propel-ts/autograd';

/** A probe of one export. */
export interface Probe {
  /** The arguments of a valid call (a fresh set per call: some calls consume them, e.g. a graph). */
  args: () => unknown[];
  /** Index in `args` of the options object, when the export takes one. */
  options?: number;
  /** An option key and a value of the wrong type or range for it. */
  wrong?: [string, unknown];
  /** More refused calls: arguments and a text the message must contain. */
  bad?: [() => unknown[], string][];
  /** The name the messages use, when not the export's own (e.g. 'Variable'). */
  mentions?: string;
  /** Skip the valid call (it has a global side effect). */
  noValidCall?: true;
  /** Why the extra-argument probe is not run yet (a known gap, shown as a pending test). */
  arityPending?: string;
}
export type Row = Probe | { exempt: string };

export const f64 = { dtype: 'float64' } as const;
export const x23 = () => T.tensor([[1, 2, 3], [4, 5, 6]], f64);
export const v23 = () => A.variable(x23(), { requiresGrad: true });
export const idx = () => T.tensor([[0], [1]], f64);
export const EXTRA = 'an extra argument';

export const CONSTANT = { exempt: 'a constant, not callable' };
export const ERROR_CLASS = { exempt: 'an Error class: its one argument is the message' };
export const HELPER = { exempt: 'a validation helper itself (tested in test/validation/options.test.ts and test/tensor/errors.test.ts)' };
export const SHAPE = { exempt: 'shape arithmetic on plain arrays, inside every op (no options; tested in test/tensor/shape.test.ts)' };
export const INTERNAL = { exempt: 'backend machinery used by the packages themselves (no options)' };
export const GPU = { exempt: "the 'gpu' backend (packages/tensor/src/backends/gpu): not covered by this table yet, see docs/pytorch.md" };
export const PER_ELEMENT = { exempt: 'a scalar helper called once per element inside the kernels: checks there would cost per element' };

export const unary: Probe = { args: () => [x23()] };
export const binary: Probe = { args: () => [x23(), x23()] };
export const reduction: Probe = { args: () => [x23(), {}], options: 1, wrong: ['keepDims', 'yes'] };
export const vUnary: Probe = { args: () => [v23()] };
export const vBinary: Probe = { args: () => [v23(), v23()] };
export const vReduction: Probe = { args: () => [v23(), {}], options: 1, wrong: ['axis', '1'] };
export const sq = (x: Variable) => A.sum(A.square(x));


/** What a file in test/validation/rows/ exports. */
export type RowFile = { rows: Partial<Record<'@propel-ts/tensor' | '@propel-ts/autograd' | '@propel-ts/propel' | '@propel-ts/io', Record<string, Row>>> };
