/**
 * The three functions the benchmark runs, with the settings each is given:
 * the bare comparison function and the service's two.
 */
import { repoRoot, resourceNames } from '../../local/pipeline';
import { bareSource, type FunctionSpec } from './processes';

export const benchSecrets = {
  webhook: 'whsec_benchmark_secret',
  stripeKey: 'sk_test_benchmark_key',
  moltinClientId: 'benchmark-client-id',
  moltinClientSecret: 'benchmark-client-secret',
};

/** Settings every function gets: the emulator, and no metadata server. */
export function commonEnv(
  projectId: string,
  emulatorHost: string
): Record<string, string> {
  return {
    GOOGLE_CLOUD_PROJECT: projectId,
    PUBSUB_EMULATOR_HOST: emulatorHost,
    METADATA_SERVER_DETECTION: 'none',
  };
}

export function bareFunction(env: Record<string, string>): FunctionSpec {
  return { label: 'bare', target: 'bare', source: bareSource, env };
}

export function webhookFunction(
  env: Record<string, string>,
  label = 'stripeWebhook'
): FunctionSpec {
  return {
    label,
    target: 'stripeWebhook',
    source: repoRoot,
    env: {
      ...env,
      PUBSUB_TOPIC: resourceNames.topic,
      STRIPE_WEBHOOK_SECRET: benchSecrets.webhook,
    },
  };
}

export function refundSyncFunction(
  env: Record<string, string>,
  urls: { moltin: string; stripe: string }
): FunctionSpec {
  return {
    label: 'refundSync',
    target: 'refundSync',
    source: repoRoot,
    env: {
      ...env,
      DEAD_LETTER_TOPIC: resourceNames.deadLetterTopic,
      STRIPE_SECRET_KEY: benchSecrets.stripeKey,
      STRIPE_API_URL: urls.stripe,
      MOLTIN_CLIENT_ID: benchSecrets.moltinClientId,
      MOLTIN_CLIENT_SECRET: benchSecrets.moltinClientSecret,
      MOLTIN_API_URL: urls.moltin,
    },
  };
}

/** The push subscription's full name in a project, as Pub/Sub sends it. */
export function pushSubscriptionName(projectId: string): string {
  return `projects/${projectId}/subscriptions/${resourceNames.pushSubscription}`;
}
