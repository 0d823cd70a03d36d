// Layer: autograd. The recording state and the node type. A node is one recorded op application: its
// inputs, its output, what its forward saved, and its backward. Nodes are numbered as they are
// created, so creation order is a topological order and backward walks it in reverse (the "tape").
// Imports the option checks of the tensor package.
import * as T from '@propel-ts/tensor';
import type { Variable } from './variable';

/** What backward receives about the op application it differentiates. */
export interface BackwardContext<S, P> {
  /** The op's inputs, in call order (constants included, as Variables without requiresGrad). */
  readonly inputs: readonly Variable[];
  /** The op's output. */
  readonly output: Variable;
  /** Whatever forward returned as `saved`. */
  readonly saved: S;
  /** The non-tensor parameters the op was called with. */
  readonly params: P;
  /** Which inputs need a gradient (backward may return null for the others). */
  readonly needsGrad: readonly boolean[];
}

/** A recorded op application. */
export interface Node {
  /** Creation number: larger means later, so reverse order is a valid backward order. */
  readonly id: number;
  readonly name: string;
  readonly inputs: readonly Variable[];
  /** The op's output (the Variable whose gradient this node's backward consumes). */
  readonly output: Variable;
  /** Null after backward released the node (unless retainGraph). */
  ctx: BackwardContext<unknown, unknown> | null;
  readonly backward: (dy: Variable, ctx: BackwardContext<unknown, unknown>) => readonly (Variable | null)[];
  /** The backward is a fused kernel: its result cannot be differentiated again. */
  readonly onceDifferentiable: boolean;
  /**
   * What the op saw when it ran: for each input, then the output, the Variable's `assignments` and its
   * value's storage `version`. Backward refuses to run the node when one of them changed since.
   */
  readonly versions: readonly number[];
}

/** The versions a node records for its inputs and output (see `Node.versions`). */
export function versionsOf(inputs: readonly Variable[], output: Variable): number[] {
  const versions = new Array<number>(2 * inputs.length + 2);
  for (let i = 0; i < inputs.length; i++) {
    versions[2 * i] = inputs[i]!.assignments;
    versions[2 * i + 1] = inputs[i]!.value.version;
  }
  versions[2 * inputs.length] = output.assignments;
  versions[2 * inputs.length + 1] = output.value.version;
  return versions;
}

let recording = true;
let nextId = 0;

/** True when ops record nodes for backward (false inside `noGrad`). */
export function isRecording(): boolean {
  T.checkArity('isRecording', arguments, 0, 'isRecording()');
  return recording;
}

/** A fresh node number. */
export function newNodeId(): number {
  return nextId++;
}

/**
 * Run `fn` with recording off: ops inside build no graph (like `torch.no_grad()`).
 *
 * ```ts
 * const y = noGrad(() => model.forward(x));   // inference: no nodes, no saved values
 * ```
 */
export function noGrad<R>(fn: () => R): R {
  T.checkArity('noGrad', arguments, 1, 'noGrad(() => ...)');
  return withRecording('noGrad', false, fn);
}

/** Run `fn` with recording on (inside a `noGrad`, e.g. to build a graph in a backward with createGraph). */
export function enableGrad<R>(fn: () => R): R {
  T.checkArity('enableGrad', arguments, 1, 'enableGrad(() => ...)');
  return withRecording('enableGrad', true, fn);
}

function withRecording<R>(name: string, on: boolean, fn: () => R): R {
  if (typeof fn !== 'function') throw new T.TensorError(`${name}: fn got ${T.describeValue(fn)}, expected a function to run`);
  const prev = recording;
  recording = on;
  let out: R;
  try {
    out = fn();
  } finally {
    recording = prev;
  }
  // an async fn returns at its first await, and recording is restored then: the rest would run as if outside
  if (out !== null && (typeof out === 'object' || typeof out === 'function') && typeof (out as { then?: unknown }).then === 'function') {
    throw new T.TensorError(`${name}: fn returned a Promise, expected a synchronous function: ${name} ends at fn's first await, and what fn does after it would not be ${on ? 'recorded' : 'kept out of the graph'}; call ${name} around the synchronous part inside the async function`);
  }
  return out;
}
