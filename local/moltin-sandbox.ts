/**
 * A local stand-in for the Moltin (Elastic Path) API, speaking the parts of
 * its HTTP API this service uses: the client-credentials token, an order's
 * transactions, and the refund call, with JSON:API errors. `npm start` runs
 * it with sample orders; the tests run it to record calls and inject faults.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { close, listen } from './ports';

export interface SandboxTransaction {
  id: string;
  type: 'transaction';
  reference: string;
  gateway: string;
  transaction_type: 'purchase' | 'capture' | 'authorize' | 'refund';
  status: 'complete' | 'failed' | 'pending' | 'cancelled';
  amount: number;
  refunded_amount: number;
  currency: string;
}

export interface RecordedCall {
  method: string;
  path: string;
  body: string;
  authorization?: string;
  at: number;
}

/** A fault the sandbox answers a request with instead of serving it. */
export type Fault =
  | { status: number; body?: unknown; retryAfterSeconds?: number; headers?: Record<string, string> }
  | { delayMs: number }
  | { reset: true };

/** Picks a fault for a request, or none to serve it normally. */
export type FaultRule = (call: RecordedCall) => Fault | undefined;

export interface SandboxOptions {
  clientId: string;
  clientSecret: string;
  tokenLifetimeSeconds?: number;
  port?: number;
}

function apiError(status: number, title: string, detail: string) {
  return { errors: [{ status, title, detail }] };
}

/** The Moltin sandbox: its URL, its data, what it was asked, and its faults. */
export class MoltinSandbox {
  readonly orders = new Map<string, SandboxTransaction[]>();
  readonly calls: RecordedCall[] = [];
  readonly tokensIssued: string[] = [];
  private readonly validTokens = new Map<string, number>();
  private readonly faults: FaultRule[] = [];
  private server?: http.Server;
  url = '';

  constructor(private readonly options: SandboxOptions) {}

  /** Adds an order with one payment transaction and returns both ids. */
  addOrder(transaction: Partial<SandboxTransaction> & { reference: string }, orderId = randomUUID()) {
    const stored: SandboxTransaction = {
      id: randomUUID(),
      type: 'transaction',
      gateway: 'stripe',
      transaction_type: 'purchase',
      status: 'complete',
      amount: 2000,
      refunded_amount: 0,
      currency: 'USD',
      ...transaction,
    };
    this.orders.set(orderId, [...(this.orders.get(orderId) ?? []), stored]);
    return { orderId, transactionId: stored.id };
  }

  /** Returns the payment transaction of an order. */
  transaction(orderId: string, transactionId: string): SandboxTransaction | undefined {
    return this.orders.get(orderId)?.find((transaction) => transaction.id === transactionId);
  }

  /** Adds a rule that may answer requests with a fault; returns its remover. */
  injectFault(rule: FaultRule): () => void {
    this.faults.push(rule);
    return () => {
      const index = this.faults.indexOf(rule);
      if (index >= 0) this.faults.splice(index, 1);
    };
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Makes every issued token invalid, as if it had expired. */
  expireTokens(): void {
    this.validTokens.clear();
  }

  /** Calls that refunded a transaction. */
  refundCalls(): RecordedCall[] {
    return this.calls.filter((call) => call.method === 'POST' && call.path.endsWith('/refund'));
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await listen(this.server, this.options.port ?? 0);
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (this.server) await close(this.server);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const call: RecordedCall = {
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0],
      body: Buffer.concat(chunks).toString('utf8'),
      authorization: req.headers.authorization,
      at: Date.now(),
    };
    this.calls.push(call);

    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };

    for (const rule of this.faults) {
      const fault = rule(call);
      if (fault === undefined) continue;
      if ('reset' in fault) {
        req.socket.destroy();
        return;
      }
      if ('delayMs' in fault) {
        // Unref'd: a slow answer must not keep a stopping process alive.
        await new Promise((resolve) => setTimeout(resolve, fault.delayMs).unref());
        break;
      }
      const headers: Record<string, string> = { ...fault.headers };
      if (fault.retryAfterSeconds !== undefined) {
        headers['retry-after'] = String(fault.retryAfterSeconds);
      }
      send(fault.status, fault.body ?? apiError(fault.status, 'Injected fault', 'injected by the test'), headers);
      return;
    }

    if (res.destroyed) return;
    const [status, body] = this.route(call);
    send(status, body);
  }

  private route(call: RecordedCall): [number, unknown] {
    if (call.method === 'POST' && call.path === '/oauth/access_token') return this.token(call);

    const token = call.authorization?.replace(/^Bearer /, '') ?? '';
    const expires = this.validTokens.get(token);
    if (expires === undefined || expires < Date.now() / 1000) {
      return [401, apiError(401, 'Unauthorized', 'Invalid or expired access token')];
    }

    const list = /^\/v2\/orders\/([^/]+)\/transactions$/.exec(call.path);
    if (call.method === 'GET' && list) {
      const transactions = this.orders.get(decodeURIComponent(list[1]));
      if (!transactions) return [404, apiError(404, 'Not Found', 'Order not found')];
      return [200, { data: transactions }];
    }

    const refund = /^\/v2\/orders\/([^/]+)\/transactions\/([^/]+)\/refund$/.exec(call.path);
    if (call.method === 'POST' && refund) return this.refund(call, refund[1], refund[2]);

    return [404, apiError(404, 'Not Found', `no route for ${call.method} ${call.path}`)];
  }

  private token(call: RecordedCall): [number, unknown] {
    const form = new URLSearchParams(call.body);
    if (
      form.get('grant_type') !== 'client_credentials' ||
      form.get('client_id') !== this.options.clientId ||
      form.get('client_secret') !== this.options.clientSecret
    ) {
      return [401, apiError(401, 'Unauthorized', 'Invalid client credentials')];
    }

    const lifetime = this.options.tokenLifetimeSeconds ?? 3600;
    const accessToken = randomUUID().replace(/-/g, '');
    const expires = Math.floor(Date.now() / 1000) + lifetime;
    this.validTokens.set(accessToken, expires);
    this.tokensIssued.push(accessToken);
    return [
      200,
      {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: lifetime,
        expires,
        identifier: 'client_credentials',
      },
    ];
  }

  private refund(call: RecordedCall, orderId: string, transactionId: string): [number, unknown] {
    const transaction = this.transaction(decodeURIComponent(orderId), decodeURIComponent(transactionId));
    if (!transaction) return [404, apiError(404, 'Not Found', 'Transaction not found')];

    let body: { data?: { amount?: unknown } } = {};
    try {
      body = call.body ? JSON.parse(call.body) : {};
    } catch {
      return [400, apiError(400, 'Bad Request', 'body is not JSON')];
    }
    if (transaction.refunded_amount >= transaction.amount) {
      return [422, apiError(422, 'Unprocessable Entity', 'Transaction has already been refunded')];
    }

    // Like Elastic Path: an amount would be refunded through the gateway
    // again; without one the whole remaining amount is marked refunded.
    const amount = typeof body.data?.amount === 'number' ? body.data.amount : transaction.amount;
    transaction.refunded_amount = Math.min(transaction.amount, transaction.refunded_amount + amount);
    return [200, { data: transaction }];
  }
}
