import type { PubSub, Topic } from '@google-cloud/pubsub';

/** Publishes one message and resolves with its id once Pub/Sub has it. */
export type Publish = (
  data: Buffer,
  attributes: Record<string, string>
) => Promise<string>;

let client: PubSub | undefined;

function pubsubClient(projectId: string): PubSub {
  // Loaded on first use: the Pub/Sub library is the heaviest part of a cold
  // start, and nothing is published before the first request.
  const { PubSub } = require('@google-cloud/pubsub') as typeof import('@google-cloud/pubsub');

  // With PUBSUB_EMULATOR_HOST set, the library talks to the emulator.
  client ??= new PubSub({ projectId });
  return client;
}

/** The most messages one batched request carries (the library's default). */
const batchedMessages = 100;

/**
 * Returns a publisher for one topic that gives up after `timeoutMs`. A
 * message published while no other is on its way is sent at once, alone. One
 * published while others are still on their way is sent with those that
 * follow it in the same timer tick, in one request: under load many
 * deliveries share a call, and a lone one never waits for company.
 */
export function topicPublisher(
  projectId: string,
  topicName: string,
  timeoutMs: number
): Publish {
  let alone: Topic | undefined;
  let batched: Topic | undefined;
  let onTheirWay = 0;

  const openTopic = (maxMessages: number): Topic =>
    pubsubClient(projectId).topic(topicName, {
      batching: { maxMessages, maxMilliseconds: 0 },
      gaxOpts: { timeout: timeoutMs },
    });

  return async (data, attributes) => {
    const topic =
      onTheirWay === 0
        ? (alone ??= openTopic(1))
        : (batched ??= openTopic(batchedMessages));
    onTheirWay++;

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`publish timed out after ${timeoutMs} ms`)),
        timeoutMs
      );
    });
    try {
      return await Promise.race([topic.publishMessage({ data, attributes }), deadline]);
    } finally {
      onTheirWay--;
      clearTimeout(timer);
    }
  };
}
