/**
 * What a dead letter says about itself: the event it carries, why it was
 * not applied, and the attributes it goes back to the events topic with.
 */
import { isRecord } from '../../functions/shared/json';
import {
  deadLetterAttribute,
  eventAttribute,
  pubsubDeadLetterAttribute,
} from '../../functions/shared/message';

/** A message pulled from the dead-letter subscription. */
export interface DeadLetter {
  messageId: string;
  ackId: string;
  data: Buffer;
  attributes: Record<string, string>;
  /** When the message reached the dead-letter topic. */
  publishedAt?: Date;
}

/** The part of a dead letter an operator reads first. */
export interface DeadLetterSummary {
  messageId: string;
  eventId?: string;
  eventType?: string;
  orderId?: string;
  chargeId?: string;
  reason: string;
  detail?: string;
  /** Deliveries to refundSync before Pub/Sub gave up; unknown otherwise. */
  deliveryCount?: number;
  deadLetteredAt?: Date;
  replayedAt?: string;
}

/** The reason shown for a message Pub/Sub's dead-letter policy forwarded. */
export const attemptsExhausted = 'delivery_attempts_exhausted';

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Returns the JSON a dead letter's data holds, or undefined if none. */
export function decodeData(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
}

function validDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Returns why a dead letter was not applied, from whoever dead-lettered it. */
function reasonOf(attributes: Record<string, string>): {
  reason: string;
  detail?: string;
  deliveryCount?: number;
} {
  const count = Number(attributes[pubsubDeadLetterAttribute.deliveryCount]);
  const deliveryCount = Number.isInteger(count) && count > 0 ? count : undefined;

  const reason = text(attributes[deadLetterAttribute.reason]);
  if (reason !== undefined) {
    return { reason, detail: text(attributes[deadLetterAttribute.detail]), deliveryCount };
  }
  if (deliveryCount !== undefined) {
    const from = attributes[pubsubDeadLetterAttribute.subscription] ?? 'the push subscription';
    return {
      reason: attemptsExhausted,
      detail:
        `Pub/Sub gave up after ${deliveryCount} delivery attempts from ${from}; ` +
        "refundSync's log lines for this event id say why each attempt failed",
      deliveryCount,
    };
  }
  return { reason: 'unknown' };
}

/** Returns the ids, the reason and the age of a dead letter. */
export function summarize(letter: DeadLetter, orderIdKey = 'order_id'): DeadLetterSummary {
  const { attributes } = letter;
  const event = decodeData(letter.data);
  const object =
    isRecord(event) && isRecord(event.data) && isRecord(event.data.object)
      ? event.data.object
      : undefined;
  const metadata = object && isRecord(object.metadata) ? object.metadata : undefined;
  const isCharge = object?.object === 'charge' || text(object?.id)?.startsWith('ch_');
  const fromEvent = (field: string) => (isRecord(event) ? text(event[field]) : undefined);

  return {
    messageId: letter.messageId,
    eventId: text(attributes[eventAttribute.eventId]) ?? fromEvent('id'),
    eventType: text(attributes[eventAttribute.eventType]) ?? fromEvent('type'),
    orderId: metadata ? text(metadata[orderIdKey]) : undefined,
    chargeId: isCharge ? text(object?.id) : undefined,
    ...reasonOf(attributes),
    deadLetteredAt: validDate(attributes[deadLetterAttribute.deadLetteredAt]) ?? letter.publishedAt,
    replayedAt: text(attributes[eventAttribute.replayedAt]),
  };
}

/** Returns whether an id the operator typed names this dead letter. */
export function matchesId(letter: DeadLetter, id: string): boolean {
  if (letter.messageId === id) return true;
  if (letter.attributes[eventAttribute.eventId] === id) return true;
  const event = decodeData(letter.data);
  return isRecord(event) && event.id === id;
}

const deadLetterAttributeNames = new Set<string>([
  ...Object.values(deadLetterAttribute),
  ...Object.values(pubsubDeadLetterAttribute),
]);

/**
 * Returns the attributes a dead letter is republished with: the event's own,
 * without what dead-lettering added, and marked as a replay.
 */
export function replayAttributes(
  attributes: Record<string, string>,
  replayedAt: Date
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (deadLetterAttributeNames.has(name)) continue;
    // Pub/Sub may add more of its own in future; none belong to the event.
    if (name.startsWith('CloudPubSubDeadLetterSource')) continue;
    kept[name] = value;
  }
  kept[eventAttribute.replayedAt] = replayedAt.toISOString();
  return kept;
}
