// Example helper: command-line flags for the example scripts (Node's util.parseArgs), with one behaviour
// for every mistake: print what was wrong and the help, exit with status 2. No library code.
import { parseArgs } from 'node:util';

/** Print `script: message`, the help, and exit 2. */
export function usageError(script: string, help: string, message: string): never {
  console.error(`${script}: ${message}\n\n${help}`);
  process.exit(2);
}

/**
 * String flags `--name value` with defaults, plus `--help`. Returns the values, or null after printing the
 * help when `--help` was given.
 */
export function parseFlags<K extends string>(script: string, help: string, defaults: Record<K, string>): Record<K, string> | null {
  const options: Record<string, { type: 'string' | 'boolean'; default: string | boolean }> = { help: { type: 'boolean', default: false } };
  for (const [name, value] of Object.entries<string>(defaults)) options[name] = { type: 'string', default: value };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ options }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    return usageError(script, help, e instanceof Error ? e.message : String(e));
  }
  if (values.help) {
    console.log(help);
    return null;
  }
  return values as Record<K, string>;
}

/** `value` as an integer in [min, max], or a usage error naming the flag. */
export function intFlag(script: string, help: string, name: string, value: string, min: number, max = Infinity): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Infinity ? `>= ${min}` : `in ${min}..${max}`;
    usageError(script, help, `--${name} must be an integer ${range}, got ${JSON.stringify(value)}`);
  }
  return n;
}
