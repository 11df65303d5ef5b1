import { PermanentError, TransientError, describeError } from '../shared/errors';
import type { RefundedCharge } from './charge';

/**
 * Returns a PaymentIntent's metadata from the Stripe API; `account` names
 * the connected account a Connect event came from.
 */
export type PaymentIntentMetadata = (
  paymentIntentId: string,
  account?: string
) => Promise<Record<string, unknown>>;

// Moltin order ids are UUIDs; anything outside this set could also change
// the path of the Moltin request it is put into.
const orderIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

function readOrderId(
  metadata: Record<string, unknown>,
  key: string,
  where: string
): string | undefined {
  const value = metadata[key];
  if (value === undefined || value === null || value === '') return undefined;

  if (typeof value !== 'string' || !orderIdPattern.test(value.trim())) {
    // Its shape only: a wrong value may well be a customer's name or email.
    const shape =
      typeof value === 'string' ? `a string of ${value.length} characters` : `a ${typeof value}`;
    throw new PermanentError(
      'invalid_order_id',
      `${where} metadata "${key}" is not a Moltin order id (${shape})`
    );
  }
  return value.trim();
}

/** Where a charge's order id was found, if anywhere. */
export interface OrderIdLookup {
  orderId?: string;
  source?: 'charge' | 'payment_intent';
}

/**
 * Returns the Moltin order id a charge belongs to: from the charge's own
 * metadata, else from its PaymentIntent's; none when the charge was not a
 * Moltin sale.
 */
export async function findOrderId(
  charge: RefundedCharge,
  metadataKey: string,
  paymentIntentMetadata: PaymentIntentMetadata,
  account?: string
): Promise<OrderIdLookup> {
  const fromCharge = readOrderId(charge.metadata, metadataKey, 'charge');
  if (fromCharge !== undefined) return { orderId: fromCharge, source: 'charge' };
  if (charge.paymentIntentId === undefined) return {};

  const metadata = await paymentIntentMetadata(charge.paymentIntentId, account);
  const fromIntent = readOrderId(metadata, metadataKey, 'PaymentIntent');
  return fromIntent === undefined ? {} : { orderId: fromIntent, source: 'payment_intent' };
}

interface StripeSettings {
  secretKey: string;
  apiUrl?: URL;
  timeoutMs: number;
}

/**
 * Returns a lookup of PaymentIntent metadata through the Stripe library;
 * the library is loaded on the first lookup, which most refunds never need.
 */
export function stripePaymentIntentMetadata(settings: StripeSettings): PaymentIntentMetadata {
  let client: import('stripe').Stripe | undefined;

  return async (paymentIntentId, account) => {
    const Stripe = require('stripe') as typeof import('stripe');
    const url = settings.apiUrl;
    const stripe = (client ??= new Stripe(settings.secretKey, {
      timeout: settings.timeoutMs,
      maxNetworkRetries: 1,
      telemetry: false,
      ...(url && {
        host: url.hostname,
        port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
        protocol: url.protocol === 'https:' ? 'https' : 'http',
      }),
    }));

    try {
      const intent = await stripe.paymentIntents.retrieve(
        paymentIntentId,
        {},
        account ? { stripeAccount: account } : {}
      );
      return (intent.metadata ?? {}) as Record<string, unknown>;
    } catch (error) {
      throw classifyStripeFailure(error, paymentIntentId);
    }
  };
}

/**
 * Returns the error a failed Stripe call stands for: a missing PaymentIntent
 * is permanent; connection, rate-limit, auth and server errors are transient.
 */
export function classifyStripeFailure(
  error: unknown,
  paymentIntentId: string
): TransientError | PermanentError {
  const statusCode = (error as { statusCode?: unknown })?.statusCode;
  const problem = `Stripe PaymentIntent ${paymentIntentId} lookup failed: ${describeError(error)}`;
  if (statusCode === 404) return new PermanentError('payment_intent_not_found', problem);
  return new TransientError(problem, { cause: error });
}
