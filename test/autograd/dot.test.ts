// toDot: the DOT text of known small graphs compared with graphs written out by hand, names from a module's
// namedParameters(), value and gradient summaries (gradients against d/dx by hand), and the text parsed by
// a real Graphviz (@viz-js/viz) so that it is valid DOT.
import { expect } from 'chai';
import { tensor } from '@propel-ts/tensor';
import { variable, toDot, nn } from '@propel-ts/autograd';

describe('toDot: a picture of the tape', () => {
  it('draws y = sum(x·w + x) as written by hand: leaves, ops in recording order, edges in input order', () => {
    const x = variable(tensor([1, 2], { dtype: 'float64' }), { requiresGrad: true });
    const w = tensor([3, 4], { dtype: 'float64' });
    const y = x.mul(w).add(x).sum();
    y.backward();
    // d/dx sum(x·w + x) = w + 1 = [4, 5]; values: x·w = [3, 8], + x = [4, 10], sum 14
    expect(toDot(y, { names: { x }, values: true, grads: true })).to.equal(`digraph tape {
  rankdir=LR;
  node [fontname="Helvetica", fontsize=11];
  v0 [shape=ellipse, label="x\\n[2] float64\\nvalue [1, 2]\\ngrad [4, 5]"];
  v1 [shape=ellipse, label="const\\n[2] float64\\nvalue [3, 4]", style=filled, fillcolor="#eeeeee"];
  op0 [shape=box, label="mul\\n[2] float64\\nvalue [3, 8]"];
  op1 [shape=box, label="add\\n[2] float64\\nvalue [4, 10]"];
  op2 [shape=box, label="sum\\n[] float64\\nvalue [14]", penwidth=2];
  v0 -> op0 [label="0"];
  v1 -> op0 [label="1"];
  op0 -> op1 [label="0"];
  v0 -> op1 [label="1"];
  op1 -> op2;
}
`);
  });

  it('draws a shared value once (a diamond), and the same text whatever ran before', () => {
    const build = () => {
      const a = variable(tensor([[0.5]]), { requiresGrad: true });
      const t = a.tanh();
      return toDot(t.mul(t).sum());
    };
    const first = build();
    for (let i = 0; i < 5; i++) variable(tensor([1]), { requiresGrad: true }).exp().sum();   // other graphs in between
    expect(build()).to.equal(first);
    expect(first).to.equal(`digraph tape {
  rankdir=LR;
  node [fontname="Helvetica", fontsize=11];
  v0 [shape=ellipse, label="leaf\\n[1,1] float32"];
  op0 [shape=box, label="tanh\\n[1,1] float32"];
  op1 [shape=box, label="mul\\n[1,1] float32"];
  op2 [shape=box, label="sum\\n[] float32", penwidth=2];
  v0 -> op0;
  op0 -> op1 [label="0"];
  op0 -> op1 [label="1"];
  op1 -> op2;
}
`);
  });

  it("names a module's parameters from namedParameters(), and summarises large values by min/mean/max", () => {
    const model = new nn.Linear(3, 2, { seed: 0 });
    const x = variable(tensor([[1, 2, 3], [4, 5, 6]]));
    const y = model.forward(x).sum();
    const dot = toDot(y, { names: model.namedParameters(), values: true });
    for (const [name, p] of model.namedParameters()) {
      expect(dot, name).to.contain(`label="${name}\\n[${p.shape.join(',')}] float32`);
    }
    expect(dot).to.contain('label="const\\n[2,3] float32\\nvalue min 1  mean 3.5  max 6"');
    expect(dot).to.not.contain('label="leaf');
  });

  it('is valid DOT: Graphviz (@viz-js/viz) renders it to an SVG with one node per value', async () => {
    const { instance } = require('@viz-js/viz') as typeof import('@viz-js/viz');
    const viz = await instance();
    const model = new nn.MLP([2, 4, 1], { seed: 1 });
    const y = model.forward(variable(tensor([[0.5, -1]]))).sum();
    const dot = toDot(y, { names: model.namedParameters(), values: true });
    const svg = viz.renderString(dot, { format: 'svg' });
    const drawn = (svg.match(/<g id="node\d+" class="node">/g) ?? []).length;
    const declared = (dot.match(/^ {2}(v|op)\d+ \[/gm) ?? []).length;
    expect(drawn).to.equal(declared).and.to.be.above(5);
  });

  it('refuses what it cannot draw, naming the argument', () => {
    const y = variable(tensor([1]), { requiresGrad: true }).sum();
    expect(() => toDot(tensor([1]) as never)).to.throw(/toDot: output got a Tensor, expected a Variable/);
    expect(() => toDot(y, { value: true } as never)).to.throw(/toDot: unknown option 'value' \(did you mean 'values'\?\)/);
    expect(() => toDot(y, { grads: 'yes' } as never)).to.throw(/toDot: grads got "yes", expected true or false/);
    expect(() => toDot(y, { names: [['w', 3]] } as never)).to.throw(/toDot: names got an entry/);
    expect(() => (toDot as (...a: unknown[]) => string)(y, {}, 1)).to.throw(/toDot: got 3 arguments/);
  });
});
