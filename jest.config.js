'use strict';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': '@swc/jest' },
  setupFiles: ['<rootDir>/test/support/loopback-only.js'],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 60000,
  reporters: [
    'default',
    '<rootDir>/test/faults/support/figures-reporter.js',
    '<rootDir>/test/support/summary-reporter.js',
  ],
  maxWorkers: 2,
};
