import { PermanentError, TransientError, describeError } from '../shared/errors';
import { isRecord } from '../shared/json';
import type { OrderTransaction } from './transactions';

/** What the subscriber needs from Moltin. */
export interface MoltinOrders {
  /** Returns the order's transactions; PermanentError if there is no order. */
  listTransactions(orderId: string): Promise<OrderTransaction[]>;
  /**
   * Marks a transaction refunded. A refusal is a PermanentError with reason
   * `refund_rejected`, whatever it says: the caller reads the transaction's
   * state to tell "already refunded" from a real refusal.
   */
  refundTransaction(orderId: string, transactionId: string): Promise<void>;
}

export interface MoltinSettings {
  clientId: string;
  clientSecret: string;
  apiUrl?: URL;
  timeoutMs: number;
}

interface ApiError {
  status?: number | string;
  title?: string;
  detail?: string;
}

// The SDK waits `attempt * retryDelay` before retrying a 429 or a 401; keep
// that short and let Pub/Sub's backoff do the patient retrying.
const sdkRetry = { fetchMaxAttempts: 2, retryDelay: 250, retryJitter: 100 };

// Refreshing this long before expiry keeps a token from lapsing mid-call.
const tokenRefreshMarginSeconds = 60;

// Statuses whose response may carry no body at all.
const bodilessStatuses = new Set([101, 204, 205, 304]);

/**
 * Returns a fetch that gives up after `timeoutMs`, reading the whole body
 * within that time, never follows a redirect (a followed POST would come
 * back as a GET's answer), and turns every error response into a JSON:API
 * error body that names its HTTP status, because the SDK rejects with the
 * parsed body alone.
 */
function fetchWithTimeout(timeoutMs: number) {
  return async (url: string, init: RequestInit): Promise<Response> => {
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await fetch(url, { ...init, signal, redirect: 'manual' });
    const text = await response.text();
    if (response.ok) {
      return new Response(bodilessStatuses.has(response.status) ? null : text, {
        status: response.status,
        headers: response.headers,
      });
    }

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const errors =
      isRecord(body) && Array.isArray(body.errors)
        ? body.errors.map((error: unknown) => ({
            ...(isRecord(error) ? error : {}),
            status: response.status,
          }))
        : [{ status: response.status, title: response.statusText || 'error' }];
    return new Response(JSON.stringify({ errors }), {
      status: response.status,
      headers: { 'content-type': 'application/json' },
    });
  };
}

/**
 * Returns the `data` of a successful answer, or throws a TransientError when
 * the answer, though 2xx, is not the JSON:API document Moltin sends.
 */
function successData(response: unknown, action: string): unknown {
  if (!isRecord(response) || response.errors !== undefined || response.data === undefined) {
    throw new TransientError(`Moltin ${action} answered 2xx without its data`);
  }
  return response.data;
}

function firstApiError(rejection: unknown): ApiError | undefined {
  if (!isRecord(rejection) || !Array.isArray(rejection.errors)) return undefined;
  const [first] = rejection.errors as unknown[];
  return isRecord(first) ? (first as ApiError) : undefined;
}

function describeApiError(error: ApiError): string {
  return [error.status, error.title, error.detail].filter(Boolean).join(' ');
}

// Timeouts, rate limits, conflicts with a concurrent change, and refused
// credentials (fixed by a new secret version) may pass on a later attempt.
const transientStatuses = new Set([401, 403, 408, 409, 429]);

/**
 * Returns the error a failed Moltin call stands for: network failures,
 * timeouts, redirects, 409, 429, 5xx and auth failures (a rotated secret may
 * fix them) are transient; a missing order and any other refusal are
 * permanent.
 */
export function classifyMoltinFailure(
  rejection: unknown,
  action: string,
  notFound: 'order_not_found' | 'transaction_not_found'
): TransientError | PermanentError {
  const error = firstApiError(rejection);
  if (error === undefined) {
    return new TransientError(`Moltin ${action} failed: ${describeError(rejection)}`, {
      cause: rejection,
    });
  }

  const status = Number(error.status);
  const problem = `Moltin ${action} failed: ${describeApiError(error)}`;
  if (status === 404) return new PermanentError(notFound, problem);
  if (transientStatuses.has(status) || status >= 500 || (status >= 300 && status < 400)) {
    return new TransientError(problem);
  }
  if (Number.isNaN(status)) return new TransientError(problem);
  return new PermanentError('refund_rejected', problem);
}

