// For resolvers that ignore package.json "exports" (TypeScript's node10 resolution): see chai.js.
export * from './dist/chai';
