import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { repoRoot } from './paths';

const script = path.join(repoRoot, 'scripts', 'extract-provider-schema.js');
const created: string[] = [];
afterAll(() => created.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

const prefix = '@cdktf/provider-fake.';
const registry = 'https://registry.terraform.io/providers/hashicorp/fake/1.2.3/docs';

/** A config property whose docs link its argument, as cdktf writes them. */
function argument(name: string, terraformName: string, type: unknown, optional = true) {
  const docs = {
    remarks:
      'Docs at Terraform Registry: ' +
      `{@link ${registry}/resources/thing#${terraformName} Thing#${terraformName}}`,
  };
  return { name, type, docs, ...(optional ? { optional: true } : {}) };
}

function getter(name: string, type: unknown = { primitive: 'string' }) {
  return { name, type, immutable: true };
}

/** The smallest `.jsii` with what the script reads: one of everything. */
function fakeManifest() {
  const string = { primitive: 'string' };
  const rules = `${prefix}thing.ThingRules`;
  const retry = `${prefix}thing.ThingRetryPolicy`;
  return {
    name: '@cdktf/provider-fake',
    version: '9.9.9',
    types: {
      [`${prefix}thing.Thing`]: {
        kind: 'class',
        base: 'cdktf.TerraformResource',
        docs: { summary: `Represents a {@link ${registry}/resources/thing fake_thing}.` },
        properties: [
          { name: 'tfResourceType', type: string, static: true, const: true },
          getter('name'),
          getter('nameInput'),
          getter('selfLink'),
          getter('retryPolicy', { fqn: `${retry}OutputReference` }),
        ],
      },
      [`${prefix}thing.ThingConfig`]: {
        kind: 'interface',
        datatype: true,
        properties: [
          argument('name', 'name', string, false),
          argument('retryPolicy', 'retry_policy', { fqn: retry }),
          argument('rules', 'rules', {
            union: {
              types: [
                { fqn: 'cdktf.IResolvable' },
                { collection: { kind: 'array', elementtype: { fqn: rules } } },
              ],
            },
          }),
        ],
      },
      [retry]: {
        kind: 'interface',
        datatype: true,
        properties: [argument('minimumBackoff', 'minimum_backoff', string, false)],
      },
      [`${retry}OutputReference`]: {
        kind: 'class',
        properties: [getter('minimumBackoff'), getter('effectiveBackoff'), getter('internalValue')],
      },
      [rules]: {
        kind: 'interface',
        datatype: true,
        properties: [argument('action', 'action', string)],
      },
      [`${prefix}lookup.DataLookup`]: {
        kind: 'class',
        base: 'cdktf.TerraformDataSource',
        docs: { summary: `Represents a {@link ${registry}/data-sources/lookup fake_lookup}.` },
        properties: [getter('value')],
      },
      [`${prefix}lookup.DataLookupConfig`]: {
        kind: 'interface',
        datatype: true,
        properties: [argument('key', 'key', string, false)],
      },
      [`${prefix}provider.FakeProvider`]: {
        kind: 'class',
        base: 'cdktf.TerraformProvider',
        properties: [],
      },
      [`${prefix}provider.FakeProviderConfig`]: {
        kind: 'interface',
        datatype: true,
        properties: [argument('project', 'project', string)],
      },
    },
  };
}

function extract() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'extract-schema-'));
  created.push(dir);
  const pkg = path.join(dir, 'provider-fake');
  const tf = path.join(dir, 'tf');
  fs.mkdirSync(pkg);
  fs.mkdirSync(tf);
  fs.writeFileSync(path.join(pkg, '.jsii'), JSON.stringify(fakeManifest()));
  fs.writeFileSync(
    path.join(pkg, 'README.md'),
    '# CDKTF prebuilt bindings for hashicorp/fake provider version 1.2.3\n'
  );
  fs.writeFileSync(
    path.join(tf, 'main.tf'),
    [
      'resource "fake_thing" "used" {}',
      'resource "fake_unknown" "typo" {}',
      'data "fake_lookup" "used" {}',
    ].join('\n')
  );
  fs.writeFileSync(path.join(tf, 'broken.tf'), 'resource "fake_thing" {\n');

  const out = path.join(dir, 'schema.json');
  const result = spawnSync(process.execPath, [script, '--package', pkg, '--out', out, tf], {
    encoding: 'utf8',
  });
  return {
    result,
    schema: result.status === 0 ? JSON.parse(fs.readFileSync(out, 'utf8')) : undefined,
  };
}

describe('extract-provider-schema', () => {
  it('writes the used types: arguments, blocks, what is required, single or computed', () => {
    const { result, schema } = extract();

    expect(result.stderr).toBe('');
    expect(schema.providers.fake).toEqual({
      source: 'hashicorp/fake',
      version: '1.2.3',
      package: '@cdktf/provider-fake@9.9.9',
      config: { attributes: { project: { optional: true } }, blocks: {} },
    });
    expect(schema.resources).toEqual({
      fake_thing: {
        attributes: { name: { required: true }, self_link: { computed: true } },
        blocks: {
          retry_policy: {
            nesting: 'single',
            block: {
              attributes: {
                effective_backoff: { computed: true },
                minimum_backoff: { required: true },
              },
              blocks: {},
            },
          },
          rules: {
            nesting: 'list',
            block: { attributes: { action: { optional: true } }, blocks: {} },
          },
        },
      },
    });
    expect(schema.dataSources).toEqual({
      fake_lookup: {
        attributes: { key: { required: true }, value: { computed: true } },
        blocks: {},
      },
    });
  });

  it('says which used types no package defines', () => {
    const { result } = extract();

    expect(result.stdout).toMatch(/left out, no package defines it: resource fake_unknown/);
  });
});
