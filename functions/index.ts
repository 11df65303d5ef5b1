/**
 * The entry point Cloud Functions loads: registers `stripeWebhook` and
 * `refundSync` with the Functions Framework. Only the function being served
 * is built, at load time, so a bad configuration stops start-up at once and
 * neither function loads the other's libraries.
 */
import * as functions from '@google-cloud/functions-framework';

import { metadataAccessToken } from './shared/access-token';
import { readRefundSyncConfig, readWebhookConfig, type PubsubConfig } from './shared/config';
import { ConfigError } from './shared/errors';
import * as logs from './shared/logs';
import { topicPublisher } from './shared/pubsub';

type Handler = (req: functions.Request, res: functions.Response) => Promise<void>;

function buildWebhook(): Handler {
  const config = readWebhookConfig();
  const { createWebhookHandler } = require('./webhook/handler') as typeof import('./webhook/handler');
  return createWebhookHandler(
    config,
    publisher(config.pubsub, config.projectId, config.topic, config.publishTimeoutMs)
  );
}

function buildRefundSync(): Handler {
  const config = readRefundSyncConfig();
  const { createRefundSyncHandler } = require('./refund-sync/handler') as typeof import('./refund-sync/handler');
  const { createMoltinOrders } = require('./refund-sync/moltin') as typeof import('./refund-sync/moltin');
  const { stripePaymentIntentMetadata } = require('./refund-sync/order-id') as typeof import('./refund-sync/order-id');

  return createRefundSyncHandler(
    {
      orderIdMetadataKey: config.orderIdMetadataKey,
      moltin: createMoltinOrders({
        ...config.moltin,
        timeoutMs: config.requestTimeoutMs,
      }),
      paymentIntentMetadata: stripePaymentIntentMetadata({
        secretKey: config.stripeSecretKey,
        apiUrl: config.stripeApiUrl,
        timeoutMs: config.requestTimeoutMs,
      }),
    },
    publisher(config.pubsub, config.projectId, config.deadLetterTopic, config.requestTimeoutMs)
  );
}

/** Returns a publisher for `topic`, with a token source unless on the emulator. */
function publisher(pubsub: PubsubConfig, projectId: string, topic: string, timeoutMs: number) {
  const { endpoint, metadataHost } = pubsub;
  const accessToken = metadataHost ? metadataAccessToken(metadataHost, timeoutMs) : undefined;
  return topicPublisher({ endpoint, projectId, topic, timeoutMs, accessToken });
}

/** Returns the function the framework was asked to serve, if it says. */
function servedTarget(argv = process.argv, env = process.env): string | undefined {
  if (env.FUNCTION_TARGET) return env.FUNCTION_TARGET;
  for (const [index, arg] of argv.entries()) {
    if (arg.startsWith('--target=')) return arg.slice('--target='.length);
    if (arg === '--target') return argv[index + 1];
  }
  return undefined;
}

function register(name: string, build: () => Handler): void {
  const start = (): Handler => {
    try {
      return build();
    } catch (error) {
      if (error instanceof ConfigError) logs.configInvalid(name, error.message);
      throw error;
    }
  };

  let handler = servedTarget() === name ? start() : undefined;
  functions.http(name, (req, res) => (handler ??= start())(req, res));
}

register('stripeWebhook', buildWebhook);
register('refundSync', buildRefundSync);
