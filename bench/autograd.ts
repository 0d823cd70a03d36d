// Tape overhead: forward + backward of a 2-64-64-16 tanh MLP at batch 256, once through autograd and
// once as the same tensor ops written out by hand (forward and the hand-derived backward). The
// difference is what the tape itself costs (recording nodes, wrapping values, walking the graph).
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import type { Report } from './harness';

export function runAutogradBench(report: Report): void {
  if (!report.wants('W2.tape')) return;
  const sizes = [2, 64, 64, 16];
  const batch = 256;
  const model = new A.nn.MLP(sizes, { seed: 0 });
  const layers = model.layers.filter((l): l is A.nn.Linear => l instanceof A.nn.Linear);
  const x = T.randn([batch, 2], { seed: 1 });
  const dy = T.randn([batch, 16], { seed: 2 });

  const viaTape = () => {
    model.zeroGrad();
    const y = model.forward(x);
    y.backward(dy);
    return layers[0]!.weight.grad;
  };
  // the same math with tensor ops only: y = tanh(x W1ᵀ + b1) ... and its backward
  const byHand = () => {
    const acts: Tensor[] = [x];
    let h = x;
    layers.forEach((l, i) => {
      h = T.add(T.matmul(h, l.weight.value.transpose(0, 1)), l.bias!.value);
      if (i + 1 < layers.length) h = T.tanh(h);
      acts.push(h);
    });
    let g = dy;
    const grads: Tensor[] = [];
    for (let i = layers.length - 1; i >= 0; i--) {
      if (i + 1 < layers.length) g = T.mul(g, T.sub(1, T.square(acts[i + 1]!))); // tanh'
      grads.push(T.matmul(g.transpose(0, 1), acts[i]!), T.sum(g, { axis: 0 }));
      if (i > 0) g = T.matmul(g, layers[i]!.weight.value);
    }
    return grads;
  };
  const params = { sizes: sizes.join('-'), batch, dtype: 'float32', device: 'cpu' };
  // warm both paths up fully first (the tape path has more functions for the JIT to optimise), then
  // time them in alternating rounds so drift in the machine's speed hits both alike
  for (let i = 0; i < 300; i++) { viaTape(); byHand(); }
  const tapeTimes: number[] = [];
  const handTimes: number[] = [];
  for (let round = 0; round < 10; round++) {
    for (const [fn, times] of [[viaTape, tapeTimes], [byHand, handTimes]] as const) {
      for (let i = 0; i < 30; i++) {
        const t0 = performance.now();
        fn();
        times.push(performance.now() - t0);
      }
    }
  }
  const median = (xs: number[]) => Number(xs.sort((a, b) => a - b)[xs.length >> 1]!.toFixed(4));
  const tape = { median_ms: median(tapeTimes), runs: tapeTimes.length };
  const hand = { median_ms: median(handTimes), runs: handTimes.length };
  const overhead = (tape.median_ms - hand.median_ms) / tape.median_ms;
  report.add({ workload: 'W2.tape.autograd', params: { ...params, overhead_pct: Number((100 * overhead).toFixed(1)) }, ...tape });
  report.add({ workload: 'W2.tape.ref-tensor-ops', params, ...hand });
}
