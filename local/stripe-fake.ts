/**
 * A local stand-in for the one Stripe API call refundSync makes: retrieving
 * a PaymentIntent, for its metadata.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { close, listen } from './ports';

export class StripeFake {
  readonly paymentIntents = new Map<string, Record<string, string>>();
  readonly calls: { method: string; path: string; authorization?: string; account?: string }[] = [];
  private server?: http.Server;
  url = '';

  constructor(private readonly secretKey: string) {}

  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      this.calls.push({
        method: req.method ?? '',
        path,
        authorization: req.headers.authorization,
        account: req.headers['stripe-account'] as string | undefined,
      });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };

      if (req.headers.authorization !== `Bearer ${this.secretKey}`) {
        send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
        return;
      }
      const match = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
      const metadata = match ? this.paymentIntents.get(decodeURIComponent(match[1])) : undefined;
      if (req.method !== 'GET' || !match || metadata === undefined) {
        send(404, {
          error: {
            type: 'invalid_request_error',
            code: 'resource_missing',
            message: `No such payment_intent: '${match?.[1] ?? path}'`,
          },
        });
        return;
      }
      send(200, { id: match[1], object: 'payment_intent', status: 'succeeded', metadata });
    });
    await listen(this.server, port);
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (this.server) await close(this.server);
  }
}
