// Remove a package's build output before it is built again (its `build` script runs this first, from the
// package's folder): `tsc -b` only writes files, so a source that was moved or deleted (nn.ts becoming
// nn/index.ts) would otherwise leave its old .js and .d.ts in dist/, shadowing the new ones and shipping in
// the tarball. Also removes the incremental-build record, so that tsc writes everything again.
'use strict';
const { rmSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.cwd();
rmSync(join(dir, 'dist'), { recursive: true, force: true });
rmSync(join(dir, 'tsconfig.tsbuildinfo'), { force: true });
