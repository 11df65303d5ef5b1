#!/usr/bin/env node
'use strict';
/**
 * Writes the part of the Terraform providers' schemas that infra/ uses, so
 * the test suite can check infra/ against it without Terraform or network.
 *
 * The schemas come from the `.jsii` manifests of CDK for Terraform's
 * prebuilt provider packages, which are generated from the providers' own
 * schemas: every resource and data source type, with its arguments, nested
 * blocks, which of them are required, which blocks are single, and the
 * attributes the provider computes.
 *
 * To regenerate test/infra/fixtures/provider-schema.json (after adding a
 * resource type to infra/, or to move to another provider release), from
 * the repository root:
 *
 *   mkdir -p /tmp/provider-schema && npm install --prefix /tmp/provider-schema \
 *     --no-save --ignore-scripts \
 *     @cdktf/provider-google@16.12.1 @cdktf/provider-archive@11.0.1
 *   node scripts/extract-provider-schema.js \
 *     --package /tmp/provider-schema/node_modules/@cdktf/provider-google \
 *     --package /tmp/provider-schema/node_modules/@cdktf/provider-archive \
 *     --out test/infra/fixtures/provider-schema.json infra test/infra/broken
 *
 * @cdktf/provider-google 16.12.1 is generated from hashicorp/google 6.50.0
 * and @cdktf/provider-archive 11.0.1 from hashicorp/archive 2.7.1 (each
 * package's README names its provider version). The google package is about
 * 300 MB: install it outside the repository, never as a project dependency.
 *
 * The directories named last are scanned for the types to extract; a type
 * no package knows is reported and left out, so that the schema check can
 * catch it.
 */
const fs = require('node:fs');
const path = require('node:path');
const { parse } = require('@cdktf/hcl2json');

const usage =
  'usage: extract-provider-schema.js --package DIR [--package DIR...] ' + '--out FILE TF_DIR...';

