import { readRefundSyncConfig, readWebhookConfig } from '../../functions/shared/config';
import { ConfigError } from '../../functions/shared/errors';

const webhookEnv = { GOOGLE_CLOUD_PROJECT: 'p', STRIPE_WEBHOOK_SECRET: 'whsec_a' };
const refundEnv = {
  GOOGLE_CLOUD_PROJECT: 'p',
  STRIPE_SECRET_KEY: 'sk_test_a',
  MOLTIN_CLIENT_ID: 'id',
  MOLTIN_CLIENT_SECRET: 'secret',
};

describe('configuration', () => {
  it('applies the documented defaults', () => {
    expect(readWebhookConfig(webhookEnv)).toEqual({
      projectId: 'p',
      pubsub: {
        endpoint: new URL('https://pubsub.googleapis.com'),
        metadataHost: 'metadata.google.internal',
      },
      topic: 'stripe-events',
      webhookSecrets: ['whsec_a'],
      publishTimeoutMs: 10_000,
    });
    expect(readRefundSyncConfig(refundEnv)).toMatchObject({
      deadLetterTopic: 'stripe-events-dead-letter',
      orderIdMetadataKey: 'order_id',
      stripeApiUrl: undefined,
      moltin: { apiUrl: undefined },
    });
  });

  it('splits a comma-separated secret list, for rotation', () => {
    const config = readWebhookConfig({ ...webhookEnv, STRIPE_WEBHOOK_SECRET: 'whsec_new, whsec_old,' });
    expect(config.webhookSecrets).toEqual(['whsec_new', 'whsec_old']);
  });

  it.each(['GOOGLE_CLOUD_PROJECT', 'STRIPE_WEBHOOK_SECRET'])('names a missing %s', (name) => {
    const env: Record<string, string> = { ...webhookEnv, [name]: ' ' };
    expect(() => readWebhookConfig(env)).toThrow(ConfigError);
    expect(() => readWebhookConfig(env)).toThrow(`${name} is not set`);
  });

  it.each(['STRIPE_SECRET_KEY', 'MOLTIN_CLIENT_ID', 'MOLTIN_CLIENT_SECRET'])('names a missing %s', (name) => {
    const env: Record<string, string | undefined> = { ...refundEnv, [name]: undefined };
    expect(() => readRefundSyncConfig(env)).toThrow(`${name} is not set`);
  });

  it('refuses a Moltin API URL that is not http(s)', () => {
    expect(() => readRefundSyncConfig({ ...refundEnv, MOLTIN_API_URL: 'ftp://x' })).toThrow('MOLTIN_API_URL must be an http');
    expect(() => readRefundSyncConfig({ ...refundEnv, MOLTIN_API_URL: 'not a url' })).toThrow('MOLTIN_API_URL is not a URL');
  });

  it('never puts a secret into its error messages', () => {
    try {
      readRefundSyncConfig({ ...refundEnv, MOLTIN_CLIENT_SECRET: '', REQUEST_TIMEOUT_MS: 'soon' });
    } catch (error) {
      expect((error as Error).message).not.toContain('sk_test_a');
    }
    expect(() => readRefundSyncConfig({ ...refundEnv, REQUEST_TIMEOUT_MS: '-5' })).toThrow('REQUEST_TIMEOUT_MS');
  });

  it('publishes to the emulator, without credentials, when PUBSUB_EMULATOR_HOST is set', () => {
    const env = { ...refundEnv, PUBSUB_EMULATOR_HOST: '127.0.0.1:8085', PUBSUB_API_ENDPOINT: 'https://x.test' };
    expect(readRefundSyncConfig(env).pubsub).toEqual({ endpoint: new URL('http://127.0.0.1:8085') });
  });

  it('takes another Pub/Sub endpoint and metadata server when given', () => {
    const env = {
      ...webhookEnv,
      PUBSUB_API_ENDPOINT: 'https://europe-west1-pubsub.googleapis.com',
      GCE_METADATA_HOST: '169.254.169.254:80',
    };
    expect(readWebhookConfig(env).pubsub).toEqual({
      endpoint: new URL('https://europe-west1-pubsub.googleapis.com'),
      metadataHost: '169.254.169.254:80',
    });
  });

  it.each([
    ['PUBSUB_EMULATOR_HOST', 'http://127.0.0.1:8085'],
    ['PUBSUB_EMULATOR_HOST', '127.0.0.1:8085/v1'],
    ['PUBSUB_EMULATOR_HOST', 'user@127.0.0.1'],
    ['GCE_METADATA_HOST', 'meta data'],
    ['GCE_METADATA_HOST', '127.0.0.1:99999'],
    ['GCE_METADATA_HOST', 'metadata:80\\x'],
  ])('refuses %s=%j, which is not HOST[:PORT]', (name, value) => {
    expect(() => readWebhookConfig({ ...webhookEnv, [name]: value })).toThrow(
      `${name} must be HOST or HOST:PORT`
    );
  });

  it('refuses a Pub/Sub endpoint that is not http(s)', () => {
    expect(() => readWebhookConfig({ ...webhookEnv, PUBSUB_API_ENDPOINT: 'grpc://x' })).toThrow(
      'PUBSUB_API_ENDPOINT must be an http'
    );
  });

  it.each([
    ['https://pubsub.googleapis.com/v1/', 'an origin alone'],
    ['https://proxy.example/prefix', 'an origin alone'],
    ['http://pubsub.example', 'https unless it is on loopback'],
    ['http://127.evil.example', 'https unless it is on loopback'],
  ])('refuses PUBSUB_API_ENDPOINT=%s', (value, message) => {
    expect(() => readWebhookConfig({ ...webhookEnv, PUBSUB_API_ENDPOINT: value })).toThrow(message);
  });

  it('takes a plain http endpoint on loopback, for tests', () => {
    const env = { ...webhookEnv, PUBSUB_API_ENDPOINT: 'http://127.0.0.1:9999' };
    expect(readWebhookConfig(env).pubsub.endpoint.href).toBe('http://127.0.0.1:9999/');
  });

  it.each(['projects/x/topics/y', 'ab', '1topic', 'goog-events', 'a b c'])(
    'refuses the topic name %j',
    (topic) => {
      expect(() => readWebhookConfig({ ...webhookEnv, PUBSUB_TOPIC: topic })).toThrow(
        "PUBSUB_TOPIC must be a topic's short name"
      );
      expect(() => readRefundSyncConfig({ ...refundEnv, DEAD_LETTER_TOPIC: topic })).toThrow(
        "DEAD_LETTER_TOPIC must be a topic's short name"
      );
    }
  );

  it.each(['..', 'my/project', 'a?b', 'proj ect'])('refuses the project id %j', (project) => {
    expect(() => readWebhookConfig({ ...webhookEnv, GOOGLE_CLOUD_PROJECT: project })).toThrow(
      'GOOGLE_CLOUD_PROJECT is not a project id'
    );
  });

  it('takes a domain-scoped project id', () => {
    const env = { ...webhookEnv, GOOGLE_CLOUD_PROJECT: 'example.com:my-project' };
    expect(readWebhookConfig(env).projectId).toBe('example.com:my-project');
  });

  it('refuses a timeout over an hour, which node would cut to a millisecond', () => {
    expect(() => readWebhookConfig({ ...webhookEnv, PUBLISH_TIMEOUT_MS: '2147483648' })).toThrow(
      'at most 3600000'
    );
    const hour = readWebhookConfig({ ...webhookEnv, PUBLISH_TIMEOUT_MS: '3600000' });
    expect(hour.publishTimeoutMs).toBe(3_600_000);
  });
});
