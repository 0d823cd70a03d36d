// Layer: autograd/nn. Neural-network building blocks (the `nn` namespace of @propel-ts/autograd): Module
// (parameters, train/eval, state dicts), layers, activations and containers, with seeded initialisation.
// Names, shapes and layouts of the parameters equal those of the matching torch.nn modules, so a state dict
// travels to and from PyTorch unchanged (through safetensors, see @propel-ts/io).
export * from './module';
export * from './layers';
export * from './activations';
export * from './containers';
