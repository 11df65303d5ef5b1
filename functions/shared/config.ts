import { isIPv4 } from 'node:net';

import { ConfigError } from './errors';

type Env = Record<string, string | undefined>;

const whereToSet =
  'set it in the environment (locally) or through infra/ (deployed)';

/** Where the functions publish, and how they prove who they are. */
export interface PubsubConfig {
  /** `http://HOST:PORT` of the emulator, or Pub/Sub's REST endpoint. */
  endpoint: URL;
  /** The metadata server that issues tokens; absent for the emulator. */
  metadataHost?: string;
}

/** Settings of the stripeWebhook function. */
export interface WebhookConfig {
  projectId: string;
  pubsub: PubsubConfig;
  topic: string;
  webhookSecrets: string[];
  publishTimeoutMs: number;
}

/** Settings of the refundSync function. */
export interface RefundSyncConfig {
  projectId: string;
  pubsub: PubsubConfig;
  deadLetterTopic: string;
  orderIdMetadataKey: string;
  stripeSecretKey: string;
  stripeApiUrl?: URL;
  moltin: {
    clientId: string;
    clientSecret: string;
    apiUrl?: URL;
  };
  requestTimeoutMs: number;
}

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is not set: ${whereToSet}`);
  return value;
}

function optional(env: Env, name: string, fallback: string): string {
  return env[name]?.trim() || fallback;
}

function optionalUrl(env: Env, name: string): URL | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;

  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http or https URL`);
  }
  return url;
}

/** No function runs longer than an hour; node's timers stop at about 24 days. */
const maxTimeoutMs = 3_600_000;

function milliseconds(env: Env, name: string, fallback: number): number {
  const value = env[name]?.trim();
  if (!value) return fallback;

  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0 || parsed > maxTimeoutMs) {
    throw new ConfigError(
      `${name} must be a positive number of milliseconds, at most ${maxTimeoutMs} (an hour)`
    );
  }
  return parsed;
}

function projectId(env: Env): string {
  const value = required(env, 'GOOGLE_CLOUD_PROJECT');
  // Google's ids are lower case letters, digits and hyphens, older ones with
  // a `domain:` prefix; anything else would change the Pub/Sub URL's path.
  if (!/^[a-z0-9][a-z0-9.:-]*$/i.test(value)) {
    throw new ConfigError(`GOOGLE_CLOUD_PROJECT is not a project id: ${JSON.stringify(value)}`);
  }
  return value;
}

/** A topic's short name, by Pub/Sub's rules for resource names. */
function topicName(env: Env, name: string, fallback: string): string {
  const value = optional(env, name, fallback);
  if (!/^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/.test(value) || value.startsWith('goog')) {
    throw new ConfigError(
      `${name} must be a topic's short name (3 to 255 letters, digits and - _ . ~ + %, ` +
        `starting with a letter, not with goog), not ${JSON.stringify(value)}`
    );
  }
  return value;
}

/** `HOST` or `HOST:PORT`, as PUBSUB_EMULATOR_HOST and GCE_METADATA_HOST hold it. */
function hostAndPort(env: Env, name: string, fallback?: string): string | undefined {
  const value = env[name]?.trim() || fallback;
  if (value === undefined) return undefined;

  let valid = !/[\s/\\?#@]/.test(value);
  try {
    valid &&= new URL(`http://${value}`).hostname !== '';
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new ConfigError(`${name} must be HOST or HOST:PORT, not ${JSON.stringify(value)}`);
  }
  return value;
}

function pubsub(env: Env): PubsubConfig {
  // The emulator's variable wins, as it does for Google's own libraries.
  const emulator = hostAndPort(env, 'PUBSUB_EMULATOR_HOST');
  if (emulator) return { endpoint: new URL(`http://${emulator}`) };

  return {
    endpoint: pubsubEndpoint(env),
    metadataHost: hostAndPort(env, 'GCE_METADATA_HOST', 'metadata.google.internal'),
  };
}

const loopbackHostnames = new Set(['localhost', '[::1]']);

/** Pub/Sub's REST endpoint: a bare origin, over https unless on loopback. */
function pubsubEndpoint(env: Env): URL {
  const url = optionalUrl(env, 'PUBSUB_API_ENDPOINT');
  if (!url) return new URL('https://pubsub.googleapis.com');

  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    throw new ConfigError(
      'PUBSUB_API_ENDPOINT must be an origin alone, such as https://pubsub.googleapis.com'
    );
  }
  const { hostname } = url;
  const loopback =
    loopbackHostnames.has(hostname) || (isIPv4(hostname) && hostname.startsWith('127.'));
  if (url.protocol !== 'https:' && !loopback) {
    // The publish carries the service account's token.
    throw new ConfigError('PUBSUB_API_ENDPOINT must be https unless it is on loopback');
  }
  return url;
}

/** Reads and validates the webhook's settings; throws ConfigError. */
export function readWebhookConfig(env: Env = process.env): WebhookConfig {
  const webhookSecrets = required(env, 'STRIPE_WEBHOOK_SECRET')
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
  if (webhookSecrets.length === 0) {
    throw new ConfigError(`STRIPE_WEBHOOK_SECRET holds no secret: ${whereToSet}`);
  }

  return {
    projectId: projectId(env),
    pubsub: pubsub(env),
    topic: topicName(env, 'PUBSUB_TOPIC', 'stripe-events'),
    webhookSecrets,
    publishTimeoutMs: milliseconds(env, 'PUBLISH_TIMEOUT_MS', 10_000),
  };
}

/** Reads and validates the subscriber's settings; throws ConfigError. */
export function readRefundSyncConfig(env: Env = process.env): RefundSyncConfig {
  return {
    projectId: projectId(env),
    pubsub: pubsub(env),
    deadLetterTopic: topicName(env, 'DEAD_LETTER_TOPIC', 'stripe-events-dead-letter'),
    orderIdMetadataKey: optional(env, 'ORDER_ID_METADATA_KEY', 'order_id'),
    stripeSecretKey: required(env, 'STRIPE_SECRET_KEY'),
    stripeApiUrl: optionalUrl(env, 'STRIPE_API_URL'),
    moltin: {
      clientId: required(env, 'MOLTIN_CLIENT_ID'),
      clientSecret: required(env, 'MOLTIN_CLIENT_SECRET'),
      apiUrl: optionalUrl(env, 'MOLTIN_API_URL'),
    },
    requestTimeoutMs: milliseconds(env, 'REQUEST_TIMEOUT_MS', 10_000),
  };
}
