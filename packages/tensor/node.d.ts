// For resolvers that ignore package.json "exports" (TypeScript's node10 resolution): see node.js.
export * from './dist/node';
