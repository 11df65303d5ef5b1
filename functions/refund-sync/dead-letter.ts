import type { PermanentError } from '../shared/errors';
import {
  attributeLimits,
  attributeValue,
  deadLetterAttribute,
  eventAttribute,
} from '../shared/message';
import type { Publish } from '../shared/pubsub';

/** What is known of a message that could not be applied. */
export interface Undeliverable {
  data: Buffer;
  attributes: Record<string, string>;
  messageId: string;
  subscription: string;
}

/**
 * Publishes a message that can never be applied to the dead-letter topic:
 * its data unchanged, its attributes kept, and the reason added.
 */
export async function publishDeadLetter(
  publish: Publish,
  message: Undeliverable,
  error: PermanentError,
  now: Date = new Date()
): Promise<string> {
  const ours: Record<string, string> = {
    [deadLetterAttribute.reason]: error.reason,
    [deadLetterAttribute.detail]: attributeValue(error.message),
    [deadLetterAttribute.deadLetteredAt]: now.toISOString(),
  };
  if (message.messageId) {
    ours[deadLetterAttribute.sourceMessageId] = attributeValue(message.messageId);
  }
  if (message.subscription) {
    ours[deadLetterAttribute.sourceSubscription] = attributeValue(message.subscription);
  }

  // Pub/Sub refuses a message over its attribute limits, and a refused dead
  // letter would come back forever: keep what fits, the event's own first.
  const eventKeys = new Set<string>(Object.values(eventAttribute));
  const original = Object.entries(message.attributes)
    .filter(([key]) => !(key in ours))
    .filter(([key]) => Buffer.byteLength(key) <= attributeLimits.keyBytes && !key.startsWith('goog'))
    .sort(([a], [b]) => Number(eventKeys.has(b)) - Number(eventKeys.has(a)))
    .slice(0, attributeLimits.count - Object.keys(ours).length)
    .map(([key, value]) => [key, attributeValue(value)]);

  // Pub/Sub refuses a message with neither data nor attributes; ours always
  // carries the reason, so an empty body still goes through.
  return publish(message.data, { ...Object.fromEntries(original), ...ours });
}
