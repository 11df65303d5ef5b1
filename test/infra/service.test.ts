/**
 * infra/ provides what the service needs: the APIs, the functions with the
 * settings the code reads, the Pub/Sub wiring the code expects, secrets for
 * each credential, the alerts, and the inputs and outputs a user works with.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { parse } from '@cdktf/hcl2json';

import { credentials as cliCredentials } from '../../cli/secrets/credentials';
import { readRefundSyncConfig, readWebhookConfig } from '../../functions/shared/config';
import { eventAttribute } from '../../functions/shared/message';
import { addressesIn, blockAt, keysSet } from './check/expressions';
import {
  blocks,
  loadModule,
  type Declaration,
  type HclBody,
  type TerraformModule,
} from './check/module';
import { infraDir, repoRoot } from './paths';

let infra: TerraformModule;
beforeAll(async () => {
  infra = await loadModule(infraDir);
});

function resource(address: string): Declaration {
  const found = infra.resources.find((candidate) => candidate.address === address);
  if (!found) throw new Error(`${address} is not declared`);
  return found;
}

function local(name: string): unknown {
  return infra.locals.find((candidate) => candidate.name === name)?.value;
}

function variable(name: string): HclBody {
  const found = infra.variables.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`var.${name} is not declared`);
  return found.value;
}

const functions = {
  webhook: 'google_cloudfunctions2_function.webhook',
  refundSync: 'google_cloudfunctions2_function.refund_sync',
};

/** The credentials each function reads, from locals.tf. */
function credentialsOf(reader: 'webhook' | 'refund_sync'): string[] {
  const credentials = local('credentials') as Record<string, string>;
  return Object.keys(credentials).filter((name) => credentials[name] === reader);
}

/** The environment a function gets, with a plausible value for each name. */
function environmentOf(address: string, reader: 'webhook' | 'refund_sync'): Record<string, string> {
  const service = blockAt(resource(address).body, 'service_config') as HclBody;
  const names = [...keysSet(service.environment_variables), ...credentialsOf(reader)];
  const plausible = (name: string) => {
    if (name.endsWith('_URL')) return 'https://api.example.test';
    if (name.endsWith('_MS')) return '10000';
    return `value-of-${name.toLowerCase().replaceAll('_', '-')}`;
  };
  return Object.fromEntries(names.map((name) => [name, plausible(name)]));
}

