// Layer: autograd. PyTorch's positional first option, shared by the constructors that take it: an
// optimizer's learning rate (`new Adam(params, 0.1)`), a scheduler's step (`new StepLR(opt, 30)`), an
// activation module's parameter (`new nn.ELU(0.5)`). Imports the tensor package's option checks.
import * as T from '@propel-ts/tensor';

/**
 * The options of a constructor in either of PyTorch's forms: a number, which is the first key's value, or
 * an object of the accepted keys, checked for unknown ones (`usage` shows the call in the message).
 */
export function positionalOptions<K extends string>(name: string, options: unknown, keys: readonly [K, ...K[]], usage: string): { readonly [P in K]?: unknown } {
  if (typeof options === 'number') return { [keys[0]]: options } as { readonly [P in K]?: unknown };
  return T.checkOptions(name, options, keys, usage);
}
