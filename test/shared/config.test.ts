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
});
