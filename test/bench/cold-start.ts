/**
 * Cold start: from process spawn to the first 2xx, for each function and
 * the bare one, in interleaved rounds so that whatever else the machine
 * does falls on all three alike. Each first request is the real thing: a
 * signed delivery the webhook publishes, a pushed refund refundSync applies.
 */
import { MoltinSandbox } from '../../local/moltin-sandbox';
import { StripeFake } from '../../local/stripe-fake';
import {
  bareFunction,
  benchSecrets,
  pushSubscriptionName,
  refundSyncFunction,
  webhookFunction,
} from './functions';
import { startTimedFunction, type BenchRequest, type FunctionSpec } from './processes';
import { deliveryOf, pushOf, refundOf, refundOfSandboxOrder } from './requests';
import { median } from './stats';

export interface ColdStart {
  label: string;
  samplesMs: number[];
  medianMs: number;
}

export interface ColdStartSettings {
  rounds: number;
  projectId: string;
  env: Record<string, string>;
  logDir: string;
}

/** Returns each function's cold starts, the bare function's first. */
export async function measureColdStarts(
  settings: ColdStartSettings
): Promise<ColdStart[]> {
  const moltin = new MoltinSandbox({
    clientId: benchSecrets.moltinClientId,
    clientSecret: benchSecrets.moltinClientSecret,
  });
  const stripe = new StripeFake(benchSecrets.stripeKey);
  await Promise.all([moltin.start(), stripe.start()]);

  const subscription = pushSubscriptionName(settings.projectId);
  const cases: { spec: FunctionSpec; first: () => BenchRequest }[] = [
    {
      spec: bareFunction(settings.env),
      first: () => deliveryOf(refundOf(), benchSecrets.webhook),
    },
    {
      spec: webhookFunction(settings.env),
      first: () => deliveryOf(refundOf(), benchSecrets.webhook),
    },
    {
      spec: refundSyncFunction(settings.env, { moltin: moltin.url, stripe: stripe.url }),
      first: () => pushOf(refundOfSandboxOrder(moltin), subscription),
    },
  ];

  try {
    const samples = cases.map(() => [] as number[]);
    for (let round = 0; round < settings.rounds; round++) {
      for (const [index, { spec, first }] of cases.entries()) {
        const running = await startTimedFunction(spec, first(), settings.logDir);
        samples[index].push(running.coldStartMs);
        await running.stop();
      }
    }

    // Each refundSync first request must have refunded its order for real.
    const refunds = moltin.refundCalls().length;
    if (refunds !== settings.rounds) {
      throw new Error(
        `refundSync cold starts made ${refunds} refunds, not ${settings.rounds}`
      );
    }

    return cases.map(({ spec }, index) => ({
      label: spec.label,
      samplesMs: samples[index],
      medianMs: median(samples[index]),
    }));
  } finally {
    await Promise.all([moltin.stop(), stripe.stop()]);
  }
}
