/**
 * Publishing to one Pub/Sub topic over its REST API. Not the gRPC client
 * library: loading and building it took about 300 ms, all of it on a cold
 * start's first answer to Stripe, where this module adds next to nothing.
 */
import type { AccessToken } from './access-token';
import { sendRequest, type HttpAnswer } from './http';
import { isRecord } from './json';

/** Publishes one message and resolves with its id once Pub/Sub has it. */
export type Publish = (data: Buffer, attributes: Record<string, string>) => Promise<string>;

export interface TopicTarget {
  /** `http://HOST:PORT` of the emulator, or Pub/Sub's REST endpoint. */
  endpoint: URL;
  projectId: string;
  topic: string;
  /** Each message is given up on this long after it was handed over. */
  timeoutMs: number;
  /** Absent for the emulator, which takes no credentials. */
  accessToken?: AccessToken;
}

/**
 * Requests on their way at once; messages handed over meanwhile wait for one
 * to come back and then go together. One measured best: against the
 * emulator, which spends more processor time on each request than on the
 * messages in it, two or four requests at a time gave less throughput.
 */
export const maxRequestsOnTheirWay = 1;
/** Pub/Sub takes up to 1,000 messages and 10 MB in one publish request. */
export const maxMessagesPerRequest = 1000;
export const maxRequestBytes = 9 * 1024 * 1024;
/** Pub/Sub's limit on one message, data and attributes together. */
export const maxMessageBytes = 10_000_000;

interface Waiting {
  json: string;
  /** The JSON's length in bytes, as it goes on the wire. */
  bytes: number;
  /** When the message is given up on, as Date.now() reads. */
  deadline: number;
  resolve(id: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  done: boolean;
}

/**
 * Returns a publisher for one topic. A message handed over while no request
 * is on its way is sent at once, so a lone event never waits for company.
 * Those handed over while one is wait for it to come back, then go together
 * in one: under load, many deliveries share a call.
 */
export function topicPublisher(target: TopicTarget): Publish {
  const url = publishUrl(target);
  const waiting: Waiting[] = [];
  let onTheirWay = 0;

  const sendWaiting = (): void => {
    while (onTheirWay < maxRequestsOnTheirWay && waiting.length > 0) {
      const batch = takeBatch(waiting);
      if (batch.length === 0) continue;
      onTheirWay++;
      void sendBatch(url, target, batch).finally(() => {
        onTheirWay--;
        sendWaiting();
      });
    }
  };

  return (data, attributes) =>
    new Promise<string>((resolve, reject) => {
      // Refused here rather than by Pub/Sub, which would refuse every
      // message sharing its request.
      const unfit = whyUnfit(data, attributes);
      if (unfit) {
        reject(new Error(unfit));
        return;
      }

      const json = JSON.stringify({ data: data.toString('base64'), attributes });
      const entry: Waiting = {
        json,
        bytes: Buffer.byteLength(json),
        deadline: Date.now() + target.timeoutMs,
        resolve,
        reject,
        done: false,
        timer: setTimeout(() => {
          settle(entry, () => reject(new Error(`publish timed out after ${target.timeoutMs} ms`)));
        }, target.timeoutMs),
      };
      waiting.push(entry);
      sendWaiting();
    });
}

/** Says why Pub/Sub would refuse a message, if it would. */
function whyUnfit(data: Buffer, attributes: Record<string, string>): string | undefined {
  const attributeBytes = Object.entries(attributes).reduce(
    (total, [key, value]) => total + Buffer.byteLength(key) + Buffer.byteLength(value),
    0
  );
  if (data.length === 0 && attributeBytes === 0) {
    return 'Pub/Sub takes no message without data or attributes';
  }
  const bytes = data.length + attributeBytes;
  if (bytes > maxMessageBytes) {
    return `a message of ${bytes} bytes is over Pub/Sub's limit of ${maxMessageBytes}`;
  }
  return undefined;
}

function publishUrl(target: TopicTarget): URL {
  const path =
    `v1/projects/${encodeURIComponent(target.projectId)}` +
    `/topics/${encodeURIComponent(target.topic)}:publish`;
  return new URL(path, target.endpoint);
}

function settle(entry: Waiting, outcome: () => void): void {
  if (entry.done) return;
  entry.done = true;
  clearTimeout(entry.timer);
  outcome();
}

/** Takes, oldest first, the messages still wanted that fit in one request. */
function takeBatch(waiting: Waiting[]): Waiting[] {
  const batch: Waiting[] = [];
  let bytes = 0;
  while (waiting.length > 0 && batch.length < maxMessagesPerRequest) {
    const next = waiting[0];
    if (next.done) {
      waiting.shift();
      continue;
    }
    if (batch.length > 0 && bytes + next.bytes > maxRequestBytes) break;
    batch.push(next);
    bytes += next.bytes + 1;
    waiting.shift();
  }
  return batch;
}

async function sendBatch(url: URL, target: TopicTarget, batch: Waiting[]): Promise<void> {
  // The request is given as long as its last message has, and no longer.
  const deadline = Math.max(...batch.map((entry) => entry.deadline));
  const body = `{"messages":[${batch.map((entry) => entry.json).join(',')}]}`;

  const attempt = async (): Promise<{ answer: HttpAnswer; token?: string }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const token = target.accessToken && (await beforeDeadline(target.accessToken.get(), deadline));
    if (token) headers.authorization = `Bearer ${token}`;
    const answer = await sendRequest(url, {
      method: 'POST',
      headers,
      body,
      timeoutMs: timeLeft(deadline),
    });
    return { answer, token };
  };

  try {
    let { answer, token } = await attempt();
    if (answer.status === 401 && token && target.accessToken) {
      // A token revoked, or expired sooner than it said: once more, with a new one.
      target.accessToken.refused(token);
      ({ answer } = await attempt());
    }
    const ids = messageIds(answer.status, answer.text, batch.length);
    batch.forEach((entry, index) => settle(entry, () => entry.resolve(ids[index])));
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    for (const entry of batch) settle(entry, () => entry.reject(failure));
  }
}

function timeLeft(deadline: number): number {
  const left = deadline - Date.now();
  if (left <= 0) throw new Error('publish timed out before it could be sent');
  return left;
}

/** Resolves as `promise` does, or rejects once `deadline` has passed. */
function beforeDeadline<T>(promise: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error('publish timed out waiting for an access token')),
      timeLeft(deadline)
    );
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Returns the ids of an accepted publish, or throws saying why it was not. */
function messageIds(status: number, text: string, count: number): string[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }

  if (status !== 200) {
    const error = isRecord(body) && isRecord(body.error) ? body.error : {};
    const code = typeof error.status === 'string' ? ` ${error.status}` : '';
    const message = typeof error.message === 'string' ? `: ${error.message.slice(0, 200)}` : '';
    throw new Error(`Pub/Sub refused the publish: HTTP ${status}${code}${message}`);
  }

  const ids = isRecord(body) ? body.messageIds : undefined;
  if (
    !Array.isArray(ids) ||
    ids.length !== count ||
    !ids.every((id) => typeof id === 'string' && id !== '')
  ) {
    throw new Error(`Pub/Sub accepted the publish but did not name ${count} message id(s)`);
  }
  return ids as string[];
}
