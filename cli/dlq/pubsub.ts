/**
 * The CLI's access to Pub/Sub: synchronous pull on the dead-letter
 * subscription, so it decides exactly what is acknowledged and what is handed
 * back, and unbatched publishing to the events topic.
 */
import type { v1 } from '@google-cloud/pubsub';

import type { DeadLetter } from './letter';
import { explainPubSubFailure, type PubSubAction } from './errors';

/** What the commands need from the dead-letter subscription and the topic. */
export interface DeadLetterQueue {
  readonly subscription: string;
  readonly topic: string;
  /** Returns up to `max` messages, leased to this process; none when drained. */
  pull(max: number): Promise<DeadLetter[]>;
  acknowledge(ackIds: string[]): Promise<void>;
  /** Sets the lease of messages; 0 hands them back at once. */
  setLease(ackIds: string[], seconds: number): Promise<void>;
  /** Publishes a message and resolves with its id once Pub/Sub has it. */
  publish(data: Buffer, attributes: Record<string, string>): Promise<string>;
  close(): Promise<void>;
}

export interface QueueSettings {
  projectId: string;
  subscription: string;
  topic: string;
  /** `host:port` of the emulator, from PUBSUB_EMULATOR_HOST. */
  emulatorHost?: string;
  /** How long a pull waits for messages before the subscription counts as drained. */
  pullWaitMs?: number;
  callTimeoutMs?: number;
}

/** Returns a full resource name, accepting a short one. */
export function resourceName(
  projectId: string,
  kind: 'subscriptions' | 'topics',
  name: string
): string {
  return name.startsWith('projects/') ? name : `projects/${projectId}/${kind}/${name}`;
}

interface Timestamp {
  seconds?: number | string | { toString(): string } | null;
  nanos?: number | null;
}

function dateOf(time: Timestamp | null | undefined): Date | undefined {
  if (!time || time.seconds === undefined || time.seconds === null) return undefined;
  return new Date(Number(time.seconds.toString()) * 1000 + Math.floor((time.nanos ?? 0) / 1e6));
}

// Pub/Sub takes at most this many ack ids in one request.
const ackIdsPerRequest = 1000;

function inChunks<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

/** Returns whether a pull came back empty because nothing arrived in time. */
function isEmptyWait(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 4;
}

/**
 * Opens the dead-letter subscription and the events topic. Talks to the
 * emulator when `emulatorHost` is set, and to Google with the application
 * default credentials otherwise.
 */
export async function openQueue(settings: QueueSettings): Promise<DeadLetterQueue> {
  const { PubSub, v1: clients } =
    require('@google-cloud/pubsub') as typeof import('@google-cloud/pubsub');
  const pullWaitMs = settings.pullWaitMs ?? 2000;
  const callTimeoutMs = settings.callTimeoutMs ?? 15_000;
  const subscription = resourceName(settings.projectId, 'subscriptions', settings.subscription);
  const topic = resourceName(settings.projectId, 'topics', settings.topic);

  if (settings.emulatorHost) {
    // Google's auth library would otherwise probe the metadata server, which
    // has no business in a run against the emulator.
    process.env.METADATA_SERVER_DETECTION ??= 'none';
  }

  // The library's own client configuration: emulator address and plain-text
  // channel, or Google's endpoint; nothing is contacted yet.
  const config = await new PubSub({
    projectId: settings.projectId,
    ...(settings.emulatorHost && { apiEndpoint: settings.emulatorHost }),
  }).getClientConfig();
  const options = { ...config, port: config.port === undefined ? undefined : Number(config.port) };
  const subscriber: v1.SubscriberClient = new clients.SubscriberClient(options);
  const publisher: v1.PublisherClient = new clients.PublisherClient(options);

  // One attempt per call: the CLI reports a failure at once, and its caller
  // decides whether to run again.
  const once = { timeout: callTimeoutMs, retry: null } as unknown as object;

  const fail = (error: unknown, verb: PubSubAction['verb'], kind: PubSubAction['kind']) =>
    explainPubSubFailure(error, {
      verb,
      kind,
      name: kind === 'topic' ? topic : subscription,
      emulatorHost: settings.emulatorHost,
    });

  const modify = async (ackIds: string[], seconds: number, verb: PubSubAction['verb']) => {
    for (const chunk of inChunks(ackIds, ackIdsPerRequest)) {
      try {
        await subscriber.modifyAckDeadline(
          { subscription, ackIds: chunk, ackDeadlineSeconds: seconds },
          once
        );
      } catch (error) {
        throw fail(error, verb, 'subscription');
      }
    }
  };

  return {
    subscription,
    topic,

    async pull(max) {
      let response;
      try {
        [response] = await subscriber.pull(
          { subscription, maxMessages: max },
          { timeout: pullWaitMs, retry: null } as unknown as object
        );
      } catch (error) {
        if (isEmptyWait(error)) return [];
        throw fail(error, 'pull from', 'subscription');
      }
      return (response.receivedMessages ?? []).map((received) => ({
        messageId: received.message?.messageId ?? '',
        ackId: received.ackId ?? '',
        data: Buffer.from(received.message?.data ?? []),
        attributes: { ...(received.message?.attributes ?? {}) },
        publishedAt: dateOf(received.message?.publishTime as Timestamp | undefined),
      }));
    },

    async acknowledge(ackIds) {
      for (const chunk of inChunks(ackIds, ackIdsPerRequest)) {
        try {
          await subscriber.acknowledge({ subscription, ackIds: chunk }, once);
        } catch (error) {
          throw fail(error, 'acknowledge on', 'subscription');
        }
      }
    },

    setLease(ackIds, seconds) {
      return modify(ackIds, seconds, seconds === 0 ? 'release on' : 'extend leases on');
    },

    async publish(data, attributes) {
      let response;
      try {
        [response] = await publisher.publish({ topic, messages: [{ data, attributes }] }, once);
      } catch (error) {
        throw fail(error, 'publish to', 'topic');
      }
      const [messageId] = response.messageIds ?? [];
      if (!messageId) throw fail(new Error('no message id in the reply'), 'publish to', 'topic');
      return messageId;
    },

    async close() {
      await Promise.all([subscriber.close(), publisher.close()]);
    },
  };
}
