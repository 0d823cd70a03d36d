// "Trained in PyTorch, evaluated here": test/fixtures/io/torch-mlp.safetensors is the state dict of a
// torch.nn.Sequential(Linear(4,16), Tanh, Linear(16,16), Tanh, Linear(16,12)) trained with the torchpropel
// loss, torch-mlp-data.safetensors its held-out inputs, the outputs PyTorch computed, the targets and the
// torchpropel loss (float64, the equations evaluated literally). Both were written by
// test/fixtures/io/generate.py; no Python runs here.
import { expect } from 'chai';
import { readFileSync } from 'fs';
import { join } from 'path';
import * as T from '@propel-ts/tensor';
import { nn, noGrad } from '@propel-ts/autograd';
import { propelLoss } from '@propel-ts/propel';
import { loadSafetensors, loadSafetensorsMetadata, saveSafetensors } from '@propel-ts/io';

const DIR = join(__dirname, '..', 'fixtures', 'io');
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, name)));

describe('io: a PyTorch-trained MLP with a PROPEL head', () => {
  const state = loadSafetensors(read('torch-mlp.safetensors'));
  const dataBytes = read('torch-mlp-data.safetensors');
  const data = loadSafetensors(dataBytes);
  const meta = loadSafetensorsMetadata(dataBytes);
  const [sigma, I, n] = [Number(meta.sigma), Number(meta.I), Number(meta.n)];

  it('torch state_dict() keys and shapes are exactly those of nn.MLP([4, 16, 16, I*2n])', () => {
    const model = new nn.MLP([4, 16, 16, I * 2 * n]);
    expect(Object.keys(state).sort()).to.deep.equal(Object.keys(model.stateTensors()).sort());
    for (const [name, t] of Object.entries(model.stateTensors())) expect(state[name]!.shape, name).to.deep.equal(t.shape);
  });

  it('loads into nn.MLP and reproduces PyTorch\'s outputs (1e-6, float32) and its torchpropel loss (1e-6)', () => {
    const model = new nn.MLP([4, 16, 16, I * 2 * n], { seed: 99 });
    model.loadStateDict(state);
    const x = data.input!;
    const B = x.shape[0]!;
    const output = noGrad(() => model.forward(x)).value.reshape(B, I, 2 * n);
    expect(output.dtype).to.equal('float32');
    const want = data.output!;
    expect(output.shape).to.deep.equal(want.shape);
    const got = output.toTypedArray();
    const ref = want.toTypedArray();
    let worst = 0;
    for (let k = 0; k < ref.length; k++) worst = Math.max(worst, Math.abs(got[k]! - ref[k]!));
    expect(worst, 'max |ours - torch| of the outputs').to.be.at.most(1e-6);

    // the loss in mode 'torchpropel' of PyTorch's outputs equals the loss PyTorch computed (1e-6); of our
    // outputs, which differ from PyTorch's by float32 rounding, it agrees to 1e-5 (the small predicted
    // variances amplify a 1e-7 change of an output about tenfold)
    const f64 = (t: T.Tensor) => T.astype(t, 'float64');
    const lossOf = (out: T.Tensor, mode?: 'torchpropel') => propelLoss(f64(out), f64(data.target!), { sigma, mode }).value.item();
    const torchLoss = data.loss!.item();
    expect(Math.abs(lossOf(want, 'torchpropel') - torchLoss), 'loss of torch outputs').to.be.at.most(1e-6);
    expect(Math.abs(lossOf(output, 'torchpropel') - torchLoss), 'loss of our outputs').to.be.at.most(1e-5);
    // and 'paper' mode differs for n = 2 (torchpropel's H(P_gt) is the 1-D formula): the mode matters
    expect(Math.abs(lossOf(want) - torchLoss)).to.be.above(0.1);
  });

  it('saving the loaded model gives back PyTorch\'s file byte for byte', () => {
    const model = new nn.MLP([4, 16, 16, I * 2 * n]);
    model.loadStateDict(state);
    expect(Array.from(saveSafetensors(model.stateTensors()))).to.deep.equal(Array.from(read('torch-mlp.safetensors')));
  });
});