describe('the project', () => {
  it('enables every API the service uses', () => {
    const services = local('services') as string[];

    for (const api of [
      'cloudfunctions',
      'run',
      'cloudbuild',
      'artifactregistry',
      'pubsub',
      'secretmanager',
      'monitoring',
      'iam',
    ]) {
      expect(services).toContain(`${api}.googleapis.com`);
    }
  });

  it('pins Terraform and the google provider to ranges, with a commented GCS backend', () => {
    const [settings] = infra.settings;
    const [providers] = blocks(settings.value.required_providers);
    const versions = fs.readFileSync(path.join(infraDir, 'versions.tf'), 'utf8');

    expect(settings.value.required_version).toBe('>= 1.5');
    expect(providers.google).toMatchObject({ source: 'hashicorp/google' });
    expect((providers.google as HclBody).version).toMatch(/^>= ?6[.\d]*, ?< ?\d/);
    expect(versions).toMatch(/^\s*# backend "gcs" \{/m);
    expect(settings.value).not.toHaveProperty('backend');
  });
});

describe('the functions', () => {
  it.each([
    [functions.webhook, 'stripeWebhook'],
    [functions.refundSync, 'refundSync'],
  ])('%s runs %s on nodejs22 from the packaged source', async (address, entryPoint) => {
    const build = blockAt(resource(address).body, 'build_config') as HclBody;
    const source = blockAt(build, 'source.storage_source') as HclBody;

    expect(build).toMatchObject({ runtime: 'nodejs22', entry_point: entryPoint });
    expect(await addressesIn(source.object)).toEqual(
      new Set(['google_storage_bucket_object.source'])
    );
  });

  it('each run as their own service account', async () => {
    const identity = async (address: string) =>
      addressesIn(blockAt(resource(address).body, 'service_config')?.service_account_email);

    expect(await identity(functions.webhook)).toEqual(new Set(['google_service_account.webhook']));
    expect(await identity(functions.refundSync)).toEqual(
      new Set(['google_service_account.refund_sync'])
    );
  });

  it('give the webhook every setting it requires, each one it reads', () => {
    const env = environmentOf(functions.webhook, 'webhook');

    expect(() => readWebhookConfig(env)).not.toThrow();
    for (const credential of credentialsOf('webhook')) {
      const { [credential]: _removed, ...without } = env;
      expect(() => readWebhookConfig(without)).toThrow(credential);
    }
  });

  it('give refundSync every setting it requires, each one it reads', () => {
    const env = environmentOf(functions.refundSync, 'refund_sync');

    expect(readRefundSyncConfig(env).orderIdMetadataKey).toBe(env.ORDER_ID_METADATA_KEY);
    for (const credential of credentialsOf('refund_sync')) {
      const { [credential]: _removed, ...without } = env;
      expect(() => readRefundSyncConfig(without)).toThrow(credential);
    }
  });

  it('set no environment variable the code does not read, but the rollout marker', () => {
    const config = fs.readFileSync(path.join(repoRoot, 'functions/shared/config.ts'), 'utf8');
    const read = new Set([...config.matchAll(/'([A-Z][A-Z0-9_]+)'/g)].map((match) => match[1]));
    const names = [
      ...Object.keys(environmentOf(functions.webhook, 'webhook')),
      ...Object.keys(environmentOf(functions.refundSync, 'refund_sync')),
    ];

    // CREDENTIALS_REVISION only changes to start new instances.
    expect(names.filter((name) => !read.has(name))).toEqual([
      'CREDENTIALS_REVISION',
      'CREDENTIALS_REVISION',
    ]);
  });

  it('pass credentials only from Secret Manager, each function its own', () => {
    for (const [address, reader] of [
      [functions.webhook, 'webhook'],
      [functions.refundSync, 'refund_sync'],
    ] as const) {
      const service = blockAt(resource(address).body, 'service_config') as HclBody;
      const [dynamic] = blocks((service.dynamic as HclBody).secret_environment_variables);

      expect(dynamic.for_each).toMatch(new RegExp(`local\\.credentials .* == "${reader}"`));
      expect(blocks(dynamic.content)[0]).toMatchObject({ version: 'latest' });
    }
    expect(credentialsOf('webhook')).toEqual(['STRIPE_WEBHOOK_SECRET']);
  });

  it('create the secrets `npm run secrets` fills, for the functions that read them', () => {
    const readers = { stripeWebhook: 'webhook', refundSync: 'refund_sync' } as const;
    const fromCli = Object.fromEntries(cliCredentials.map((c) => [c.name, readers[c.readBy]]));

    expect(local('credentials')).toEqual(fromCli);
  });
});

describe('Pub/Sub', () => {
  it('uses the topic names the code defaults to', () => {
    const webhook = readWebhookConfig({ GOOGLE_CLOUD_PROJECT: 'p', STRIPE_WEBHOOK_SECRET: 's' });
    const refundSync = readRefundSyncConfig({
      GOOGLE_CLOUD_PROJECT: 'p',
      STRIPE_SECRET_KEY: 's',
      MOLTIN_CLIENT_ID: 'i',
      MOLTIN_CLIENT_SECRET: 's',
    });

    expect(local('events_topic_name')).toBe(webhook.topic);
    expect(local('dead_letter_topic_name')).toBe(refundSync.deadLetterTopic);
    expect(local('dead_letter_inspection_name')).toBe('stripe-events-dead-letter-inspect');
  });

  it('pushes only charge.refunded events, never expiring, with the configured attempts', () => {
    const push = resource('google_pubsub_subscription.refund_sync').body;

    expect(push.filter).toBe(`attributes.${eventAttribute.eventType} = "charge.refunded"`);
    expect(blockAt(push, 'expiration_policy')).toEqual({ ttl: '' });
    expect(blockAt(push, 'dead_letter_policy')?.max_delivery_attempts).toBe(
      '${var.max_delivery_attempts}'
    );
    expect(blockAt(push, 'retry_policy')?.minimum_backoff).toMatch(/var\.retry_minimum/);
  });

  it('waits for refundSync longer than its timeout before redelivering', () => {
    const push = resource('google_pubsub_subscription.refund_sync').body;
    const service = blockAt(resource(functions.refundSync).body, 'service_config') as HclBody;

    expect(push.ack_deadline_seconds).toBe('${local.push_ack_deadline_seconds}');
    expect(local('push_ack_deadline_seconds')).toBe('${var.refund_sync_timeout_seconds + 30}');
    expect(service.timeout_seconds).toBe('${var.refund_sync_timeout_seconds}');
  });

  it('signs pushes for the function URL and keeps dead letters 7 days', () => {
    const push = resource('google_pubsub_subscription.refund_sync').body;
    const oidc = blockAt(push, 'push_config.oidc_token') as HclBody;
    const inspection = resource('google_pubsub_subscription.dead_letter_inspection').body;

    expect(oidc.audience).toBe(blockAt(push, 'push_config')?.push_endpoint);
    expect(oidc.audience).toMatch(/refund_sync\.service_config\[0\]\.uri/);
    expect(inspection.message_retention_duration).toBe('${local.message_retention}');
    expect(local('message_retention')).toBe(`${7 * 24 * 3600}s`);
  });
});

describe('alerts', () => {
  it('fire on any dead letter and on an old unacknowledged event', () => {
    const filterOf = (address: string) =>
      String(blockAt(resource(address).body, 'conditions.condition_threshold')?.filter);

    expect(filterOf('google_monitoring_alert_policy.dead_letters')).toMatch(
      /dead_letter_inspection_name[^]*undelivered_messages_metric/
    );
    expect(filterOf('google_monitoring_alert_policy.refund_backlog')).toMatch(
      /push_subscription_name[^]*oldest_unacked_age_metric/
    );
    expect(local('undelivered_messages_metric')).toMatch(/num_undelivered_messages$/);
    expect(local('oldest_unacked_age_metric')).toMatch(/oldest_unacked_message_age$/);
  });

  it('notify by email only when an address is given', () => {
    const channel = resource('google_monitoring_notification_channel.email').body;

    expect(channel.count).toBe('${var.alert_email == "" ? 0 : 1}');
    expect(variable('alert_email').default).toBe('');
  });
});

describe('inputs and outputs', () => {
  it('give every variable a type and a description, and validate what can be wrong', () => {
    for (const { name, value } of infra.variables) {
      expect([name, typeof value.type, typeof value.description]).toEqual([
        name,
        'string',
        'string',
      ]);
    }
    for (const name of [
      'region',
      'name_prefix',
      'max_delivery_attempts',
      'retry_minimum_backoff_seconds',
      'retry_maximum_backoff_seconds',
      'min_instances',
      'max_instances',
      'memory',
      'alert_email',
      'moltin_api_url',
      'order_id_metadata_key',
    ]) {
      expect([name, blocks(variable(name).validation).length]).toEqual([name, 1]);
    }
  });

  it('example tfvars set only declared variables, among them every required one', async () => {
    const example = fs.readFileSync(path.join(infraDir, 'terraform.tfvars.example'), 'utf8');
    const set = Object.keys(await parse('terraform.tfvars.example', example));
    const declared = infra.variables.map((v) => v.name);
    const required = infra.variables.filter((v) => !('default' in v.value)).map((v) => v.name);

    expect(required).toEqual(['project_id']);
    expect(set.filter((name) => !declared.includes(name))).toEqual([]);
    for (const name of required) expect(set).toContain(name);
  });

  it('output the webhook URL, the Pub/Sub names and the command that lists dead letters', () => {
    const outputs = Object.fromEntries(infra.outputs.map((o) => [o.name, o.value]));

    for (const output of Object.values(outputs)) expect(typeof output.description).toBe('string');
    expect(outputs.webhook_url.value).toBe('${google_cloudfunctions2_function.webhook.url}');
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['events_topic', 'dead_letter_topic', 'push_subscription'])
    );
    expect(outputs.dead_letter_subscription.value).toMatch(/dead_letter_inspection\.name/);
    expect(outputs.list_dead_letters_command.value).toMatch(
      /dlq -- list",[^]*--project \$\{var\.project_id\}[^]*--subscription \$\{google_pubsub_/
    );
  });
});
