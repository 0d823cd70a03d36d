// Layer: autograd. A picture of the tape: `toDot(output)` writes the graph that produced a Variable as
// Graphviz DOT text (no dependency; render it with any Graphviz, e.g. @viz-js/viz in the examples). One box
// per recorded op, one ellipse per leaf; edges go from each value to the ops that read it, in the order of
// the ops' inputs. Imports tensor, Variable, and backward's walk of the graph.
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { collect } from './backward';
import { Variable } from './variable';

/** What `toDot` draws besides names, shapes and dtypes. */
export interface ToDotOptions {
  /** Show a summary of each value (a few elements, or min/mean/max). Default false. */
  values?: boolean;
  /** Show each leaf's accumulated gradient (`grad`) the same way. Default false. */
  grads?: boolean;
  /**
   * Names for leaves, e.g. `model.namedParameters()` (pairs), or a record or Map from name to Variable.
   * Leaves without a name are called `leaf`, constants `const`.
   */
  names?: Iterable<readonly [string, Variable]> | Record<string, Variable> | ReadonlyMap<string, Variable>;
}

/** A tensor in a few characters: up to 4 elements as they are, else min / mean / max. */
function summary(t: Tensor): string {
  if (t.device !== 'cpu' && !T.canReadSync(t)) return '(on the device)';
  const data = T.toHost(t);
  const g = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : String(x));
  if (data.length <= 4) return `[${Array.from(data, g).join(', ')}]`;
  let [min, max, sum] = [Infinity, -Infinity, 0];
  for (const x of data) {
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  return `min ${g(min)}  mean ${g(sum / data.length)}  max ${g(max)}`;
}

/** A DOT string literal. */
function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function namesOf(names: ToDotOptions['names']): Map<Variable, string> {
  const out = new Map<Variable, string>();
  if (names === undefined) return out;
  const pairs: Iterable<readonly [string, unknown]> = names instanceof Map || Symbol.iterator in (names as object)
    ? (names as Iterable<readonly [string, unknown]>)
    : Object.entries(names as Record<string, unknown>);
  for (const pair of pairs) {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string' || !(pair[1] instanceof Variable)) {
      throw new T.TensorError(`toDot: names got an entry ${T.describeValue(pair)}, expected [name, Variable] pairs (model.namedParameters()), or a record or Map from name to Variable`);
    }
    if (!out.has(pair[1])) out.set(pair[1], pair[0]);
  }
  return out;
}

/**
 * The graph that produced `output`, as Graphviz DOT text: one box per recorded op (its name, output shape and
 * dtype), one ellipse per leaf (named from `options.names`, grey when it needs no gradient), edges from each
 * value to the ops that read it in input order, and the output drawn bold. Ops are listed in recording
 * order, the order backward walks in reverse. Works before and after `backward()` (the graph's structure is
 * kept; only what backward needs is released).
 *
 * ```ts
 * const x = variable(tensor([1, 2]), { requiresGrad: true });
 * const dot = toDot(x.mul(x).sum(), { names: { x } });   // 'digraph tape { ... }': paste it into any Graphviz
 * ```
 *
 * @param output The Variable whose graph to draw (usually a loss).
 * @param options `values`, `grads` (summaries) and `names` (leaf names), see {@link ToDotOptions}.
 */
export function toDot(output: Variable, options: ToDotOptions = {}): string {
  T.checkArity('toDot', arguments, 2, 'toDot(output, { values, grads, names })');
  if (!(output instanceof Variable)) throw new T.TensorError(`toDot: output got ${T.describeValue(output)}, expected a Variable`);
  const o = T.checkOptions('toDot', options, ['values', 'grads', 'names'], 'toDot(output, { values, grads, names })');
  const showValues = T.optBoolean('toDot', 'values', o.values, false);
  const showGrads = T.optBoolean('toDot', 'grads', o.grads, false);
  const names = namesOf(o.names as ToDotOptions['names']);

  // the recorded ops reachable from the output, in recording order
  const ordered = collect(output).reverse();

  const ids = new Map<Variable, string>();
  const lines = ['digraph tape {', '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=11];'];
  const describeTensor = (v: Variable) => `${T.fmtShape(v.shape)} ${v.dtype}`;
  const extra = (v: Variable) => {
    const parts: string[] = [];
    if (showValues) parts.push(`value ${summary(v.value)}`);
    if (showGrads && v.isLeaf && v.requiresGrad) parts.push(`grad ${v.grad ? summary(v.grad) : 'none'}`);
    return parts.map((p) => `\n${p}`).join('');
  };
  // leaves in the order the ops first read them
  const leafOrder = ordered.flatMap((n) => n.inputs.filter((v) => v.isLeaf));
  if (output.isLeaf) leafOrder.push(output);
  let k = 0;
  for (const v of leafOrder) {
    if (ids.has(v)) continue;
    const id = `v${k++}`;
    ids.set(v, id);
    const name = names.get(v) ?? (v.requiresGrad ? 'leaf' : 'const');
    const style = v.requiresGrad ? '' : ', style=filled, fillcolor="#eeeeee"';
    lines.push(`  ${id} [shape=ellipse, label=${quote(`${name}\n${describeTensor(v)}${extra(v)}`)}${style}];`);
  }
  // ops numbered op0, op1, ... in recording order (not by the global node counter: the text is the same
  // whatever ran before)
  ordered.forEach((n, i) => ids.set(n.output, `op${i}`));
  for (const n of ordered) {
    const id = ids.get(n.output)!;
    const bold = n.output === output ? ', penwidth=2' : '';
    lines.push(`  ${id} [shape=box, label=${quote(`${n.name}\n${describeTensor(n.output)}${extra(n.output)}`)}${bold}];`);
  }
  for (const n of ordered) {
    n.inputs.forEach((v, i) => {
      const label = n.inputs.length > 1 ? ` [label="${i}"]` : '';
      lines.push(`  ${ids.get(v)!} -> ${ids.get(n.output)!}${label};`);
    });
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
