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

/**
 * Returns a publisher for one topic that sends each message at once (no
 * batching delay) and gives up after `timeoutMs`.
 */
export function topicPublisher(
  projectId: string,
  topicName: string,
  timeoutMs: number
): Publish {
  let topic: Topic | undefined;

  return async (data, attributes) => {
    topic ??= pubsubClient(projectId).topic(topicName, {
      batching: { maxMessages: 1, maxMilliseconds: 0 },
      gaxOpts: { timeout: timeoutMs },
    });

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
      clearTimeout(timer);
    }
  };
}
