// For resolvers that ignore package.json "exports" (TypeScript's node10 resolution, old bundlers):
// '@propel-ts/autograd/chai' is this file. Node and modern tools use the "exports" map instead.
module.exports = require('./dist/chai.js');
