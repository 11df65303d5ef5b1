#!/usr/bin/env node
'use strict';
/**
 * Stages the functions' deployable package in infra/build/source, which
 * Terraform zips and uploads (functions.tf). Run after `npm run build`:
 *
 *   npm run package:source [-- --root DIR --out DIR]
 *
 * The package holds what Cloud Functions' Node.js build needs and nothing
 * else: package.json, package-lock.json and the compiled dist/functions.
 * The build installs the production dependencies from the lock file. The
 * staged package.json keeps every dependency list (so that the lock file
 * still matches it) but none of the scripts: an empty `gcp-build` stands
 * in for them, because the build would otherwise run `build`, which needs
 * the TypeScript compiler and sources the package does not carry.
 */
const fs = require('node:fs');
const path = require('node:path');

const compiledDir = path.join('dist', 'functions');

function parseArguments(argv) {
  const root = path.resolve(__dirname, '..');
  const options = { root, out: undefined };
  for (let index = 0; index < argv.length; index++) {
    if (argv[index] === '--root') options.root = path.resolve(argv[++index]);
    else if (argv[index] === '--out') options.out = path.resolve(argv[++index]);
    else throw new Error(`unknown argument ${argv[index]}; use --root DIR --out DIR`);
  }
  options.out ??= path.join(options.root, 'infra', 'build', 'source');
  return options;
}

/** Returns the package.json the deployed package carries. */
function deployedManifest(manifest) {
  return { ...manifest, scripts: { 'gcp-build': '' } };
}

/** Copies a directory tree. */
function copyTree(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target);
    else if (entry.isFile()) fs.copyFileSync(source, target);
  }
}

function stage({ root, out }) {
  const manifestPath = path.join(root, 'package.json');
  const lockPath = path.join(root, 'package-lock.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  if (!fs.existsSync(lockPath)) {
    throw new Error(`${lockPath} is missing: the deployed build installs from it`);
  }

  // The entry point must be inside what is staged, or the function cannot load.
  const main = path.normalize(manifest.main ?? '');
  if (!main.startsWith(compiledDir + path.sep)) {
    throw new Error(`package.json main (${manifest.main}) is not under ${compiledDir}`);
  }
  if (!fs.existsSync(path.join(root, main))) {
    throw new Error(`${main} is missing: run \`npm run build\` first`);
  }

  // Start empty, so that files removed from the build do not linger.
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(
    path.join(out, 'package.json'),
    `${JSON.stringify(deployedManifest(manifest), null, 2)}\n`
  );
  fs.copyFileSync(lockPath, path.join(out, 'package-lock.json'));
  copyTree(path.join(root, compiledDir), path.join(out, compiledDir));
  return out;
}

try {
  const out = stage(parseArguments(process.argv.slice(2)));
  process.stdout.write(`staged the functions' package in ${out}\n`);
} catch (error) {
  process.stderr.write(`package-source: ${error.message}\n`);
  process.exitCode = 1;
}