function parseArguments(argv) {
  const options = { packages: [], out: undefined, dirs: [] };
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === '--package') options.packages.push(argv[++index]);
    else if (arg === '--out') options.out = argv[++index];
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}\n${usage}`);
    else options.dirs.push(arg);
  }
  if (options.packages.length === 0 || !options.out || options.dirs.length === 0) {
    throw new Error(usage);
  }
  return options;
}

/** Returns every `.tf` file under the directories, recursively. */
function terraformFiles(dirs) {
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && !entry.name.startsWith('.')) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.tf')) files.push(full);
    }
  };
  dirs.forEach(walk);
  return files.sort();
}

/** Returns the resource, data source and provider names the files use. */
async function usedTypes(files) {
  const used = { resources: new Set(), dataSources: new Set(), providers: new Set() };
  for (const file of files) {
    let body;
    try {
      body = await parse(file, fs.readFileSync(file, 'utf8'));
    } catch {
      // A broken copy that does not parse names no types worth extracting.
      continue;
    }
    Object.keys(body.resource ?? {}).forEach((type) => used.resources.add(type));
    Object.keys(body.data ?? {}).forEach((type) => used.dataSources.add(type));
    Object.keys(body.provider ?? {}).forEach((name) => used.providers.add(name));
    for (const type of [...used.resources, ...used.dataSources]) {
      used.providers.add(type.split('_')[0]);
    }
  }
  return used;
}

function camelToSnake(name) {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Returns an argument's Terraform name, read from its registry link. */
function terraformName(property) {
  const docs = `${property.docs?.remarks ?? ''} ${property.docs?.summary ?? ''}`;
  const link = docs.match(/#([a-z0-9_]+) [A-Za-z0-9]+#/);
  return link ? link[1] : camelToSnake(property.name);
}

/** Reads one provider package's manifest into a schema reader. */
function readPackage(dir) {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, '.jsii'), 'utf8'));
  const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
  const version = readme.match(/hashicorp\/([a-z0-9-]+) provider version ([0-9.]+)/);
  if (!version) throw new Error(`${dir}: README names no provider version`);
  const types = manifest.types;

  const isStruct = (fqn) => types[fqn]?.kind === 'interface' && types[fqn].datatype;

  /** Returns the struct a block argument holds, and whether it is single. */
  function blockOf(type) {
    if (type.fqn && isStruct(type.fqn)) return { fqn: type.fqn, nesting: 'single' };
    for (const member of type.union?.types ?? []) {
      if (member.fqn && isStruct(member.fqn)) return { fqn: member.fqn, nesting: 'single' };
      const element = member.collection?.elementtype;
      if (element?.fqn && isStruct(element.fqn)) {
        return { fqn: element.fqn, nesting: 'list' };
      }
    }
    return undefined;
  }

  /** Returns the object a computed attribute's getter type describes. */
  function computedObject(fqn) {
    if (!fqn.startsWith(`${manifest.name}.`)) return undefined;
    if (fqn.endsWith('OutputReference')) return { fqn, collection: 'object' };
    for (const [suffix, collection] of [
      ['List', 'list'],
      ['Map', 'map'],
    ]) {
      const element = `${fqn.slice(0, -suffix.length)}OutputReference`;
      if (fqn.endsWith(suffix) && types[element]) return { fqn: element, collection };
    }
    return undefined;
  }

  /** The attributes a class computes: getters with no argument behind them. */
  function computedAttributes(classFqn, settable) {
    const attributes = {};
    for (const property of types[classFqn]?.properties ?? []) {
      if (property.static || property.name === 'internalValue') continue;
      if (property.name.endsWith('Input')) continue;
      const name = camelToSnake(property.name);
      if (settable.has(name)) continue;

      const attribute = { computed: true };
      const object = property.type.fqn && computedObject(property.type.fqn);
      if (object) {
        attribute.collection = object.collection;
        attribute.nested = computedAttributes(object.fqn, new Set());
      }
      attributes[name] = attribute;
    }
    return attributes;
  }

  /** Returns the schema of a config struct and its getters' class. */
  function blockSchema(structFqn, classFqn) {
    const block = { attributes: {}, blocks: {} };
    for (const property of types[structFqn].properties ?? []) {
      const name = terraformName(property);
      const nested = blockOf(property.type);
      if (nested) {
        const entry = { nesting: nested.nesting };
        if (!property.optional) entry.min = 1;
        entry.block = blockSchema(nested.fqn, `${nested.fqn}OutputReference`);
        block.blocks[name] = entry;
      } else {
        block.attributes[name] = property.optional ? { optional: true } : { required: true };
      }
    }
    const settable = new Set([...Object.keys(block.attributes), ...Object.keys(block.blocks)]);
    Object.assign(block.attributes, computedAttributes(classFqn, settable));
    return sortKeys(block);
  }

  // Each resource, data source and the provider is a class whose doc
  // comment links its registry page, which gives its Terraform name.
  const index = { resource: new Map(), data: new Map(), provider: undefined };
  for (const [fqn, type] of Object.entries(types)) {
    if (type.kind !== 'class') continue;
    const link = type.docs?.summary?.match(
      /docs\/(resources|data-sources)\/[a-z0-9_]+ ([a-z0-9_]+)\}/
    );
    if (link) {
      index[link[1] === 'resources' ? 'resource' : 'data'].set(link[2], fqn);
    } else if (type.base === 'cdktf.TerraformProvider') {
      index.provider = fqn;
    }
  }

  return {
    name: version[1],
    info: {
      source: `hashicorp/${version[1]}`,
      version: version[2],
      package: `${manifest.name}@${manifest.version}`,
    },
    provider: () => blockSchema(`${index.provider}Config`, index.provider),
    resource: (type) =>
      index.resource.has(type)
        ? blockSchema(`${index.resource.get(type)}Config`, index.resource.get(type))
        : undefined,
    data: (type) =>
      index.data.has(type)
        ? blockSchema(`${index.data.get(type)}Config`, index.data.get(type))
        : undefined,
  };
}

/** Orders object keys so that the fixture's diffs stay readable. */
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])])
  );
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const packages = options.packages.map(readPackage);
  const used = await usedTypes(terraformFiles(options.dirs));

  const schema = { generatedBy: 'scripts/extract-provider-schema.js', providers: {} };
  schema.resources = {};
  schema.dataSources = {};
  const unknown = [];

  for (const pkg of packages) {
    if (!used.providers.has(pkg.name)) continue;
    schema.providers[pkg.name] = { ...pkg.info, config: pkg.provider() };
  }
  for (const [kind, names, key] of [
    ['resource', used.resources, 'resources'],
    ['data', used.dataSources, 'dataSources'],
  ]) {
    for (const name of [...names].sort()) {
      const found = packages.map((pkg) => pkg[kind](name)).find(Boolean);
      if (found) schema[key][name] = found;
      else unknown.push(`${kind} ${name}`);
    }
  }

  fs.writeFileSync(options.out, `${JSON.stringify(sortKeys(schema), null, 1)}\n`);
  const counts =
    `${Object.keys(schema.resources).length} resource types, ` +
    `${Object.keys(schema.dataSources).length} data sources`;
  process.stdout.write(`wrote ${options.out}: ${counts}\n`);
  for (const entry of unknown) {
    process.stdout.write(`left out, no package defines it: ${entry}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
});
