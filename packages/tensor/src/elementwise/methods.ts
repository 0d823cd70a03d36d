// Layer: tensor/elementwise. One method per declared op, for a class whose free functions take the receiver
// first: `x.tanh()` is `tanh(x)`, `x.atan2(y)` is `atan2(x, y)`. Tensor (tensor-methods.ts) and the
// autograd package's Variable (variable-methods.ts) install these on their prototypes, each from its own
// functions. Imports the op lists and the arity check.
import { checkArity } from '../options';
import { BINARY_OPS, UNARY_OPS } from './index';

type Fn = (...args: unknown[]) => unknown;

/**
 * `{ tanh(), ..., atan2(other), ... }`: for every op of UNARY_OPS a method of no argument and for every op of
 * BINARY_OPS a method of one, each calling `fns[op]` with the receiver first. `receiver` and `other` name
 * the two in the usage an arity error shows (`x.tanh()`, `x.add(other)`); `home` says where a missing function should be (a declared op
 * without one is a bug, caught when the package loads).
 */
export function elementwiseMethods(fns: object, receiver: string, other: string, home: string): Record<string, Fn> {
  const table = fns as Record<string, unknown>;
  const fnOf = (name: string): Fn => {
    const f = table[name];
    if (typeof f !== 'function') throw new Error(`internal: the elementwise op '${name}' is declared but has no function in ${home}`);
    return f as Fn;
  };
  const out: Record<string, Fn> = {};
  for (const name of UNARY_OPS) {
    const f = fnOf(name);
    out[name] = function (this: unknown): unknown {
      checkArity(name, arguments, 0, `${receiver}.${name}()`);
      return f(this);
    };
  }
  for (const name of BINARY_OPS) {
    const f = fnOf(name);
    out[name] = function (this: unknown, b: unknown): unknown {
      checkArity(name, arguments, 1, `${receiver}.${name}(${other})`);
      return f(this, b);
    };
  }
  return out;
}
