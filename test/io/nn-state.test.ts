// State dicts of the issue #12 modules through safetensors: a model with LayerNorm (and Dropout and the new
// activations, which hold no parameters) has exactly the keys and shapes torch.nn's state_dict() has for the
// same torch.nn.Sequential, written out below, and loads back bit for bit.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import { nn, noGrad } from '@propel-ts/autograd';
import { loadSafetensors, saveSafetensors } from '@propel-ts/io';

/** Sequential(Linear(3, 4), LayerNorm(4), GELU(), Dropout(0.1), Linear(4, 2), LayerNorm([2]), SiLU()). */
const model = () => new nn.Sequential(
  new nn.Linear(3, 4, { seed: 1 }), new nn.LayerNorm(4), new nn.GELU(), new nn.Dropout(0.1),
  new nn.Linear(4, 2, { seed: 2 }), new nn.LayerNorm([2], { eps: 1e-6 }), new nn.SiLU(),
);

describe('io: LayerNorm state dicts in safetensors', () => {
  it("the keys and shapes of torch.nn.Sequential(...).state_dict(): 'i.weight' and 'i.bias' of normalized_shape", () => {
    const state = loadSafetensors(saveSafetensors(model().stateTensors()));
    const shapes = Object.fromEntries(Object.entries(state).map(([k, t]) => [k, t.shape]));
    expect(shapes).to.deep.equal({
      '0.weight': [4, 3], '0.bias': [4], '1.weight': [4], '1.bias': [4],
      '4.weight': [2, 4], '4.bias': [2], '5.weight': [2], '5.bias': [2],
    });
  });

  it('a trained-looking LayerNorm (weight, bias changed) round-trips and the loaded model computes the same', () => {
    const a = model().eval();
    const ln = a.layers[1] as nn.LayerNorm;
    ln.weight!.value = T.tensor([0.5, 2, -1, 1.5]);
    ln.bias!.value = T.tensor([0.1, -0.2, 0.3, 0]);
    const bytes = saveSafetensors(a.stateTensors());
    const b = model().eval();
    b.loadStateDict(loadSafetensors(bytes));
    expect(Array.from((b.layers[1] as nn.LayerNorm).weight!.value.toTypedArray())).to.deep.equal(Array.from(Float32Array.from([0.5, 2, -1, 1.5])));
    const x = T.tensor([[0.3, -1, 2], [1, 0.5, -0.25]]);
    expect(Array.from(noGrad(() => b.forward(x)).value.toTypedArray())).to.deep.equal(Array.from(noGrad(() => a.forward(x)).value.toTypedArray()));
    // a LayerNorm without affine parameters has no entries (torch: elementwise_affine=False, an empty state_dict)
    expect(Object.keys(new nn.LayerNorm(4, { elementwiseAffine: false }).stateTensors())).to.deep.equal([]);
  });
});