interface Token {
  access_token: string;
  expires: number;
}

/**
 * Returns a Moltin client built on the SDK, reused across invocations: one
 * token per process, fetched once even when many requests start together.
 */
export function createMoltinOrders(settings: MoltinSettings): MoltinOrders {
  const { gateway, MemoryStorageFactory } = require('@moltin/sdk') as typeof import('@moltin/sdk');
  const fetchFn = fetchWithTimeout(settings.timeoutMs);
  const base = settings.apiUrl ?? new URL('https://euwest.api.elasticpath.com');
  const storage = new MemoryStorageFactory();
  const credentialsKey = 'moltinCredentials';

  let pendingToken: Promise<Token> | undefined;
  const requestToken = (): Promise<Token> => {
    pendingToken ??= fetchToken(fetchFn, base, settings).finally(() => {
      pendingToken = undefined;
    });
    return pendingToken;
  };

  const client = gateway({
    client_id: settings.clientId,
    client_secret: settings.clientSecret,
    host: base.host,
    // The SDK reads `protocol` but its types leave it out.
    ...({ protocol: base.protocol.replace(':', '') } as object),
    storage,
    custom_fetch: fetchFn,
    custom_authenticator: requestToken,
    ...sdkRetry,
  });

  // Fetching the token ourselves before a call keeps the SDK from doing it
  // (and from logging plain-text lines about it).
  const ensureToken = async (): Promise<void> => {
    const stored = storage.get(credentialsKey);
    const credentials = stored ? (JSON.parse(stored) as Partial<Token>) : undefined;
    const now = Math.floor(Date.now() / 1000);
    if (credentials?.access_token && (credentials.expires ?? 0) - tokenRefreshMarginSeconds > now) {
      return;
    }
    const token = await requestToken();
    storage.set(
      credentialsKey,
      JSON.stringify({ client_id: settings.clientId, ...token })
    );
  };

  return {
    async listTransactions(orderId) {
      try {
        await ensureToken();
        const response = await client.Transactions.All({ order: orderId });
        const data = successData(response, 'listing transactions');
        if (!Array.isArray(data)) {
          throw new TransientError('Moltin listing transactions answered without a list');
        }
        return data as OrderTransaction[];
      } catch (rejection) {
        throw asFailure(rejection, 'listing transactions', 'order_not_found');
      }
    },

    async refundTransaction(orderId, transactionId) {
      try {
        await ensureToken();
        // No amount: with one, Elastic Path would ask Stripe to refund again.
        const response = await client.Transactions.Refund({
          order: orderId,
          transaction: transactionId,
        });
        successData(response, 'refund');
      } catch (rejection) {
        throw asFailure(rejection, 'refund', 'transaction_not_found');
      }
    },
  };
}

function asFailure(
  rejection: unknown,
  action: string,
  notFound: 'order_not_found' | 'transaction_not_found'
): Error {
  if (rejection instanceof TransientError || rejection instanceof PermanentError) {
    return rejection;
  }
  return classifyMoltinFailure(rejection, action, notFound);
}

async function fetchToken(
  fetchFn: ReturnType<typeof fetchWithTimeout>,
  base: URL,
  settings: MoltinSettings
): Promise<Token> {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: settings.clientId,
    client_secret: settings.clientSecret,
  });

  let response: Response;
  try {
    response = await fetchFn(new URL('/oauth/access_token', base).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
  } catch (error) {
    throw new TransientError(`Moltin token request failed: ${describeError(error)}`);
  }

  const json: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    // A refused token is retried: the fix is a new secret version, not a new event.
    const error = firstApiError(json);
    throw new TransientError(
      `Moltin token request failed: ${error ? describeApiError(error) : response.status}`
    );
  }
  if (!isRecord(json) || typeof json.access_token !== 'string') {
    throw new TransientError('Moltin token response has no access_token');
  }

  // The lifetime is counted on this machine's clock, which may not agree
  // with Moltin's absolute `expires`.
  const now = Math.floor(Date.now() / 1000);
  const expires =
    typeof json.expires_in === 'number'
      ? now + json.expires_in
      : typeof json.expires === 'number'
        ? json.expires
        : now + 3600;
  return { access_token: json.access_token, expires };
}
