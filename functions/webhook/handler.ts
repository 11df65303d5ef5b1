import type { Request, Response } from '@google-cloud/functions-framework';
import Stripe from 'stripe';

import type { WebhookConfig } from '../shared/config';
import { describeError } from '../shared/errors';
import * as logs from '../shared/logs';
import { asEvent, eventAttributes, type StripeEventLike } from '../shared/message';
import type { Publish } from '../shared/pubsub';

/** Stripe's own default: events signed longer ago than this are refused. */
export const signatureToleranceSeconds = 300;

/** Why a delivery was refused before anything was published. */
export class WebhookRejection extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookRejection';
  }
}

/**
 * Returns the event in a signed delivery, checking the signature against
 * each secret in turn (several are configured while one is rotated).
 */
export function verifyEvent(
  rawBody: Buffer | undefined,
  signature: string | undefined,
  secrets: string[],
  toleranceSeconds = signatureToleranceSeconds
): StripeEventLike {
  if (!signature) throw new WebhookRejection('no Stripe-Signature header');
  if (!rawBody || rawBody.length === 0) throw new WebhookRejection('empty body');

  let lastProblem = 'no webhook secret configured';
  for (const secret of secrets) {
    let payload: unknown;
    try {
      payload = Stripe.webhooks.constructEvent(
        rawBody,
        signature,
        secret,
        toleranceSeconds
      );
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeSignatureVerificationError)) {
        throw new WebhookRejection('body is not JSON');
      }
      // Stripe's message goes on to give advice; its first line is the fact.
      lastProblem = error.message.split('\n')[0];
      continue;
    }
    return asDeliveredEvent(payload);
  }
  throw new WebhookRejection(`signature verification failed: ${lastProblem}`);
}

function asDeliveredEvent(payload: unknown): StripeEventLike {
  try {
    return asEvent(payload);
  } catch (error) {
    throw new WebhookRejection(`body is not a Stripe event: ${describeError(error)}`);
  }
}

/** Returns the HTTP handler that verifies and publishes Stripe deliveries. */
export function createWebhookHandler(config: WebhookConfig, publish: Publish) {
  return async (req: Request, res: Response): Promise<void> => {
    if (req.method !== 'POST') {
      res.set('Allow', 'POST').status(405).json({ error: 'method not allowed' });
      return;
    }

    let event: StripeEventLike;
    try {
      event = verifyEvent(req.rawBody, req.get('stripe-signature'), config.webhookSecrets);
    } catch (error) {
      const problem = describeError(error);
      logs.webhookRejected(problem);
      res.status(400).json({ error: problem });
      return;
    }

    const context = { eventId: event.id, eventType: event.type };
    try {
      // The raw bytes go on unchanged, so subscribers see what Stripe signed.
      const messageId = await publish(req.rawBody as Buffer, eventAttributes(event));
      logs.eventPublished({ ...context, messageId }, config.topic);
      res.status(200).json({ received: true, id: event.id });
    } catch (error) {
      logs.publishFailed(context, config.topic, describeError(error));
      res.status(503).json({ error: 'event not queued; retry later' });
    }
  };
}
