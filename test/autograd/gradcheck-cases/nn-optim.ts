// Case file of the nn/optim area (issue #12). Its only top-level export is clipGradNorm; the nn layers
// (LayerNorm, Dropout) are gradchecked in test/autograd/nn-layers.test.ts.
import type { Case } from '../../helpers/gradcheck-inputs';

export const cases: Case[] = [];
// clipGradNorm rescales the `grad`s after backward and returns a number: it is not recorded on the tape,
// so there is nothing to differentiate (its values are checked in test/autograd/clip-grad.test.ts)
export const notOps = ['clipGradNorm'];
