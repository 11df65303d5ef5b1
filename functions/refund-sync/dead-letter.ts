import type { PermanentError } from '../shared/errors';
import { attributeValue, deadLetterAttribute } from '../shared/message';
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
  const attributes: Record<string, string> = {
    ...message.attributes,
    [deadLetterAttribute.reason]: error.reason,
    [deadLetterAttribute.detail]: attributeValue(error.message),
    [deadLetterAttribute.deadLetteredAt]: now.toISOString(),
  };
  if (message.messageId) {
    attributes[deadLetterAttribute.sourceMessageId] = message.messageId;
  }
  if (message.subscription) {
    attributes[deadLetterAttribute.sourceSubscription] = message.subscription;
  }

  // Pub/Sub refuses a message with neither data nor attributes; ours always
  // carries the reason, so an empty body still goes through.
  return publish(message.data, attributes);
}
