/**
 * What the benchmark sends: signed `charge.refunded` deliveries as Stripe
 * sends them to the webhook, and push requests as Pub/Sub sends them to
 * refundSync, each for an order the Moltin sandbox holds.
 */
import { randomUUID } from 'node:crypto';

import { eventAttributes } from '../../functions/shared/message';
import { chargeRefundedEvent, signedDelivery } from '../../local/events';
import type { MoltinSandbox } from '../../local/moltin-sandbox';
import type { BenchRequest } from './processes';

export type RefundEvent = ReturnType<typeof chargeRefundedEvent>;

/** Returns a full refund of a charge that names its order in its metadata. */
export function refundOf(orderId: string = randomUUID()): RefundEvent {
  return chargeRefundedEvent({ metadata: { order_id: orderId } });
}

/** Returns a full refund whose order and payment the sandbox holds. */
export function refundOfSandboxOrder(moltin: MoltinSandbox): RefundEvent {
  const orderId = randomUUID();
  const event = refundOf(orderId);
  moltin.addOrder({ reference: event.data.object.id as string }, orderId);
  return event;
}

/** Returns a signed webhook delivery of `event`. */
export function deliveryOf(event: unknown, webhookSecret: string): BenchRequest {
  const { body, signature } = signedDelivery(event, webhookSecret);
  return {
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body,
  };
}

/** Returns `count` signed deliveries, each of a different event. */
export function deliveries(count: number, webhookSecret: string): BenchRequest[] {
  return Array.from({ length: count }, () => deliveryOf(refundOf(), webhookSecret));
}

/** Returns the push request Pub/Sub makes for an event the webhook published. */
export function pushOf(event: RefundEvent, subscription: string): BenchRequest {
  // Laid out as Stripe sends it, which is what the webhook publishes.
  const data = Buffer.from(JSON.stringify(event, null, 2));
  const envelope = {
    message: {
      data: data.toString('base64'),
      attributes: eventAttributes(event),
      messageId: String(Date.now()),
      publishTime: new Date().toISOString(),
    },
    subscription,
  };
  return {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(envelope),
  };
}
