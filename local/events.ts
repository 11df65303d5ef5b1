/**
 * Realistic `charge.refunded` events, shaped as Stripe sends them, and the
 * signed deliveries that carry them to the webhook.
 */
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';

/** An API version from before charges stopped listing their refunds. */
export const legacyApiVersion = '2020-08-27';
/** A current API version: a charge no longer carries its `refunds` list. */
export const currentApiVersion = '2025-09-30.clover';

export interface ChargeRefundedOptions {
  apiVersion?: string;
  chargeId?: string;
  paymentIntentId?: string | null;
  amount?: number;
  amountRefunded?: number;
  metadata?: Record<string, string>;
  created?: number;
}

function stripeId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

/** Returns a `charge.refunded` event for a card charge. */
export function chargeRefundedEvent(options: ChargeRefundedOptions = {}) {
  const apiVersion = options.apiVersion ?? currentApiVersion;
  const amount = options.amount ?? 2000;
  const amountRefunded = options.amountRefunded ?? amount;
  const chargeId = options.chargeId ?? stripeId('ch');
  const created = options.created ?? Math.floor(Date.now() / 1000);
  const paymentIntentId =
    options.paymentIntentId === undefined ? stripeId('pi') : options.paymentIntentId;
  const refundId = stripeId('re');

  const refund = {
    id: refundId,
    object: 'refund',
    amount: amountRefunded,
    balance_transaction: stripeId('txn'),
    charge: chargeId,
    created,
    currency: 'usd',
    metadata: {},
    payment_intent: paymentIntentId,
    reason: 'requested_by_customer',
    status: 'succeeded',
  };

  const charge: Record<string, unknown> = {
    id: chargeId,
    object: 'charge',
    amount,
    amount_captured: amount,
    amount_refunded: amountRefunded,
    balance_transaction: stripeId('txn'),
    billing_details: {
      address: { city: 'Springfield', country: 'US', line1: '742 Evergreen Terrace', postal_code: '49007' },
      email: 'jenny.rosen@example.com',
      name: 'Jenny Rosen',
      phone: '+15555550123',
    },
    captured: true,
    created: created - 3600,
    currency: 'usd',
    customer: stripeId('cus'),
    description: 'Order from the web shop',
    disputed: false,
    livemode: false,
    metadata: options.metadata ?? {},
    paid: true,
    payment_intent: paymentIntentId,
    payment_method: stripeId('pm'),
    payment_method_details: {
      card: { brand: 'visa', country: 'US', exp_month: 8, exp_year: 2030, last4: '4242' },
      type: 'card',
    },
    receipt_email: 'jenny.rosen@example.com',
    refunded: amountRefunded >= amount,
    status: 'succeeded',
  };
  if (apiVersion < '2022-11-15') {
    charge.refunds = {
      object: 'list',
      data: [refund],
      has_more: false,
      total_count: 1,
      url: `/v1/charges/${chargeId}/refunds`,
    };
  }

  return {
    id: stripeId('evt'),
    object: 'event',
    api_version: apiVersion,
    created,
    data: {
      object: charge,
      previous_attributes: { amount_refunded: 0, refunded: false },
    },
    livemode: false,
    pending_webhooks: 1,
    request: { id: stripeId('req'), idempotency_key: randomBytes(16).toString('hex') },
    type: 'charge.refunded',
  };
}

/** Returns the body and `Stripe-Signature` header Stripe would send. */
export function signedDelivery(
  event: unknown,
  secret: string,
  timestamp = Math.floor(Date.now() / 1000)
): { body: string; signature: string } {
  const body = JSON.stringify(event, null, 2);
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret,
    timestamp,
  });
  return { body, signature };
}
