/**
 * The integration harness: the real pipeline (emulator, both functions under
 * the Functions Framework) against the Moltin sandbox and the Stripe fake,
 * all on loopback, with every log line kept for assertions.
 */
import type { Message } from '@google-cloud/pubsub';

import { signedDelivery } from '../../local/events';
import { MoltinSandbox } from '../../local/moltin-sandbox';
import { resourceNames, startPipeline, type RunningPipeline } from '../../local/pipeline';
import { waitFor } from '../../local/ports';
import { StripeFake } from '../../local/stripe-fake';

export const secrets = {
  webhook: 'whsec_integration_test_secret',
  stripeKey: 'sk_test_integration_key',
  moltinClientId: 'integration-client-id',
  moltinClientSecret: 'integration-client-secret',
};

export interface LogLine {
  source: string;
  raw: string;
  entry?: Record<string, unknown>;
}

export interface Harness {
  pipeline: RunningPipeline;
  moltin: MoltinSandbox;
  stripe: StripeFake;
  logs: LogLine[];
  deliver(event: unknown, secret?: string): Promise<Response>;
  post(body: string, headers: Record<string, string>): Promise<Response>;
  logsFor(eventId: string): Record<string, unknown>[];
  waitForLog(predicate: (entry: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  pullDeadLetters(expected: number, timeoutMs?: number): Promise<Message[]>;
  stop(): Promise<void>;
}

export async function startHarness(
  options: { maxDeliveryAttempts?: number; env?: Record<string, string>; tokenLifetimeSeconds?: number } = {}
): Promise<Harness> {
  const moltin = new MoltinSandbox({
    clientId: secrets.moltinClientId,
    clientSecret: secrets.moltinClientSecret,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds,
  });
  const stripe = new StripeFake(secrets.stripeKey);
  await Promise.all([moltin.start(), stripe.start()]);

  const logs: LogLine[] = [];
  const pipeline = await startPipeline({
    webhookSecret: secrets.webhook,
    stripeSecretKey: secrets.stripeKey,
    stripeApiUrl: stripe.url,
    moltin: { url: moltin.url, clientId: secrets.moltinClientId, clientSecret: secrets.moltinClientSecret },
    maxDeliveryAttempts: options.maxDeliveryAttempts ?? 5,
    minimumBackoffSeconds: 1,
    maximumBackoffSeconds: 2,
    env: { REQUEST_TIMEOUT_MS: '2000', ...options.env },
    onLog: (source, raw) => {
      let entry: Record<string, unknown> | undefined;
      try {
        entry = JSON.parse(raw);
      } catch {
        entry = undefined;
      }
      logs.push({ source, raw, entry });
    },
  });

  const post = (body: string, headers: Record<string, string>) =>
    fetch(pipeline.webhook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  const entries = () => logs.flatMap((line) => (line.entry ? [line.entry] : []));

  return {
    pipeline,
    moltin,
    stripe,
    logs,
    post,
    deliver(event, secret = secrets.webhook) {
      const { body, signature } = signedDelivery(event, secret);
      return post(body, { 'stripe-signature': signature });
    },
    logsFor(eventId) {
      return entries().filter((entry) => entry.event_id === eventId);
    },
    async waitForLog(predicate, timeoutMs = 20_000) {
      let found: Record<string, unknown> | undefined;
      await waitFor(
        'log line',
        async () => (found = entries().find(predicate)) !== undefined,
        timeoutMs,
        50
      );
      return found as Record<string, unknown>;
    },
    async pullDeadLetters(expected, timeoutMs = 30_000) {
      const subscription = pipeline.pubsub.subscription(resourceNames.deadLetterSubscription);
      const received: Message[] = [];
      subscription.on('message', (message: Message) => {
        received.push(message);
        message.ack();
      });
      try {
        await waitFor('dead letters', async () => received.length >= expected, timeoutMs, 100);
      } finally {
        await subscription.close();
      }
      return received;
    },
    async stop() {
      await pipeline.stop();
      await Promise.all([moltin.stop(), stripe.stop()]);
    },
  };
}
