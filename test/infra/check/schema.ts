/**
 * Checks resources, data sources and provider blocks against the providers'
 * schemas (test/infra/fixtures/provider-schema.json, written by
 * scripts/extract-provider-schema.js): every type, argument and nested
 * block exists, required ones are present, and single blocks appear once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { blocks, isBody, type HclBody, type HclValue, type TerraformModule } from './module';
import type { Problem } from './problems';

export interface AttributeSchema {
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  /** For a computed object, list or map of objects: its attributes. */
  collection?: 'object' | 'list' | 'map';
  nested?: Record<string, AttributeSchema>;
}

export interface BlockSchema {
  attributes: Record<string, AttributeSchema>;
  blocks: Record<string, NestedBlockSchema>;
}

export interface NestedBlockSchema {
  nesting: 'single' | 'list';
  /** 1 when at least one instance is required. */
  min?: number;
  block: BlockSchema;
}

export interface ProviderSchema {
  providers: Record<string, { source: string; version: string; config: BlockSchema }>;
  resources: Record<string, BlockSchema>;
  dataSources: Record<string, BlockSchema>;
}

export const schemaFixture = path.join(__dirname, '..', 'fixtures', 'provider-schema.json');

export function loadSchema(file = schemaFixture): ProviderSchema {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ProviderSchema;
}

// Terraform's own arguments and blocks, valid whatever the provider says.
const resourceMeta = new Set([
  'count',
  'for_each',
  'depends_on',
  'provider',
  'lifecycle',
  'provisioner',
  'connection',
]);
const dataMeta = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle']);
const providerMeta = new Set(['alias']);
const lifecycleArguments: Record<'resource' | 'data', Set<string>> = {
  resource: new Set([
    'create_before_destroy',
    'prevent_destroy',
    'ignore_changes',
    'replace_triggered_by',
    'precondition',
    'postcondition',
  ]),
  data: new Set(['precondition', 'postcondition']),
};

interface Site {
  file: string;
  address: string;
  problems: Problem[];
}

function report(site: Site, rule: string, message: string): void {
  site.problems.push({ rule, file: site.file, address: site.address, message });
}

/** Checks one body against its block schema, and its nested blocks. */
function checkBody(
  body: HclBody,
  schema: BlockSchema,
  where: string,
  site: Site,
  meta: Set<string> = new Set()
): void {
  const dynamic = isBody(body.dynamic) ? body.dynamic : {};
  const label = (name: string) => (where ? `${where}.${name}` : name);

  for (const [name, value] of Object.entries(body)) {
    if (meta.has(name) || name === 'dynamic') continue;

    const attribute = schema.attributes[name];
    const nested = schema.blocks[name];
    if (attribute) {
      if (attribute.computed && !attribute.required && !attribute.optional) {
        report(site, 'schema', `${label(name)} is computed by the provider and cannot be set`);
      }
    } else if (nested) {
      checkBlock(name, value, nested, label(name), site);
    } else {
      report(site, 'schema', `${label(name)} is not an argument or block of this type`);
    }
  }

  for (const [name, instances] of Object.entries(dynamic)) {
    const nested = schema.blocks[name];
    if (!nested) {
      report(site, 'schema', `dynamic "${label(name)}" is not a block of this type`);
      continue;
    }
    for (const instance of blocks(instances)) {
      for (const content of blocks(instance.content)) {
        checkBody(content, nested.block, label(name), site);
      }
    }
  }

  for (const [name, attribute] of Object.entries(schema.attributes)) {
    if (attribute.required && !(name in body)) {
      report(site, 'schema', `${label(name)} is required`);
    }
  }
  for (const [name, nested] of Object.entries(schema.blocks)) {
    if (nested.min && !(name in body) && !(name in dynamic)) {
      report(site, 'schema', `block ${label(name)} is required`);
    }
  }
}

function checkBlock(
  name: string,
  value: HclValue,
  schema: NestedBlockSchema,
  where: string,
  site: Site
): void {
  if (!Array.isArray(value)) {
    report(site, 'schema', `${where} is a block: write \`${name} { ... }\`, without "="`);
    return;
  }
  const instances = blocks(value);
  if (schema.nesting === 'single' && instances.length > 1) {
    report(site, 'schema', `block ${where} may appear once, not ${instances.length} times`);
  }
  for (const instance of instances) checkBody(instance, schema.block, where, site);
}

function checkLifecycle(body: HclBody, kind: 'resource' | 'data', site: Site): void {
  for (const lifecycle of blocks(body.lifecycle)) {
    for (const name of Object.keys(lifecycle)) {
      if (!lifecycleArguments[kind].has(name)) {
        report(site, 'schema', `lifecycle.${name} is not a lifecycle argument`);
      }
    }
  }
}

/** Returns every schema problem of a module. */
export function checkSchema(module: TerraformModule, schema: ProviderSchema): Problem[] {
  const problems: Problem[] = [];

  for (const declaration of [...module.resources, ...module.dataSources]) {
    const site = { file: declaration.file, address: declaration.address, problems };
    const isData = declaration.kind === 'data';
    const types = isData ? schema.dataSources : schema.resources;
    const found = types[declaration.type];
    if (!found) {
      const kind = isData ? 'data source' : 'resource';
      report(site, 'schema', `${declaration.type} is not a ${kind} type of the providers`);
      continue;
    }
    checkBody(declaration.body, found, '', site, isData ? dataMeta : resourceMeta);
    checkLifecycle(declaration.body, declaration.kind, site);
  }

  for (const provider of module.providers) {
    const site = { file: provider.file, address: `provider.${provider.name}`, problems };
    const found = schema.providers[provider.name];
    if (!found) report(site, 'schema', `no provider named ${provider.name} is known`);
    else checkBody(provider.value, found.config, '', site, providerMeta);
  }
  return problems;
}
