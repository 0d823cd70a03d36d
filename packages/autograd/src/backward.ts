// Layer: autograd. Reverse mode: collect the nodes reachable from the output, walk them in reverse
// creation order, call each backward, check each gradient's shape, accumulate, and release what the
// nodes saved. Iterative (no recursion), so deep graphs cannot overflow the stack.
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { enableGrad, newNodeId, noGrad, type Node } from './tape';
import { Variable } from './variable';
import { add } from './ops/elementwise';

/** Options of `backward()` and `grad()`. */
export interface BackwardOptions {
  /** Keep the graph's saved values so backward can run through it again. Default false. */
  retainGraph?: boolean;
  /** Record the backward itself so gradients can be differentiated again (implies retainGraph). */
  createGraph?: boolean;
}

/**
 * Accumulate d(output)/d(leaf) into the `grad` of every leaf that requires it (like `y.backward()`).
 * `dy` is the upstream gradient, required unless `output` has one element.
 */
export function backward(output: Variable, dy?: Tensor, options?: BackwardOptions): void {
  T.checkArity('backward', arguments, 3, 'backward(output, dy, { retainGraph, createGraph })');
  const o = backwardOptions('backward', options, 'backward(output, dy, OPTIONS)');
  const accumulate = (): Variable[] => {
    const leaves: Variable[] = [];
    for (const [v, g] of run('backward', output, dy, o, null)) {
      if (v.isLeaf && v.requiresGrad) {
        const gt = g.value;
        v.grad = v.grad === null ? gt : T.add(v.grad, gt);
        leaves.push(v);
      }
    }
    return leaves;
  };
  if (o.createGraph) {
    accumulate();
    return;
  }
  // every temporary of the backward pass goes back to the CPU buffer pool; only the leaves' gradients stay
  T.recycleScope(accumulate, (leaves) => leaves.map((v) => v.grad!));
}

/**
 * The gradients of `output` with respect to `inputs` (like `torch.autograd.grad`), returned rather
 * than accumulated. With `createGraph: true` the results are Variables in the graph, so they can be
 * differentiated again (Hessian-vector products, `grad(grad(f))`).
 */
export function grads(output: Variable, inputs: readonly Variable[], dy?: Tensor, options?: BackwardOptions): Variable[] {
  T.checkArity('grads', arguments, 4, 'grads(output, inputs, dy, { retainGraph, createGraph })');
  const o = backwardOptions('grads', options, 'grads(output, inputs, dy, OPTIONS)');
  if (!Array.isArray(inputs)) throw new T.TensorError(`grads: inputs got ${T.describeValue(inputs)}, expected an array of Variables (grads(y, [x]), not grads(y, x))`);
  inputs.forEach((x, i) => {
    if (!(x instanceof Variable) || !x.requiresGrad) {
      throw new T.TensorError(`grads: inputs[${i}] ${x instanceof Variable ? 'does not require a gradient' : `got ${T.describeValue(x)}`}, expected a Variable with requiresGrad`);
    }
  });
  const collect = () => {
    const found = run('grads', output, dy, o, new Set(inputs));
    return inputs.map((x) => found.get(x) ?? new Variable(T.zerosLike(x.value)));
  };
  if (o.createGraph) return collect();
  return T.recycleScope(collect, (gs) => gs.map((g) => g.value));
}

/**
 * `grad(f)` is the function x ↦ df/dx for a scalar-valued `f` (composable: `grad(grad(f))`).
 *
 * ```ts
 * const f = (x: Variable) => x.pow(3).sum();
 * grad(f)(tensor([2], { dtype: 'float64' }));         // 3x² → [12]
 * grad(grad(f))(tensor([2], { dtype: 'float64' }));   // 6x → [12] (grad needs a one-element result)
 * ```
 */
export function grad(f: (x: Variable) => Variable): (x: Variable | Tensor) => Variable {
  T.checkArity('grad', arguments, 1, 'grad(f)');
  if (typeof f !== 'function') throw new T.TensorError(`grad: f got ${T.describeValue(f)}, expected a function of one Variable`);
  return function (x: Variable | Tensor): Variable {
    T.checkArity('grad(f)', arguments, 1, 'grad(f)(x)');
    const v = x instanceof Variable ? (x.requiresGrad ? x : new Variable(x.value, true)) : new Variable(x, true);
    return enableGrad(() => grads(f(v), [v], undefined, { createGraph: true })[0]!);
  };
}

/** The checked options of backward and grads. */
function backwardOptions(fn: string, options: unknown, usage: string): Required<BackwardOptions> {
  const o = T.checkOptions(fn, options, ['retainGraph', 'createGraph'], usage);
  const createGraph = T.optBoolean(fn, 'createGraph', o.createGraph, false);
  return { createGraph, retainGraph: T.optBoolean(fn, 'retainGraph', o.retainGraph, createGraph) };
}

