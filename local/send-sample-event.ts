/**
 * `npm run sample-event -- [name]`: sends the local webhook a correctly
 * signed `charge.refunded` event for one of the sample orders, as Stripe
 * would, and prints the webhook's answer. The webhook is found on
 * WEBHOOK_PORT (as `npm start` uses it) or at WEBHOOK_URL.
 */
import { chargeRefundedEvent, currentApiVersion, legacyApiVersion, signedDelivery } from './events';
import { localDefaults, sampleOrders, type SampleName } from './sample-data';

const names: SampleName[] = [...(Object.keys(sampleOrders) as SampleName[]), 'partial', 'unknown-order'];

function sampleEvent(name: SampleName) {
  if (name === 'partial') {
    const sample = sampleOrders['payment-intent'];
    return chargeRefundedEvent({
      chargeId: sample.chargeId,
      paymentIntentId: sample.paymentIntentId,
      amount: sample.amount,
      amountRefunded: 1000,
      metadata: { order_id: sample.orderId },
    });
  }
  if (name === 'unknown-order') {
    return chargeRefundedEvent({ metadata: { order_id: '00000000-0000-4000-8000-000000000000' } });
  }

  const sample = sampleOrders[name];
  return chargeRefundedEvent({
    apiVersion: sample.gateway === 'stripe' ? legacyApiVersion : currentApiVersion,
    chargeId: sample.chargeId,
    paymentIntentId: sample.paymentIntentId,
    amount: sample.amount,
    // This sample's order id is only on its PaymentIntent.
    metadata: name === 'order-on-intent' ? {} : { order_id: sample.orderId },
  });
}

async function main(): Promise<void> {
  const name = (process.argv[2] ?? 'payment-intent') as SampleName;
  if (!names.includes(name)) {
    console.error(`unknown sample "${name}"; choose one of: ${names.join(', ')}`);
    process.exit(2);
  }

  const port = process.env.WEBHOOK_PORT || String(localDefaults.webhookPort);
  const url = process.env.WEBHOOK_URL || `http://127.0.0.1:${port}/`;
  const secret = (process.env.STRIPE_WEBHOOK_SECRET || localDefaults.webhookSecret).split(',')[0].trim();
  const event = sampleEvent(name);
  const { body, signature } = signedDelivery(event, secret);

  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body,
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    console.error(`could not reach the webhook at ${url}: is \`npm start\` running? (${String(error)})`);
    process.exit(1);
  }

  console.log(`sent ${event.type} ${event.id} (sample "${name}", charge ${event.data.object.id})`);
  console.log(`webhook answered ${response.status}: ${await response.text()}`);
  process.exit(response.ok ? 0 : 1);
}

void main();
