'use strict';
// Refuses every outbound connection that is not to a loopback address, so a
// test can never reach a real Stripe, Moltin or Google endpoint by accident.
// Loaded by jest (setupFiles) and, through NODE_OPTIONS, by every process the
// tests spawn.
const fs = require('node:fs');
const net = require('node:net');

const loopbackHosts = new Set(['localhost', '::1', '[::1]']);

function isLoopback(host) {
  if (host === undefined || host === null || host === '') return true;
  if (loopbackHosts.has(host)) return true;
  return net.isIPv4(host) && host.startsWith('127.');
}

function targetHost(args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first !== null && typeof first === 'object') {
    if (first.path !== undefined && first.port === undefined) return 'localhost';
    return first.host;
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return 'localhost';
  return typeof args[1] === 'string' ? args[1] : undefined;
}

// Errors can be swallowed by the code that made the connection (Google's
// auth library does that for its metadata probe), so each refusal is also
// written down for the test run's teardown to fail on.
function recordViolation(message) {
  const file = process.env.LOOPBACK_VIOLATIONS_FILE;
  if (file) fs.appendFileSync(file, `${process.pid} ${message}\n`);
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  const host = targetHost(args);
  if (!isLoopback(host)) {
    const error = new Error(
      `loopback-only: refused a connection to ${host}; tests may only ` +
        'reach servers they started on 127.0.0.1'
    );
    process.stderr.write(`${error.message}\n`);
    recordViolation(error.message);
    throw error;
  }
  return originalConnect.apply(this, args);
};

process.env.METADATA_SERVER_DETECTION = 'none';