function run(fn: string, output: Variable, dy: Tensor | undefined, options: Required<BackwardOptions>, capture: Set<Variable> | null): Map<Variable, Variable> {
  if (!(output instanceof Variable)) {
    throw new T.TensorError(`${fn}: output got ${T.describeValue(output)}, expected a Variable (a Tensor has no graph: compute the output from Variables with requiresGrad)`);
  }
  if (!output.requiresGrad) {
    throw new T.TensorError(`${fn}: the output does not require a gradient (no input had requiresGrad, or it was computed under noGrad)`);
  }
  let seed: Tensor;
  if (dy === undefined) {
    if (output.size !== 1) {
      throw new T.TensorError(`${fn}: output has shape ${T.fmtShape(output.shape)}, expected a scalar (pass dy of that shape for a non-scalar output)`);
    }
    seed = T.onesLike(output.value);
  } else {
    if (!(dy instanceof T.Tensor)) {
      throw new T.TensorError(`${fn}: dy got ${T.describeValue(dy)}, expected a Tensor of the output's shape ${T.fmtShape(output.shape)} (or nothing for a one-element output)`);
    }
    if (dy.shape.length !== output.shape.length || dy.shape.some((d, i) => d !== output.shape[i])) {
      throw new T.TensorError(`${fn}: dy has shape ${T.fmtShape(dy.shape)}, expected ${T.fmtShape(output.shape)} (the output's shape)`);
    }
    T.checkSame(fn, [output.value, dy], ['output', 'dy']);
    seed = dy;
  }
  const { createGraph, retainGraph: retain } = options;
  const nodes = collect(output);
  const grads = new Map<Variable, Variable>([[output, new Variable(seed)]]);
  const step = () => {
    for (const node of nodes) {
      const ctx = node.ctx;
      const out = node.output;
      const g = grads.get(out);
      if (!g) continue; // no gradient flows into this node (unused branch)
      if (ctx === null) {
        throw new T.TensorError(`${fn}: the graph through '${node.name}' was already released by an earlier backward, expected backward to run once per graph (pass retainGraph: true to run it again)`);
      }
      checkVersions(node);
      const dxs: unknown = node.backward(g, ctx);
      if (!Array.isArray(dxs) || dxs.length !== node.inputs.length) {
        const got = Array.isArray(dxs) ? `${dxs.length} gradients` : T.describeValue(dxs);
        throw new T.TensorError(`${fn}: the backward of '${node.name}' returned ${got}, expected an array of ${node.inputs.length} (one per input, null for an input without a gradient)`);
      }
      node.inputs.forEach((x, i) => {
        const dx: unknown = dxs[i];
        if (!x.requiresGrad || dx === null) return;
        if (!(dx instanceof Variable)) {
          throw new T.TensorError(`${fn}: gradient for input ${i} of '${node.name}' is ${T.describeValue(dx)}, expected a Variable or Tensor of shape ${T.fmtShape(x.shape)} (or null for no gradient)`);
        }
        if (dx.shape.length !== x.shape.length || dx.shape.some((d, k) => d !== x.shape[k])) {
          throw new T.TensorError(`${fn}: gradient for input ${i} of '${node.name}' has shape ${T.fmtShape(dx.shape)}, expected ${T.fmtShape(x.shape)}`);
        }
        const gx = createGraph && node.onceDifferentiable ? onceDifferentiableResult(node.name, dx) : dx;
        const prev = grads.get(x);
        grads.set(x, prev ? add(prev, gx) : gx);
      });
      if (!capture || !capture.has(out)) grads.delete(out);
      if (!retain) {
        node.ctx = null;
      }
    }
  };
  if (createGraph) enableGrad(step);
  else noGrad(step);
  if (capture) {
    const found = new Map<Variable, Variable>();
    for (const v of capture) {
      const g = grads.get(v);
      if (g) found.set(v, createGraph ? g : new Variable(g.value));
    }
    return found;
  }
  return grads;
}

/**
 * Refuse to differentiate a node whose inputs or output changed after it ran (an optimizer step, an
 * assignment to `value`, a loaded state dict): its backward would read the new values (as PyTorch's
 * version counter check). Stricter than PyTorch, which checks only the tensors an op saved.
 */
function checkVersions(node: Node): void {
  const n = node.inputs.length;
  for (let i = 0; i <= n; i++) {
    const v = i < n ? node.inputs[i]! : node.output;
    const [assigned, stored] = [node.versions[2 * i]!, node.versions[2 * i + 1]!];
    if (v.assignments === assigned && v.value.version === stored) continue;
    const what = i < n ? `input ${i}` : 'the output';
    const change = v.assignments !== assigned
      ? `its value was reassigned (assignment ${v.assignments}, expected ${assigned})`
      : `its storage was modified in place (version ${v.value.version}, expected ${stored})`;
    throw new T.TensorError(`backward: ${what} of '${node.name}' (shape ${T.fmtShape(v.shape)}) changed after the forward used it: ${change}; run backward before opt.step() or any other change, or recompute the forward`);
  }
}

/** Nodes reachable from `output`, latest first (backward's order; toDot draws them in reverse). */
export function collect(output: Variable): Node[] {
  const seen = new Set<Node>();
  const stack: Variable[] = [output];
  while (stack.length > 0) {
    const v = stack.pop()!;
    const node = v.node;
    if (node === null || seen.has(node)) continue;
    seen.add(node);
    for (const x of node.inputs) if (x.node !== null) stack.push(x);
  }
  return [...seen].sort((a, b) => b.id - a.id);
}

/**
 * A gradient from a fused backward, wrapped so that differentiating it again fails clearly. Its node gets
 * a fresh id like any other: the ops that later consume it have larger ids, so a second backward reaches
 * it after they have handed it a gradient (and throws) instead of before (and silently skipping it).
 */
function onceDifferentiableResult(name: string, dx: Variable): Variable {
  const out = new Variable(dx.value, true);
  out.node = {
    id: newNodeId(),
    name: `${name}.backward`,
    inputs: [],
    output: out,
    ctx: { inputs: [], output: out, saved: undefined, params: undefined, needsGrad: [] },
    backward: () => {
      throw new T.TensorError(`backward: '${name}' is once-differentiable (its backward is a fused kernel), expected no second-order gradient through it; use the composite version for higher-order derivatives`);
    },
    onceDifferentiable: true,
    versions: [0, out.value.version],
  };
  return out;
}
