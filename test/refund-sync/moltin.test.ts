import {
  classifyMoltinFailure,
  createMoltinOrders,
  type MoltinOrders,
} from '../../functions/refund-sync/moltin';
import { PermanentError, TransientError } from '../../functions/shared/errors';
import { MoltinSandbox } from '../../local/moltin-sandbox';

const credentials = { clientId: 'unit-client', clientSecret: 'unit-secret' };

describe('classifyMoltinFailure', () => {
  const classify = (rejection: unknown) => classifyMoltinFailure(rejection, 'refund', 'order_not_found');
  const body = (status: number, detail = 'x') => ({ errors: [{ status, title: 'T', detail }] });

  it.each([500, 502, 503, 504, 429, 409, 408, 401, 403, 302])('treats %i as transient', (status) => {
    expect(classify(body(status))).toBeInstanceOf(TransientError);
  });

  it('treats a network error, which the SDK passes on as an Error, as transient', () => {
    expect(classify(new TypeError('fetch failed'))).toBeInstanceOf(TransientError);
  });

  it('treats 404 as the missing thing, permanently', () => {
    const error = classify(body(404));
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).reason).toBe('order_not_found');
  });

  it('treats any other refusal as a permanent refund rejection', () => {
    const error = classify(body(422, 'Gateway does not support refunds'));
    expect((error as PermanentError).reason).toBe('refund_rejected');
    expect(error.message).toBe('Moltin refund failed: 422 T Gateway does not support refunds');
  });
});

describe('the Moltin client', () => {
  let sandbox: MoltinSandbox;
  let moltin: MoltinOrders;

  beforeEach(async () => {
    sandbox = new MoltinSandbox(credentials);
    await sandbox.start();
    moltin = createMoltinOrders({ ...credentials, apiUrl: new URL(sandbox.url), timeoutMs: 500 });
  });
  afterEach(() => sandbox.stop());

  it('lists transactions and refunds with no amount, using one token', async () => {
    const { orderId, transactionId } = sandbox.addOrder({ reference: 'ch_1' });

    const transactions = await moltin.listTransactions(orderId);
    await moltin.refundTransaction(orderId, transactionId);

    expect(transactions.map((transaction) => transaction.id)).toEqual([transactionId]);
    expect(sandbox.calls.map((call) => `${call.method} ${call.path}`)).toEqual([
      'POST /oauth/access_token',
      `GET /v2/orders/${orderId}/transactions`,
      `POST /v2/orders/${orderId}/transactions/${transactionId}/refund`,
    ]);
    const refundBody = JSON.parse(sandbox.refundCalls()[0].body);
    expect(refundBody).toEqual({ data: {} });
  });

  it('requests one token for many calls that start together', async () => {
    const { orderId } = sandbox.addOrder({ reference: 'ch_1' });
    await Promise.all(Array.from({ length: 10 }, () => moltin.listTransactions(orderId)));
    expect(sandbox.tokensIssued).toHaveLength(1);
  });

  it('gets a new token when the old one stops being accepted', async () => {
    const { orderId } = sandbox.addOrder({ reference: 'ch_1' });
    await moltin.listTransactions(orderId);
    sandbox.expireTokens();

    await expect(moltin.listTransactions(orderId)).resolves.toHaveLength(1);
    expect(sandbox.tokensIssued).toHaveLength(2);
  });

  it('reports a missing order as permanent', async () => {
    await expect(moltin.listTransactions('no-such-order')).rejects.toMatchObject({
      reason: 'order_not_found',
    });
  });

  it('reports any refusal of the refund as refund_rejected, whatever its words', async () => {
    const { orderId, transactionId } = sandbox.addOrder({ reference: 'ch_1', refunded_amount: 2000 });
    await expect(moltin.refundTransaction(orderId, transactionId)).rejects.toMatchObject({
      reason: 'refund_rejected',
    });
  });

  it.each([
    ['a 200 that is not JSON:API', { status: 200, body: '<html>ok</html>' }],
    ['a 200 carrying errors', { status: 200, body: { errors: [{ status: 500, title: 'x' }] } }],
  ])('treats %s from the refund call as transient, not as done', async (_, fault) => {
    const { orderId, transactionId } = sandbox.addOrder({ reference: 'ch_1' });
    sandbox.injectFault((call) => (call.path.endsWith('/refund') ? fault : undefined));
    await expect(moltin.refundTransaction(orderId, transactionId)).rejects.toBeInstanceOf(TransientError);
  });

  it('does not follow a redirect of the refund call', async () => {
    const { orderId, transactionId } = sandbox.addOrder({ reference: 'ch_1' });
    sandbox.injectFault((call) =>
      call.path.endsWith('/refund') ? { status: 303, headers: { location: `/v2/orders/${orderId}/transactions` } } : undefined
    );
    await expect(moltin.refundTransaction(orderId, transactionId)).rejects.toBeInstanceOf(TransientError);
    expect(sandbox.calls.filter((call) => call.method === 'GET')).toHaveLength(0);
  });

  it('treats a listing without a list as transient', async () => {
    const { orderId } = sandbox.addOrder({ reference: 'ch_1' });
    sandbox.injectFault((call) =>
      call.path.endsWith('/transactions') ? { status: 200, body: { data: { id: 'not-a-list' } } } : undefined
    );
    await expect(moltin.listTransactions(orderId)).rejects.toBeInstanceOf(TransientError);
  });

  it('gives up on a slow answer after the timeout, as a transient failure', async () => {
    const { orderId } = sandbox.addOrder({ reference: 'ch_1' });
    sandbox.injectFault((call) => (call.path.includes('/transactions') ? { delayMs: 1500 } : undefined));

    const started = Date.now();
    await expect(moltin.listTransactions(orderId)).rejects.toBeInstanceOf(TransientError);
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it('reports a 503 with a non-JSON body as transient', async () => {
    const { orderId } = sandbox.addOrder({ reference: 'ch_1' });
    sandbox.injectFault((call) =>
      call.path.includes('/transactions') ? { status: 503, body: '<html>Service Unavailable</html>' } : undefined
    );
    const listing = moltin.listTransactions(orderId);
    await expect(listing).rejects.toBeInstanceOf(TransientError);
    await expect(listing).rejects.toThrow(/Moltin listing transactions failed: 503/);
  });

  it('reports wrong client credentials as transient, fixable by a new secret', async () => {
    const wrong = createMoltinOrders({ ...credentials, clientSecret: 'old', apiUrl: new URL(sandbox.url), timeoutMs: 500 });
    await expect(wrong.listTransactions('any')).rejects.toBeInstanceOf(TransientError);
  });
});
