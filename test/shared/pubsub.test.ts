import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { metadataAccessToken } from '../../functions/shared/access-token';
import { maxAnswerBytes, sendRequest } from '../../functions/shared/http';
import {
  maxRequestsOnTheirWay,
  topicPublisher,
  type TopicTarget,
} from '../../functions/shared/pubsub';
import { startEmulator, type RunningEmulator } from '../../local/emulator';
import { close, listen, waitFor } from '../../local/ports';

interface Received {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  res: http.ServerResponse;
}

/** A stand-in HTTP server that hands every request to the test to answer. */
async function startServer(onRequest: (request: Received) => void = () => {}) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const request = { url: req.url ?? '', headers: req.headers, body, res };
      received.push(request);
      onRequest(request);
    });
  });
  await listen(server, 0);
  const { port } = server.address() as AddressInfo;
  return {
    received,
    url: new URL(`http://127.0.0.1:${port}`),
    host: `127.0.0.1:${port}`,
    stop: () => close(server),
  };
}

type Server = Awaited<ReturnType<typeof startServer>>;

const answerIds = ({ body, res }: Received) => {
  const { messages } = JSON.parse(body) as { messages: unknown[] };
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ messageIds: messages.map((_, index) => `id-${index}`) }));
};

const fixedToken = (token: string) => ({ get: async () => token, refused: () => {} });

const messagesIn = (request: Received) =>
  (JSON.parse(request.body) as { messages: { data: string; attributes: Record<string, string> }[] })
    .messages;

describe('the publisher, against the emulator', () => {
  let emulator: RunningEmulator;
  const topic = 'publisher-unit';
  const subscription = `projects/unit/subscriptions/${topic}`;

  const rest = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`http://${emulator.host}/v1/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    return response.json() as Promise<Record<string, unknown>>;
  };

  beforeAll(async () => {
    emulator = await startEmulator();
    await rest('PUT', `projects/unit/topics/${topic}`, {});
    await rest('PUT', subscription, { topic: `projects/unit/topics/${topic}` });
  }, 60_000);
  afterAll(() => emulator?.stop());

  it('publishes the exact bytes and attributes, and resolves with the given id', async () => {
    const publish = topicPublisher({
      endpoint: new URL(`http://${emulator.host}`),
      projectId: 'unit',
      topic,
      timeoutMs: 5000,
    });
    const data = Buffer.from('{"id":"evt_1","note":"\u00e9\u0000 raw"}');
    const ids = await Promise.all([
      publish(data, { stripe_event_id: 'evt_1' }),
      ...Array.from({ length: 9 }, (_, index) => publish(Buffer.from(`m${index}`), {})),
    ]);
    expect(new Set(ids).size).toBe(10);

    const pulled = (await rest('POST', `${subscription}:pull`, { maxMessages: 20 })) as {
      receivedMessages: {
        message: { messageId: string; data: string; attributes?: Record<string, string> };
      }[];
    };
    const first = pulled.receivedMessages.find(({ message }) => message.messageId === ids[0]);
    expect(Buffer.from(first?.message.data ?? '', 'base64')).toEqual(data);
    expect(first?.message.attributes).toEqual({ stripe_event_id: 'evt_1' });
  });

  it('names the topic Pub/Sub does not know', async () => {
    const publish = topicPublisher({
      endpoint: new URL(`http://${emulator.host}`),
      projectId: 'unit',
      topic: 'no-such-topic',
      timeoutMs: 5000,
    });
    await expect(publish(Buffer.from('x'), {})).rejects.toThrow(
      /Pub\/Sub refused the publish: HTTP 404 NOT_FOUND/
    );
  });
});

