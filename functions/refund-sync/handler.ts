import type { Request, Response } from '@google-cloud/functions-framework';

import { PermanentError, describeError } from '../shared/errors';
import * as logs from '../shared/logs';
import type { EventContext } from '../shared/logs';
import {
  decodePushEnvelope,
  eventAttribute,
  MalformedPushError,
  parseEvent,
  type PushedMessage,
} from '../shared/message';
import type { Publish } from '../shared/pubsub';
import { publishDeadLetter, type Undeliverable } from './dead-letter';
import { applyEvent, type SyncDependencies } from './sync';

// Pub/Sub push treats 2xx as an acknowledgement and anything else as a nack.
const acknowledged = 200;
const retryLaterStatus = 503;

function contextOf(message: Omit<PushedMessage, 'data'> | undefined): EventContext {
  if (message === undefined) return {};
  return {
    eventId: message.attributes[eventAttribute.eventId],
    eventType: message.attributes[eventAttribute.eventType],
    messageId: message.messageId || undefined,
    deliveryAttempt: message.deliveryAttempt,
    replayed: message.attributes[eventAttribute.replayedAt] !== undefined,
  };
}

/** Returns what to dead-letter for a request whose message was unreadable. */
function undeliverable(req: Request, error: PermanentError): Undeliverable {
  const envelope =
    error instanceof MalformedPushError
      ? error.envelope
      : { attributes: {}, messageId: '', subscription: '' };
  return {
    // The whole request body, so an operator sees what Pub/Sub sent.
    data: req.rawBody ?? Buffer.from(JSON.stringify(req.body ?? null)),
    attributes: envelope.attributes,
    messageId: envelope.messageId,
    subscription: envelope.subscription,
  };
}

/**
 * Returns the HTTP handler Pub/Sub pushes events to. Its answer follows from
 * one rule: applied or deliberately ignored, or dead-lettered with its
 * reason, is acknowledged; anything else is retried.
 */
export function createRefundSyncHandler(
  deps: SyncDependencies,
  publishDeadLetterMessage: Publish
) {
  return async (req: Request, res: Response): Promise<void> => {
    let message: PushedMessage | undefined;
    const context: EventContext = {};

    try {
      message = decodePushEnvelope(req.body);
      Object.assign(context, contextOf(message));

      const event = parseEvent(message.data);
      context.eventId = event.id;
      context.eventType = event.type;

      const outcome = await applyEvent(event, deps, context);
      res.status(acknowledged).json({ outcome });
    } catch (error) {
      await respondToFailure(req, res, error, message, context, publishDeadLetterMessage);
    }
  };
}

async function respondToFailure(
  req: Request,
  res: Response,
  error: unknown,
  message: PushedMessage | undefined,
  context: EventContext,
  publish: Publish
): Promise<void> {
  // Everything that is not known to be permanent is retried: after the
  // subscription's maximum attempts Pub/Sub dead-letters it on its own.
  if (!(error instanceof PermanentError)) {
    logs.retryLater(context, describeError(error));
    res.status(retryLaterStatus).json({ error: 'retry later' });
    return;
  }

  if (error instanceof MalformedPushError) Object.assign(context, contextOf(error.envelope));
  const target = message ?? undeliverable(req, error);
  try {
    await publishDeadLetter(publish, target, error);
  } catch (publishError) {
    logs.deadLetterPublishFailed(context, describeError(publishError));
    res.status(retryLaterStatus).json({ error: 'retry later' });
    return;
  }
  logs.deadLettered(context, error.reason, error.message);
  res.status(acknowledged).json({ outcome: 'dead_lettered', reason: error.reason });
}
