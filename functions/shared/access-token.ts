/**
 * OAuth access tokens for Google APIs from the metadata server, which every
 * Cloud Functions instance has: the function's own service account, no key
 * files. Kept until shortly before they expire; concurrent callers share
 * one request.
 */
import { sendRequest } from './http';
import { isRecord } from './json';

/** Where tokens to send as `Authorization: Bearer ...` come from. */
export interface AccessToken {
  /** Resolves with the current token, fetching one when it has none. */
  get(): Promise<string>;
  /** Forgets `token`, which the API refused (401), so the next get fetches anew. */
  refused(token: string): void;
}

/** A token is replaced this long before Google says it expires. */
export const refreshMarginMs = 5 * 60_000;

const tokenPath = '/computeMetadata/v1/instance/service-accounts/default/token';

/**
 * Returns a token source for the metadata server at `host` (`HOST[:PORT]`;
 * Google's libraries read the same value from GCE_METADATA_HOST).
 */
export function metadataAccessToken(
  host: string,
  timeoutMs: number,
  now: () => number = Date.now
): AccessToken {
  const url = new URL(tokenPath, `http://${host}`);
  let current: { token: string; replaceAt: number } | undefined;
  let fetching: Promise<string> | undefined;

  const fetchToken = async (): Promise<string> => {
    const answer = await sendRequest(url, {
      method: 'GET',
      headers: { 'metadata-flavor': 'Google' },
      timeoutMs,
    }).catch((error: unknown) => {
      throw new Error(`metadata server unreachable: ${(error as Error).message}`);
    });
    if (answer.status !== 200) {
      throw new Error(`metadata server refused a token: HTTP ${answer.status}`);
    }

    const { token, lifetimeMs } = readToken(answer.text);
    // A token with little time left is still used, for half of what it has.
    const keepMs = lifetimeMs > 2 * refreshMarginMs ? lifetimeMs - refreshMarginMs : lifetimeMs / 2;
    current = { token, replaceAt: now() + keepMs };
    return token;
  };

  return {
    get() {
      if (current && now() < current.replaceAt) return Promise.resolve(current.token);
      fetching ??= fetchToken().finally(() => {
        fetching = undefined;
      });
      return fetching;
    },
    refused(token) {
      if (current?.token === token) current = undefined;
    },
  };
}

function readToken(text: string): { token: string; lifetimeMs: number } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error('metadata server answered a token that is not JSON');
  }
  if (!isRecord(body) || typeof body.access_token !== 'string' || body.access_token === '') {
    throw new Error('metadata server answered without an access_token');
  }
  const seconds = body.expires_in;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new Error('metadata server answered a token without a positive expires_in');
  }
  return { token: body.access_token, lifetimeMs: seconds * 1000 };
}