describe('the publisher, against a stand-in', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  const target = (overrides: Partial<TopicTarget> = {}): TopicTarget => ({
    endpoint: overrides.endpoint ?? (server as Server).url,
    projectId: 'unit',
    topic: 'events',
    timeoutMs: 2000,
    ...overrides,
  });

  it('sends a lone message at once, in a request of its own', async () => {
    server = await startServer();
    const publish = topicPublisher(target());
    const published = publish(Buffer.from('lone'), { a: 'b' });

    // Nothing is answered yet: the request is already there, with one message.
    await waitFor('the request', async () => server?.received.length === 1, 2000, 5);
    const [request] = server.received;
    expect(request.url).toBe('/v1/projects/unit/topics/events:publish');
    expect(messagesIn(request)).toEqual([
      { data: Buffer.from('lone').toString('base64'), attributes: { a: 'b' } },
    ]);
    answerIds(request);
    await expect(published).resolves.toBe('id-0');
  });

  it('sends what arrives while all its requests are out together, once one returns', async () => {
    server = await startServer();
    const publish = topicPublisher(target());
    const first = Array.from({ length: maxRequestsOnTheirWay }, (_, index) =>
      publish(Buffer.from(`first-${index}`), {})
    );
    await waitFor(
      'the first requests',
      async () => server?.received.length === maxRequestsOnTheirWay,
      2000,
      5
    );
    const later = Array.from({ length: 25 }, (_, index) =>
      publish(Buffer.from(`later-${index}`), {})
    );

    answerIds(server.received[0]);
    await waitFor(
      'the batch',
      async () => server?.received.length === maxRequestsOnTheirWay + 1,
      2000,
      5
    );
    const batch = server.received[maxRequestsOnTheirWay];
    expect(messagesIn(batch).map(({ data }) => Buffer.from(data, 'base64').toString())).toEqual(
      Array.from({ length: 25 }, (_, index) => `later-${index}`)
    );
    for (const request of server.received.slice(1)) answerIds(request);

    await expect(Promise.all(later)).resolves.toEqual(
      Array.from({ length: 25 }, (_, index) => `id-${index}`)
    );
    await expect(Promise.all(first)).resolves.toHaveLength(maxRequestsOnTheirWay);
  });

  it('rejects every message of a refused request with what Pub/Sub said', async () => {
    server = await startServer((request) => {
      request.res.statusCode = 403;
      request.res.end(
        JSON.stringify({
          error: { code: 403, status: 'PERMISSION_DENIED', message: 'no publisher role' },
        })
      );
    });
    const publish = topicPublisher(target());
    await expect(publish(Buffer.from('x'), {})).rejects.toThrow(
      'Pub/Sub refused the publish: HTTP 403 PERMISSION_DENIED: no publisher role'
    );

    await server.stop();
    server = await startServer((request) => {
      request.res.statusCode = 502;
      request.res.end('<html>bad gateway</html>');
    });
    const again = topicPublisher(target());
    await expect(again(Buffer.from('x'), {})).rejects.toThrow(
      'Pub/Sub refused the publish: HTTP 502'
    );
  });

  it('does not take a 2xx without one id for each message as accepted', async () => {
    server = await startServer(({ res }) => res.end(JSON.stringify({ messageIds: [] })));
    const publish = topicPublisher(target());
    await expect(publish(Buffer.from('x'), {})).rejects.toThrow('did not name 1 message id(s)');
  });

  it('gives up on a message after its timeout, whether sent or still waiting', async () => {
    server = await startServer();
    const publish = topicPublisher(target({ timeoutMs: 300 }));
    const started = Date.now();
    const outcomes = await Promise.allSettled(
      Array.from({ length: maxRequestsOnTheirWay + 3 }, () => publish(Buffer.from('x'), {}))
    );
    expect(Date.now() - started).toBeLessThan(2000);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({
        status: 'rejected',
        reason: expect.objectContaining({
          message: expect.stringMatching(/timed out|did not answer within/),
        }),
      });
    }
  });

  it('sends the token its token source gives, and fails clearly when there is none', async () => {
    server = await startServer(answerIds);
    const publish = topicPublisher(target({ accessToken: fixedToken('tok-123') }));
    await publish(Buffer.from('x'), {});
    expect(server.received[0].headers.authorization).toBe('Bearer tok-123');

    const refused = topicPublisher(
      target({
        accessToken: {
          get: () => Promise.reject(new Error('metadata server unreachable: ECONNREFUSED')),
          refused: () => {},
        },
      })
    );
    await expect(refused(Buffer.from('x'), {})).rejects.toThrow('metadata server unreachable');
    expect(server.received).toHaveLength(1);
  });

  it('fetches a new token and tries once more when Pub/Sub refuses the token (401)', async () => {
    const valid = new Set(['tok-2']);
    server = await startServer((request) => {
      if (valid.has(String(request.headers.authorization).replace('Bearer ', ''))) {
        answerIds(request);
        return;
      }
      request.res.statusCode = 401;
      request.res.end('{"error":{"code":401,"status":"UNAUTHENTICATED","message":"bad token"}}');
    });
    let issued = 0;
    const refused: string[] = [];
    const accessToken = {
      get: async () => `tok-${Math.max(issued, 1)}`,
      refused: (token: string) => {
        refused.push(token);
        issued = 2;
      },
    };
    const publish = topicPublisher(target({ accessToken }));
    await expect(publish(Buffer.from('x'), {})).resolves.toBe('id-0');
    expect(refused).toEqual(['tok-1']);
    expect(server.received.map((request) => request.headers.authorization)).toEqual([
      'Bearer tok-1',
      'Bearer tok-2',
    ]);

    // Refused again with the new token: no third try, and Pub/Sub's words.
    valid.clear();
    await expect(publish(Buffer.from('y'), {})).rejects.toThrow(
      'HTTP 401 UNAUTHENTICATED: bad token'
    );
    expect(server.received).toHaveLength(4);
  });

  it('refuses alone a message Pub/Sub would refuse with all sharing its request', async () => {
    server = await startServer(answerIds);
    const publish = topicPublisher(target());
    await expect(publish(Buffer.alloc(0), {})).rejects.toThrow(
      'no message without data or attributes'
    );
    await expect(publish(Buffer.alloc(10_000_001), {})).rejects.toThrow(
      "a message of 10000001 bytes is over Pub/Sub's limit of 10000000"
    );
    await expect(publish(Buffer.alloc(0), { only: 'attributes' })).resolves.toBe('id-0');
    expect(server.received).toHaveLength(1);
  });

  it('keeps a request within 9 MiB counted in bytes, not characters', async () => {
    server = await startServer();
    const publish = topicPublisher(target({ timeoutMs: 5000 }));
    const lone = publish(Buffer.from('first'), {});
    await waitFor('the first request', async () => server?.received.length === 1, 2000, 5);
    // A euro sign is one character and three bytes: 1000 of these messages
    // are 3.5 million characters but 10.5 MB.
    const heavy = { note: '\u20ac'.repeat(3500) };
    const queued = Array.from({ length: 1200 }, () => publish(Buffer.from('x'), heavy));
    answerIds(server.received[0]);
    await lone;

    await waitFor('the next request', async () => server?.received.length === 2, 2000, 5);
    const second = server.received[1];
    expect(Buffer.byteLength(second.body)).toBeLessThanOrEqual(9 * 1024 * 1024);
    expect(messagesIn(second).length).toBeLessThan(1000);
    const answerAll = setInterval(() => {
      for (const request of server?.received ?? [])
        if (!request.res.writableEnded) answerIds(request);
    }, 5);
    try {
      await expect(Promise.all(queued)).resolves.toHaveLength(1200);
    } finally {
      clearInterval(answerAll);
    }
    for (const request of server.received) {
      expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(9 * 1024 * 1024);
    }
  });

  it('gives a request no longer than its last message has left', async () => {
    server = await startServer();
    const publish = topicPublisher(target({ timeoutMs: 2000 }));
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const started = Date.now();
    const outcomes = [publish(Buffer.from('stalls'), {}).catch((error: Error) => error)];
    await sleep(1000);
    outcomes.push(publish(Buffer.from('queued'), {}).catch((error: Error) => error));

    // The first request is abandoned at 2000 ms; the second goes out then
    // with the 1000 ms its message has left, so the way is clear at 3000 ms
    // (given the full 2000 ms, it would hold it until 4000 ms).
    await sleep(3100 - (Date.now() - started));
    const handedOver = Date.now();
    outcomes.push(publish(Buffer.from('third'), {}).catch((error: Error) => error));
    await waitFor('the third request', async () => server?.received.length === 3, 2000, 5);
    expect(Date.now() - handedOver).toBeLessThan(500);

    answerIds(server.received[2]);
    const [first, second, third] = await Promise.all(outcomes);
    expect(first).toBeInstanceOf(Error);
    expect(second).toBeInstanceOf(Error);
    expect(third).toBe('id-0');
  });

  it('sends a request again, once, when its kept-alive connection had been closed', async () => {
    // The first request on each connection is answered; a second request on
    // a connection finds it closed, as when the far end drops idle ones.
    const seen = new WeakSet<object>();
    let dropped = 0;
    const raw = http.createServer((req, res) => {
      if (seen.has(req.socket)) {
        dropped++;
        req.socket.destroy();
        return;
      }
      seen.add(req.socket);
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => answerIds({ url: req.url ?? '', headers: req.headers, body, res }));
    });
    await listen(raw, 0);
    const endpoint = new URL(`http://127.0.0.1:${(raw.address() as AddressInfo).port}`);
    try {
      const publish = topicPublisher(target({ endpoint }));
      await expect(publish(Buffer.from('one'), {})).resolves.toBe('id-0');
      await expect(publish(Buffer.from('two'), {})).resolves.toBe('id-0');
      expect(dropped).toBe(1);
    } finally {
      await close(raw);
    }
  });
});

