// The one validation rule (packages/tensor/src/options.ts), on its own: unknown keys with a did-you-mean
// (PyTorch's spellings included), a value given where an options object belongs (the correct form in the
// message), numbers with ranges, strings printed as strings, arity, seeds and the axis argument forms.
import { expect } from 'chai';
import {
  TensorError, axisOptions, checkArity, checkOptions, describeValue, didYouMean, optBoolean, optNumber, optOneOf, optSeed,
} from '@propel-ts/tensor';

function throwsExactly(f: () => unknown, message: string): void {
  let caught: unknown;
  try { f(); } catch (e) { caught = e; }
  expect(caught, message).to.be.instanceOf(TensorError);
  expect((caught as Error).message).to.equal(message);
}

describe('options: the one validation rule', () => {
  it('describeValue quotes strings, so "0.1" never reads as a number', () => {
    expect(describeValue('0.1')).to.equal('"0.1"');
    expect(describeValue(0.1)).to.equal('0.1');
    expect(describeValue(-0)).to.equal('-0');
    expect(describeValue([1, '2'])).to.equal('[1, "2"]');
    expect(describeValue(null)).to.equal('null');
    expect(describeValue(new Map())).to.equal('a Map');
  });

  it('didYouMean: close spellings, case-insensitive, nothing for a far key', () => {
    expect(didYouMean('sigm', ['sigma', 'reduction'])).to.equal('sigma');
    expect(didYouMean('KEEPDIMS', ['axis', 'keepDims'])).to.equal('keepDims');
    expect(didYouMean('zzz', ['axis', 'keepDims'])).to.equal(undefined);
  });

  it('checkOptions: unknown keys name the function, the key, a did-you-mean (PyTorch spellings too) and the accepted keys', () => {
    throwsExactly(() => checkOptions('f', { sigm: 1 }, ['sigma', 'mode']), "f: unknown option 'sigm' (did you mean 'sigma'?); accepted options: sigma, mode");
    throwsExactly(() => checkOptions('sum', { dim: 1 }, ['axis', 'keepDims']), "sum: unknown option 'dim' (did you mean 'axis'?); accepted options: axis, keepDims");
    throwsExactly(() => checkOptions('Adam', { learningRate: 1 }, ['lr', 'eps']), "Adam: unknown option 'learningRate' (did you mean 'lr'?); accepted options: lr, eps");
    throwsExactly(() => checkOptions('g', { x: 1 }, []), "g: unknown option 'x'; it takes no options");
    expect(checkOptions('f', undefined, ['a'])).to.deep.equal({});
    const o = { a: 1 };
    expect(checkOptions('f', o, ['a'])).to.equal(o);
    expect(checkOptions('f', Object.create(null) as object, ['a'])).to.deep.equal({});
  });

  it('checkOptions: a value where the options object belongs names the correct form', () => {
    throwsExactly(() => checkOptions('zeros', 'float64', ['dtype', 'device'], 'zeros(shape, OPTIONS)'), 'zeros: expected zeros(shape, { dtype: "float64" }), got zeros(shape, "float64")');
    throwsExactly(() => checkOptions('zeros', 'gpu', ['dtype', 'device'], 'zeros(shape, OPTIONS)'), 'zeros: expected zeros(shape, { device: "gpu" }), got zeros(shape, "gpu")');
    throwsExactly(() => checkOptions('randn', 42, ['dtype', 'seed'], 'randn(shape, OPTIONS)'), 'randn: expected randn(shape, { seed: 42 }), got randn(shape, 42)');
    throwsExactly(() => checkOptions('f', [1], ['a', 'b'], 'f(x, OPTIONS)'), 'f: expected f(x, { a?, b? }), got f(x, [1])');
    throwsExactly(() => checkOptions('f', new Date(0), ['a']), 'f: options got a Date, expected an options object { a? }');
    throwsExactly(() => checkOptions('f', 3, ['a'], 'f(x, { a })'), 'f: options got 3, expected f(x, { a })');
  });

  it('optNumber: type, NaN, infinity, integer and ranges, with what was given', () => {
    expect(optNumber('f', 'k', undefined, 7)).to.equal(7);
    expect(optNumber('f', 'k', 0.5, 7, { min: 0, max: 1 })).to.equal(0.5);
    throwsExactly(() => optNumber('f', 'sigma', '0.1', 1), 'f: sigma got "0.1", expected a finite number');
    throwsExactly(() => optNumber('f', 'k', NaN, 1, { infinite: true }), 'f: k got NaN, expected a number');
    throwsExactly(() => optNumber('f', 'k', Infinity, 1), 'f: k got Infinity, expected a finite number');
    throwsExactly(() => optNumber('f', 'k', 1.5, 1, { integer: true, min: 1 }), 'f: k got 1.5, expected an integer >= 1');
    throwsExactly(() => optNumber('f', 'lr', 0, 1, { min: 0, minExclusive: true }), 'f: lr got 0, expected a finite number > 0');
    throwsExactly(() => optNumber('f', 'k', 1, 0, { max: 1, maxExclusive: true }), 'f: k got 1, expected a finite number < 1');
  });

  it('optBoolean, optOneOf, optSeed', () => {
    expect(optBoolean('f', 'k', undefined, true)).to.equal(true);
    throwsExactly(() => optBoolean('f', 'k', 'true', false), 'f: k got "true", expected true or false');
    expect(optOneOf('f', 'r', 'sum', ['mean', 'sum'], 'mean')).to.equal('sum');
    throwsExactly(() => optOneOf('f', 'r', 'summ', ['mean', 'sum'], 'mean'), "f: r got \"summ\", expected one of 'mean', 'sum' (did you mean 'sum'?)");
    expect(optSeed('f', 'seed', -3)).to.equal(-3);
    expect(optSeed('f', 'seed', undefined)).to.equal(undefined);
    expect(() => optSeed('f', 'seed', 2 ** 60)).to.throw(TensorError, 'f: seed got 1152921504606847000, expected an integer');
  });

  it('checkArity: an extra positional argument throws with the correct form', () => {
    function f(a: number) { checkArity('f', arguments, 1, 'f(a)'); return a; }
    expect(f(1)).to.equal(1);
    throwsExactly(() => (f as (...a: unknown[]) => unknown)(1, 2), 'f: got 2 arguments, expected at most 1: f(a) (an extra argument would be ignored)');
  });

  it("axisOptions: PyTorch's positional axis, a list of axes, or { axis, keepDims }", () => {
    expect(axisOptions('sum', 1, 'sum(x, OPTIONS)')).to.deep.equal({ axis: 1, keepDims: false });
    expect(axisOptions('sum', [0, 1], 'sum(x, OPTIONS)')).to.deep.equal({ axis: [0, 1], keepDims: false });
    expect(axisOptions('sum', { axis: -1, keepDims: true }, 'sum(x, OPTIONS)')).to.deep.equal({ axis: -1, keepDims: true });
    expect(axisOptions('sum', undefined, 'sum(x, OPTIONS)')).to.deep.equal({ axis: undefined, keepDims: false });
    throwsExactly(() => axisOptions('sum', { axis: '1' }, 'sum(x, OPTIONS)'), 'sum: axis got "1", expected an integer or an array of integers');
    throwsExactly(() => axisOptions('sum', ['1'], 'sum(x, OPTIONS)'), 'sum: axis got ["1"], expected an integer or an array of integers');
    throwsExactly(() => axisOptions('argmax', [0, 1], 'argmax(x, OPTIONS)', false), 'argmax: expected argmax(x, { axis?, keepDims? }), got argmax(x, [0, 1])');
    throwsExactly(() => axisOptions('softmax', { axis: 1, keepDims: true }, 'softmax(x, OPTIONS)', false, false), "softmax: unknown option 'keepDims'; accepted options: axis");
  });
});
