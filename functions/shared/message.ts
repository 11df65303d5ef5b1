/**
 * The format of the messages this service puts on Pub/Sub and takes off it:
 * the events topic (a Stripe event, its raw bytes as data), the push
 * envelope Pub/Sub wraps them in, and the dead-letter topic.
 */
import { PermanentError } from './errors';
import { isRecord } from './json';

/** Attributes of a message on the events topic. */
export const eventAttribute = {
  eventId: 'event_id',
  eventType: 'event_type',
  livemode: 'livemode',
  apiVersion: 'api_version',
  created: 'created',
  account: 'account',
  /** Set by the dead-letter CLI on a republished event. */
  replayedAt: 'replayed_at',
} as const;

/** Attributes this service adds to a message on the dead-letter topic. */
export const deadLetterAttribute = {
  reason: 'dead_letter_reason',
  detail: 'dead_letter_detail',
  deadLetteredAt: 'dead_lettered_at',
  sourceMessageId: 'source_message_id',
  sourceSubscription: 'source_subscription',
} as const;

/** Attributes Pub/Sub itself adds when its dead-letter policy forwards. */
export const pubsubDeadLetterAttribute = {
  deliveryCount: 'CloudPubSubDeadLetterSourceDeliveryCount',
  subscription: 'CloudPubSubDeadLetterSourceSubscription',
  subscriptionProject: 'CloudPubSubDeadLetterSourceSubscriptionProject',
  publishTime: 'CloudPubSubDeadLetterSourceTopicPublishTime',
} as const;

/** Pub/Sub's limits on a message's attributes. */
export const attributeLimits = { count: 100, keyBytes: 256, valueBytes: 1024 } as const;
const attributeValueLimit = attributeLimits.valueBytes;

/** The fields of a Stripe event this service reads; the rest pass through. */
export interface StripeEventLike {
  id: string;
  type: string;
  created?: number;
  livemode?: boolean;
  api_version?: string | null;
  account?: string;
  data: { object: Record<string, unknown> };
}

/** Returns the attributes an event is published with. */
export function eventAttributes(event: StripeEventLike): Record<string, string> {
  const attributes: Record<string, string> = {
    [eventAttribute.eventId]: event.id,
    [eventAttribute.eventType]: event.type,
    [eventAttribute.livemode]: String(event.livemode === true),
    [eventAttribute.apiVersion]: attributeValue(event.api_version ?? ''),
    [eventAttribute.created]: String(event.created ?? ''),
  };
  if (event.account) attributes[eventAttribute.account] = attributeValue(event.account);
  return attributes;
}

/** A message as Pub/Sub pushes it, decoded. */
export interface PushedMessage {
  messageId: string;
  subscription: string;
  attributes: Record<string, string>;
  data: Buffer;
  deliveryAttempt?: number;
}

/** A push request that holds no decodable message; what it does hold is kept. */
export class MalformedPushError extends PermanentError {
  constructor(
    problem: string,
    readonly envelope: Omit<PushedMessage, 'data'>
  ) {
    super('malformed_message', problem);
    this.name = 'MalformedPushError';
  }
}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

function isBase64(value: string): boolean {
  return value.length % 4 === 0 && base64Pattern.test(value);
}

function stringAttributes(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};

  const attributes: Record<string, string> = {};
  for (const [key, attribute] of Object.entries(value)) {
    if (typeof attribute === 'string') attributes[key] = attribute;
  }
  return attributes;
}

/**
 * Returns the message inside a Pub/Sub push request body; throws a
 * PermanentError when the body is not a push envelope with data.
 */
export function decodePushEnvelope(body: unknown): PushedMessage {
  if (!isRecord(body) || !isRecord(body.message)) {
    throw new MalformedPushError('request is not a Pub/Sub push envelope', {
      messageId: '',
      subscription: '',
      attributes: {},
    });
  }
  const message = body.message;
  const messageId = message.messageId ?? message.message_id;
  const attributes = stringAttributes(message.attributes);
  const deliveryAttempt =
    typeof body.deliveryAttempt === 'number' ? body.deliveryAttempt : undefined;

  const envelope = {
    messageId: typeof messageId === 'string' ? messageId : '',
    subscription: typeof body.subscription === 'string' ? body.subscription : '',
    attributes,
    deliveryAttempt,
  };
  if (typeof message.data !== 'string' || message.data === '') {
    throw new MalformedPushError('push message has no data', envelope);
  }
  if (!isBase64(message.data)) {
    throw new MalformedPushError('push message data is not base64', envelope);
  }
  return { ...envelope, data: Buffer.from(message.data, 'base64') };
}

/**
 * Returns the Stripe event in a message's data; throws a PermanentError when
 * it is not JSON or lacks an id, a type or a data object.
 */
export function parseEvent(data: Buffer): StripeEventLike {
  let event: unknown;
  try {
    event = JSON.parse(data.toString('utf8'));
  } catch {
    throw new PermanentError('malformed_event', 'message data is not JSON');
  }
  return asEvent(event);
}

// Stripe's ids and event types are short; anything longer is not theirs.
const identifierLimit = 255;

// Fields that become attributes, with the type Stripe gives them.
const optionalFields = [
  ['created', 'number'],
  ['livemode', 'boolean'],
  ['api_version', 'string'],
  ['account', 'string'],
] as const;

/** Returns the value as a Stripe event, or throws a PermanentError. */
export function asEvent(event: unknown): StripeEventLike {
  if (!isRecord(event)) {
    throw new PermanentError('malformed_event', 'event is not a JSON object');
  }
  if (typeof event.id !== 'string' || event.id === '') {
    throw new PermanentError('malformed_event', 'event has no id');
  }
  if (typeof event.type !== 'string' || event.type === '') {
    throw new PermanentError('malformed_event', 'event has no type');
  }
  if (event.id.length > identifierLimit || event.type.length > identifierLimit) {
    throw new PermanentError('malformed_event', 'event id or type is too long');
  }
  if (!isRecord(event.data) || !isRecord(event.data.object)) {
    throw new PermanentError('malformed_event', 'event has no data.object');
  }
  for (const [field, type] of optionalFields) {
    const value = event[field];
    if (value !== undefined && value !== null && typeof value !== type) {
      throw new PermanentError('malformed_event', `event ${field} is not a ${type}`);
    }
  }
  return event as unknown as StripeEventLike;
}

/** Cuts an attribute value to what Pub/Sub accepts. */
export function attributeValue(value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= attributeValueLimit) return value;

  // Cut on a character boundary: drop a trailing partial UTF-8 sequence.
  let text = bytes.subarray(0, attributeValueLimit - 3).toString('utf8');
  text = text.replace(/\uFFFD$/, '');
  return `${text}...`;
}