describe('the HTTP client', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('refuses an answer longer than it reads', async () => {
    server = await startServer(({ res }) => res.end(Buffer.alloc(maxAnswerBytes + 1, 'a')));
    await expect(sendRequest(server.url, { method: 'GET', timeoutMs: 2000 })).rejects.toThrow(
      `answered more than ${maxAnswerBytes} bytes`
    );
  });

  it('fails an answer that breaks off, and one that stalls midway', async () => {
    server = await startServer(({ res }) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.destroy(), 50);
    });
    await expect(sendRequest(server.url, { method: 'GET', timeoutMs: 2000 })).rejects.toThrow();

    await server.stop();
    server = await startServer(({ res }) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
    });
    await expect(sendRequest(server.url, { method: 'GET', timeoutMs: 200 })).rejects.toThrow(
      'did not answer within 200 ms'
    );
  });
});

describe('access tokens from the metadata server', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  const answerToken = (expiresIn: number) => (request: Received) => {
    request.res.setHeader('content-type', 'application/json');
    request.res.end(
      JSON.stringify({
        access_token: `tok-${server?.received.length}`,
        expires_in: expiresIn,
        token_type: 'Bearer',
      })
    );
  };

  it("asks for the function's own account's token, once, and shares it", async () => {
    server = await startServer(answerToken(3599));
    const token = metadataAccessToken(server.host, 1000);
    await expect(Promise.all([token.get(), token.get(), token.get()])).resolves.toEqual([
      'tok-1',
      'tok-1',
      'tok-1',
    ]);
    await expect(token.get()).resolves.toBe('tok-1');

    expect(server.received).toHaveLength(1);
    expect(server.received[0].url).toBe(
      '/computeMetadata/v1/instance/service-accounts/default/token'
    );
    expect(server.received[0].headers['metadata-flavor']).toBe('Google');
  });

  it('replaces a token five minutes before it expires, and a short-lived one halfway', async () => {
    let clock = 1_000_000;
    server = await startServer(answerToken(3600));
    const token = metadataAccessToken(server.host, 1000, () => clock);
    await token.get();
    clock += 3600_000 - 5 * 60_000 - 1;
    await expect(token.get()).resolves.toBe('tok-1');
    clock += 1;
    await expect(token.get()).resolves.toBe('tok-2');

    await server.stop();
    server = await startServer(answerToken(60));
    const short = metadataAccessToken(server.host, 1000, () => clock);
    await short.get();
    clock += 29_999;
    await short.get();
    expect(server.received).toHaveLength(1);
    clock += 1;
    await short.get();
    expect(server.received).toHaveLength(2);
  });

  it.each([
    [500, '{}', 'metadata server refused a token: HTTP 500'],
    [200, 'not json', 'not JSON'],
    [200, '{"expires_in":3599}', 'without an access_token'],
    [200, '{"access_token":"t","expires_in":"soon"}', 'without a positive expires_in'],
  ])(
    'says what was wrong with an answer (%i %s), and asks again next time',
    async (status, body, message) => {
      server = await startServer(({ res }) => {
        res.statusCode = status;
        res.end(body);
      });
      const token = metadataAccessToken(server.host, 1000);
      await expect(token.get()).rejects.toThrow(message);
      await expect(token.get()).rejects.toThrow(message);
      expect(server.received).toHaveLength(2);
    }
  );

  it('says the metadata server could not be reached', async () => {
    server = await startServer();
    const host = server.host;
    await server.stop();
    server = undefined;
    await expect(metadataAccessToken(host, 1000).get()).rejects.toThrow(
      /metadata server unreachable: .*ECONNREFUSED/
    );
  });
});
