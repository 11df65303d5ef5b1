'use strict';
const fs = require('node:fs');

module.exports = async function globalTeardown() {
  const file = process.env.LOOPBACK_VIOLATIONS_FILE;
  if (!file || !fs.existsSync(file)) return;
  const violations = fs.readFileSync(file, 'utf8').trim();
  if (violations !== '') {
    throw new Error(`connections outside loopback were attempted:\n${violations}`);
  }
};
