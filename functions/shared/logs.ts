/**
 * Every line the service logs, in one place. Each is one JSON object on
 * stdout that Cloud Logging reads as a structured entry (`severity`,
 * `message`, and the ids below as fields). No secret, signature, token or
 * customer detail is ever passed in here.
 */

type Severity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR';

/** The ids that tie a log line to an event and an order. */
export interface EventContext {
  eventId?: string;
  eventType?: string;
  messageId?: string;
  deliveryAttempt?: number;
  chargeId?: string;
  orderId?: string;
  transactionId?: string;
  replayed?: boolean;
}

// Ids come from the input: a forged or broken one must not swell the logs.
const idLimit = 128;
const messageLimit = 2000;

function clip(value: string | undefined, limit = idLimit): string | undefined {
  if (value === undefined || value.length <= limit) return value;
  return `${value.slice(0, limit)}... (${value.length} characters)`;
}

function write(
  severity: Severity,
  message: string,
  context: EventContext = {},
  extra: Record<string, unknown> = {}
): void {
  const entry = {
    severity,
    message: clip(message, messageLimit),
    event_id: clip(context.eventId),
    event_type: clip(context.eventType),
    message_id: clip(context.messageId),
    delivery_attempt: context.deliveryAttempt,
    charge_id: clip(context.chargeId),
    order_id: clip(context.orderId),
    transaction_id: clip(context.transactionId),
    replayed: context.replayed || undefined,
    ...extra,
  };
  process.stdout.write(`${JSON.stringify(entry)}\n`);
}

// Start-up.

export function configInvalid(functionName: string, problem: string): void {
  write('ERROR', `${functionName} cannot start: ${problem}`);
}

// stripeWebhook.

export function webhookRejected(reason: string, context?: EventContext): void {
  write('WARNING', `webhook rejected: ${reason}`, context);
}

export function eventPublished(context: EventContext, topic: string): void {
  write('INFO', 'event published', context, { topic });
}

export function publishFailed(
  context: EventContext,
  topic: string,
  problem: string
): void {
  write('ERROR', `event not published, Stripe will retry: ${problem}`, context, {
    topic,
  });
}

// refundSync: one line per decision.

export function eventTypeIgnored(context: EventContext): void {
  write('INFO', 'ignored: not a charge.refunded event', context);
}

export function partialRefundIgnored(
  context: EventContext,
  amounts: { amount: unknown; amountRefunded: unknown; status: unknown }
): void {
  write('INFO', 'ignored: charge is not fully refunded', context, {
    amount: amounts.amount,
    amount_refunded: amounts.amountRefunded,
    charge_status: amounts.status,
  });
}

export function notMoltinOrder(context: EventContext, metadataKey: string): void {
  write(
    'INFO',
    `ignored: charge has no "${metadataKey}" metadata, so it is not a Moltin order`,
    context
  );
}

export function orderIdFromPaymentIntent(
  context: EventContext,
  paymentIntentId: string
): void {
  write('DEBUG', 'order id read from the PaymentIntent metadata', context, {
    payment_intent_id: paymentIntentId,
  });
}

export function alreadyRefunded(context: EventContext): void {
  write('INFO', 'already refunded in Moltin: nothing to do', context);
}

export function transactionRefunded(context: EventContext): void {
  write('NOTICE', 'transaction marked refunded in Moltin', context);
}

export function retryLater(context: EventContext, problem: string): void {
  write('WARNING', `transient failure, Pub/Sub will retry: ${problem}`, context);
}

export function deadLettered(
  context: EventContext,
  reason: string,
  problem: string
): void {
  write('ERROR', `dead-lettered (${reason}): ${problem}`, context, { reason });
}

export function deadLetterPublishFailed(
  context: EventContext,
  problem: string
): void {
  write('ERROR', `dead letter not published, Pub/Sub will retry: ${problem}`, context);
}
