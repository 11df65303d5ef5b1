/**
 * The one HTTP client the publisher and its token source use: node's own
 * http and https modules over kept-alive connections. Not fetch: node loads
 * fetch's implementation on its first call, about 40 ms that would land on
 * every cold start's first answer to Stripe.
 */
import * as http from 'node:http';
import * as https from 'node:https';

export interface HttpRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** The whole exchange, answer body included, must end within this. */
  timeoutMs: number;
}

export interface HttpAnswer {
  status: number;
  text: string;
}

/** Answers longer than this are cut off as an error; ours are a few hundred bytes. */
export const maxAnswerBytes = 1024 * 1024;

// An idle connection is closed before the far end is likely to close it.
const agentOptions = { keepAlive: true, timeout: 30_000 };
const agents = {
  'http:': new http.Agent(agentOptions),
  'https:': new https.Agent(agentOptions),
};

/** A reused kept-alive connection was reset before any answer came. */
class StaleConnection extends Error {}

/**
 * Sends one request and resolves with the answer, whatever its status;
 * rejects on a network failure or when the time runs out. A request whose
 * reused kept-alive connection is reset before any answer comes is sent
 * again, once, on a new connection: most often the far end had closed the
 * idle connection, but it may have read the request first, so a publish
 * can reach Pub/Sub twice. Pub/Sub delivers at least once anyway, and
 * refundSync takes a second delivery of an event as a duplicate.
 */
export async function sendRequest(url: URL, request: HttpRequest): Promise<HttpAnswer> {
  const deadline = Date.now() + request.timeoutMs;
  try {
    return await exchange(url, request, request.timeoutMs);
  } catch (error) {
    if (!(error instanceof StaleConnection)) throw error;
    return exchange(url, request, Math.max(deadline - Date.now(), 1));
  }
}

function exchange(url: URL, request: HttpRequest, timeoutMs: number): Promise<HttpAnswer> {
  const agent = url.protocol === 'https:' ? agents['https:'] : agents['http:'];
  const transport = url.protocol === 'https:' ? https : http;
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const headers = { ...request.headers, ...(body && { 'content-length': String(body.length) }) };

  return new Promise((resolve, reject) => {
    let settled = false;
    let answered = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const fail = (error: Error) => {
      settle(() => reject(error));
      req.destroy();
    };

    const req = transport.request(url, { method: request.method, headers, agent });
    const timer = setTimeout(
      () => fail(new Error(`${describe(url)} did not answer within ${timeoutMs} ms`)),
      timeoutMs
    );

    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxAnswerBytes) {
          fail(new Error(`${describe(url)} answered more than ${maxAnswerBytes} bytes`));
        } else {
          chunks.push(chunk);
        }
      });
      res.on('end', () =>
        settle(() =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') })
        )
      );
      res.on('error', (error) => fail(error));
      res.on('close', () => {
        if (!res.complete) fail(new Error(`${describe(url)} broke off its answer`));
      });
    });

    req.on('error', (error: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && !answered && error.code === 'ECONNRESET';
      fail(stale ? new StaleConnection(error.message) : error);
    });

    req.end(body);
  });
}

function describe(url: URL): string {
  return `${url.protocol}//${url.host}`;
}
