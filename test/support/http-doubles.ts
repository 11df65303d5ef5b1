/** Minimal stand-ins for the Express request and response a handler gets. */
import type { Request, Response } from '@google-cloud/functions-framework';

export interface RecordedResponse {
  status?: number;
  headers: Record<string, string>;
  body?: unknown;
}

export function fakeRequest(options: {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: Buffer;
}): Request {
  const headers = Object.fromEntries(
    Object.entries(options.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])
  );
  return {
    method: options.method ?? 'POST',
    headers,
    body: options.body,
    rawBody: options.rawBody,
    get: (name: string) => headers[name.toLowerCase()],
  } as unknown as Request;
}

export function fakeResponse(): { res: Response; recorded: RecordedResponse } {
  const recorded: RecordedResponse = { headers: {} };
  const res = {
    set(name: string, value: string) {
      recorded.headers[name] = value;
      return res;
    },
    status(code: number) {
      recorded.status = code;
      return res;
    },
    json(body: unknown) {
      recorded.body = body;
      return res;
    },
    send(body?: unknown) {
      recorded.body = body;
      return res;
    },
  };
  return { res: res as unknown as Response, recorded };
}
