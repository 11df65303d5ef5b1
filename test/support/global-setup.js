'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// Shared by the jest workers and every process they spawn (they inherit the
// environment), so that one file collects all refused connections.
module.exports = async function globalSetup() {
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
