/// <reference types="chai" preserve="true" />
// Layer: autograd, entry '@propel-ts/autograd/chai'. A chai plugin for gradient checks in any test suite:
// `expect(f).to.haveGradient(grad).at(x)` (checkGradient of a plain function) and
// `expect(op).to.passGradcheck(inputs)` (gradcheck of an op or a function of Variables). The failure
// message is the gradcheck message. chai is an optional peer dependency and ESM-only, so this file only
// references its types: the plugin receives chai from `chai.use(propelChai)`.
/**
 * A chai plugin for gradient checks: `chai.use(propelChai)`, then `expect(f).to.haveGradient(grad).at(x)` and
 * `expect(op).to.passGradcheck(inputs)`.
 *
 * @module @propel-ts/autograd/chai
 */
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { checkGradient, type AsFloat64, type CheckGradientOptions, type PlainGradient, type PlainValue } from './check-gradient';
import { gradcheck, type OpGradcheckOptions } from './gradcheck';
import type { GradcheckReport } from './gradcheck-core';
import type { Variable } from './variable';

/** What `haveGradient(grad)` returns: say where to check. */
export interface GradientAt {
  /** Run checkGradient(f, grad, x, options) and assert that it passes (or, after `.not`, that it fails). */
  at(x: unknown, options?: CheckGradientOptions): Chai.Assertion;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Chai {
    interface Assertion {
      /** The hand-written gradient (or vjp) of the plain function under test: `.haveGradient(grad).at(x)`. */
      haveGradient(grad: (x: never, dy: never) => PlainGradient, options?: CheckGradientOptions): GradientAt;
      /** gradcheck of the op (made by defineOp) or function of Variables under test at `inputs`. */
      passGradcheck(inputs: readonly (Tensor | Variable)[], options?: OpGradcheckOptions<unknown>): Assertion;
    }
  }
}

/** `options` with `report: true` (so a failure is asserted, not thrown); anything but an object is refused, not spread away. */
function reporting<O extends object>(fn: string, options: O | undefined): O & { report: true } {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new T.TensorError(`${fn}: options got ${T.describeValue(options)}, expected an options object`);
  }
  return { ...(options as O), report: true };
}

/**
 * The plugin: `chai.use(propelChai)`.
 *
 * ```ts
 * import * as chai from 'chai';
 * import { propelChai } from '@propel-ts/autograd/chai';
 * chai.use(propelChai);
 * chai.expect((x: number) => x * x).to.haveGradient((x: number) => 2 * x).at(3);
 * ```
 */
export function propelChai(chai: Chai.ChaiStatic, utils: Chai.ChaiUtils): void {
  const assertReport = (assertion: Chai.AssertionStatic, report: GradcheckReport, what: string) => {
    assertion.assert(report.passed, report.message ?? '', `expected ${what} to fail, but it passed (${report.checked} compared, max |diff| ${report.maxAbsError.toExponential(1)})`);
  };
  chai.Assertion.addMethod('haveGradient', function (this: Chai.AssertionStatic, grad: unknown, options?: CheckGradientOptions): GradientAt {
    const f = utils.flag(this, 'object') as unknown;
    // haveGradient(grad) alone checks nothing, and a test written so would always pass: unless .at(x)
    // follows in the same synchronous step, throw (mocha and jest fail the running test on it)
    let given = false;
    queueMicrotask(() => {
      if (!given) throw new T.TensorError(`haveGradient: ${grad instanceof Function && grad.name ? `haveGradient(${grad.name})` : 'haveGradient(grad)'} was never given a point, expected .haveGradient(grad).at(x): without .at nothing is checked`);
    });
    return {
      at: (x, more) => {
        given = true;
        type F = (x: AsFloat64<unknown>) => PlainValue;
        type G = (x: AsFloat64<unknown>, dy: AsFloat64<PlainValue>) => PlainGradient;
        const report = checkGradient(f as F, grad as G, x, { ...reporting('haveGradient', options), ...reporting('at', more) });
        assertReport(this, report, 'the gradient check');
        return this as unknown as Chai.Assertion;
      },
    };
  });
  chai.Assertion.addMethod('passGradcheck', function (this: Chai.AssertionStatic, inputs: readonly (Tensor | Variable)[], options?: OpGradcheckOptions<unknown>) {
    const fn = utils.flag(this, 'object') as (...xs: Variable[]) => Variable;
    assertReport(this, gradcheck(fn, inputs, reporting('passGradcheck', options)), 'gradcheck');
  });
}
