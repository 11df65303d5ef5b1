/**
 * Peak resident memory with the V8 heap limits of a 256 MiB instance: each
 * function is run again under the load it was measured with, its heap sized
 * as Node sizes it in such an instance, and its peak read from /proc.
 */
import type { PubSub } from '@google-cloud/pubsub';

import { benchSecrets, webhookFunction } from './functions';
import { runLoad } from './load';
import { instanceHeapFlags, startTimedFunction } from './processes';
import { deliveries } from './requests';
import { measureSubscriber } from './subscriber';

export interface MemorySettings {
  connections: number;
  durationSeconds: number;
  warmUpSeconds: number;
  events: number;
  moltinDelayMs: number;
  webhookEnv: Record<string, string>;
  subscriberEnv: Record<string, string>;
  subscriberProjectId: string;
  pubsub: PubSub;
  logDir: string;
}

/** Each function's peak resident memory in bytes, heap limited as deployed. */
export interface InstanceMemory {
  stripeWebhook: number;
  refundSync: number;
}

/** Returns the peak resident memory of each function as an instance runs it. */
export async function measureInstanceMemory(
  settings: MemorySettings
): Promise<InstanceMemory> {
  const pool = deliveries(settings.connections * 500, benchSecrets.webhook);
  const spec = { ...webhookFunction(settings.webhookEnv), nodeArgs: instanceHeapFlags };
  const webhook = await startTimedFunction(spec, pool[0], settings.logDir);

  let webhookPeak: number;
  try {
    for (const seconds of [settings.warmUpSeconds, settings.durationSeconds]) {
      const load = await runLoad(webhook.url, pool, {
        connections: settings.connections,
        durationSeconds: seconds,
      });
      if (load.failed > 0) {
        throw new Error(`stripeWebhook failed ${load.failed} deliveries`);
      }
    }
    webhookPeak = webhook.peakRssBytes();
  } finally {
    await webhook.stop();
  }

  const subscriber = await measureSubscriber({
    events: settings.events,
    moltinDelayMs: settings.moltinDelayMs,
    projectId: settings.subscriberProjectId,
    pubsub: settings.pubsub,
    env: settings.subscriberEnv,
    logDir: settings.logDir,
    nodeArgs: instanceHeapFlags,
  });
  if (subscriber.refundsApplied !== settings.events + 1) {
    throw new Error(
      `refundSync applied ${subscriber.refundsApplied} of ${settings.events + 1}`
    );
  }

  return { stripeWebhook: webhookPeak, refundSync: subscriber.peakRssBytes };
}
