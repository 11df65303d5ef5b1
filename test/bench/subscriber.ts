/**
 * Subscriber: refund events published to the events topic and pushed by
 * the emulator into refundSync, with every Moltin answer delayed as a
 * distant API would delay it. Counts what each applied refund cost in
 * Moltin and Stripe calls, and how many tokens the process asked for.
 */
import type { PubSub } from '@google-cloud/pubsub';

import { MoltinSandbox, type RecordedCall } from '../../local/moltin-sandbox';
import { createResources, resourceNames } from '../../local/pipeline';
import { waitFor } from '../../local/ports';
import { StripeFake } from '../../local/stripe-fake';
import { eventAttributes } from '../../functions/shared/message';
import { benchSecrets, pushSubscriptionName, refundSyncFunction } from './functions';
import { loggedEntries, startTimedFunction } from './processes';
import { pushOf, refundOfSandboxOrder } from './requests';

export interface SubscriberSettings {
  events: number;
  moltinDelayMs: number;
  projectId: string;
  pubsub: PubSub;
  env: Record<string, string>;
  logDir: string;
  /** Flags refundSync's node runs with. */
  nodeArgs?: string[];
}

export interface SubscriberResult {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  refundsApplied: number;
  moltinCalls: number;
  moltinCallsPerRefund: number;
  tokenRequests: number;
  stripeCalls: number;
  /** The most refunds under way at once: how far the emulator's push went. */
  mostAtOnce: number;
  /** Answers that asked Pub/Sub to deliver again. */
  retries: number;
  deadLettered: number;
  peakRssBytes: number;
}

/** How long all events may take to be applied. */
const applyTimeoutMs = 180_000;

/** How long to watch for late redeliveries once every refund is applied. */
const settleMs = 2000;

/**
 * Returns the most refunds that were under way at once, as Moltin saw them:
 * each from its order's first call to the answer to its last.
 */
function mostAtOnce(calls: RecordedCall[], delayMs: number): number {
  const spans = new Map<string, { from: number; to: number }>();
  for (const call of calls) {
    const order = /^\/v2\/orders\/([^/]+)\//.exec(call.path)?.[1];
    if (order === undefined) continue;
    const span = spans.get(order) ?? { from: call.at, to: call.at };
    span.to = Math.max(span.to, call.at + delayMs);
    spans.set(order, span);
  }

  const edges = [...spans.values()].flatMap(({ from, to }) => [
    { at: from, step: 1 },
    { at: to, step: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let current = 0;
  let most = 0;
  for (const edge of edges) {
    current += edge.step;
    most = Math.max(most, current);
  }
  return most;
}

/** Returns what refundSync achieved on `settings.events` refunds. */
export async function measureSubscriber(
  settings: SubscriberSettings
): Promise<SubscriberResult> {
  const moltin = new MoltinSandbox({
    clientId: benchSecrets.moltinClientId,
    clientSecret: benchSecrets.moltinClientSecret,
  });
  const stripe = new StripeFake(benchSecrets.stripeKey);
  await Promise.all([moltin.start(), stripe.start()]);
  moltin.injectFault(() => ({ delayMs: settings.moltinDelayMs }));

  const spec = {
    ...refundSyncFunction(settings.env, { moltin: moltin.url, stripe: stripe.url }),
    nodeArgs: settings.nodeArgs,
  };
  const subscription = pushSubscriptionName(settings.projectId);
  const first = pushOf(refundOfSandboxOrder(moltin), subscription);
  const running = await startTimedFunction(spec, first, settings.logDir);

  try {
    await createResources(settings.pubsub, running.url, {
      maxDeliveryAttempts: 5,
      minimumBackoffSeconds: 1,
      maximumBackoffSeconds: 5,
    });
    const topic = settings.pubsub.topic(resourceNames.topic);
    const events = Array.from({ length: settings.events }, () =>
      refundOfSandboxOrder(moltin)
    );
    const orders = [...moltin.orders.values()].flat();
    const allRefunded = () =>
      orders.every((transaction) => transaction.refunded_amount === transaction.amount);

    const startedAt = performance.now();
    await Promise.all(
      events.map((event) =>
        topic.publishMessage({
          data: Buffer.from(JSON.stringify(event, null, 2)),
          attributes: eventAttributes(event),
        })
      )
    );
    await waitFor('every refund applied', async () => allRefunded(), applyTimeoutMs, 10);
    const seconds = (performance.now() - startedAt) / 1000;

    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const peakRssBytes = running.peakRssBytes();
    const messages = loggedEntries(running.logFile).map((entry) => String(entry.message));
    const said = (test: (message: string) => boolean) => messages.filter(test).length;
    const refundsApplied = said(
      (message) => message === 'transaction marked refunded in Moltin'
    );
    const moltinCalls = moltin.calls.filter(
      (call) => call.path !== '/oauth/access_token'
    ).length;

    return {
      events: settings.events,
      seconds,
      eventsPerSecond: settings.events / seconds,
      refundsApplied,
      moltinCalls,
      moltinCallsPerRefund: moltinCalls / refundsApplied,
      tokenRequests: moltin.tokensIssued.length,
      stripeCalls: stripe.calls.length,
      mostAtOnce: mostAtOnce(moltin.calls, settings.moltinDelayMs),
      retries: said((message) => message.includes('will retry')),
      deadLettered: said((message) => message.startsWith('dead-lettered')),
      peakRssBytes,
    };
  } finally {
    await running.stop();
    await Promise.all([moltin.stop(), stripe.stop()]);
  }
}
