/**
 * The sample store `npm start` runs when no Moltin credentials are given,
 * and the settings the local pipeline and the sample-event command share.
 */
import type { MoltinSandbox } from './moltin-sandbox';

export const localDefaults = {
  webhookPort: 8080,
  refundSyncPort: 8081,
  emulatorPort: 8085,
  moltinPort: 8090,
  stripePort: 8091,
  webhookSecret: 'whsec_local_sandbox_secret',
  stripeSecretKey: 'sk_test_local_sandbox',
  moltinClientId: 'local-sandbox-client',
  moltinClientSecret: 'local-sandbox-secret',
};

/** Sample orders, each paid through one of the gateways. */
export const sampleOrders = {
  legacy: {
    orderId: '6f1d2c3b-0a9e-4b8d-9c7f-1e2d3c4b5a60',
    gateway: 'stripe',
    chargeId: 'ch_3SampleLegacyCharge01',
    paymentIntentId: null,
    reference: 'ch_3SampleLegacyCharge01',
    amount: 4200,
  },
  'payment-intent': {
    orderId: '8a7b6c5d-4e3f-4a1b-8c9d-0e1f2a3b4c5d',
    gateway: 'elastic_path_payments_stripe',
    chargeId: 'ch_3SamplePaymentIntentCharge',
    paymentIntentId: 'pi_3SamplePaymentIntent01',
    reference: 'pi_3SamplePaymentIntent01',
    amount: 12999,
  },
  'order-on-intent': {
    orderId: '2c4e6a8b-1d3f-4b5a-9c7e-8f0a2b4c6d8e',
    gateway: 'stripe_payment_intents',
    chargeId: 'ch_3SampleIntentMetadata1',
    paymentIntentId: 'pi_3SampleIntentMetadata1',
    reference: 'pi_3SampleIntentMetadata1',
    amount: 1500,
  },
} as const;

export type SampleName = keyof typeof sampleOrders | 'partial' | 'unknown-order';

/** Fills the sandbox with the sample orders. */
export function loadSampleOrders(sandbox: MoltinSandbox): void {
  for (const sample of Object.values(sampleOrders)) {
    sandbox.addOrder(
      {
        reference: sample.reference,
        gateway: sample.gateway,
        amount: sample.amount,
        transaction_type: sample.gateway === 'stripe' ? 'purchase' : 'capture',
      },
      sample.orderId
    );
  }
}
