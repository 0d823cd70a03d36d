// Layer: autograd/optim. Optimizers with PyTorch's update rules and learning-rate schedulers (the `optim`
// namespace of @propel-ts/autograd): torch.optim.SGD, Adam, AdamW, RMSprop, Adagrad, StepLR, CosineAnnealingLR.
export * from './optimizer';
export * from './sgd';
export * from './adam';
export * from './rmsprop';
export * from './adagrad';
export * from './schedulers';
