// For resolvers that ignore package.json "exports" (TypeScript's node10 resolution, old bundlers):
// '@propel-ts/tensor/node' is this file. Node and modern tools use the "exports" map instead.
module.exports = require('./dist/node.js');
