'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

// Shared by the jest workers and every process they spawn (they inherit the
// environment), so that one file collects all refused connections.
module.exports = async function globalSetup() {
  // The integration tests run the functions as deployed: compiled, under the
  // Functions Framework. Build them from the sources under test. tsc emits
  // even when it finds type errors; `npm test` type-checks before jest runs.
  const root = path.join(__dirname, '..', '..');
  const build = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')],
    { encoding: 'utf8' }
  );
  if (!fs.existsSync(path.join(root, 'dist/functions/index.js'))) {
    throw new Error(`the build produced no dist/functions/index.js:\n${build.stdout}${build.stderr}`);
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loopback-'));
  process.env.LOOPBACK_VIOLATIONS_FILE = path.join(dir, 'violations.log');
  process.env.METADATA_SERVER_DETECTION = 'none';
  process.env.NODE_OPTIONS = [
    process.env.NODE_OPTIONS,
    `--require ${path.join(__dirname, 'loopback-only.js')}`,
  ]
    .filter(Boolean)
    .join(' ');
};
