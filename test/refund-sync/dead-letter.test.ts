import { publishDeadLetter } from '../../functions/refund-sync/dead-letter';
import { PermanentError } from '../../functions/shared/errors';

describe('publishDeadLetter', () => {
  const error = new PermanentError('order_not_found', 'Moltin listing transactions failed: 404');
  const at = new Date('2026-12-04T12:00:00Z');

  it('keeps the data and attributes and adds the reason', async () => {
    const publish = jest.fn().mockResolvedValue('dl-1');
    const data = Buffer.from('{"id":"evt_1"}');

    await publishDeadLetter(publish, { data, attributes: { event_id: 'evt_1' }, messageId: 'm-1', subscription: 's' }, error, at);

    expect(publish).toHaveBeenCalledWith(data, {
      event_id: 'evt_1',
      dead_letter_reason: 'order_not_found',
      dead_letter_detail: 'Moltin listing transactions failed: 404',
      dead_lettered_at: '2026-12-04T12:00:00.000Z',
      source_message_id: 'm-1',
      source_subscription: 's',
    });
  });

  it('stays within Pub/Sub attribute limits, keeping the event attributes first', async () => {
    const publish = jest.fn().mockResolvedValue('dl-1');
    const attributes: Record<string, string> = {};
    for (let i = 0; i < 150; i++) attributes[`extra_${String(i).padStart(3, '0')}`] = 'v'.repeat(1500);
    attributes.event_id = 'evt_kept';
    attributes.event_type = 'charge.refunded';
    attributes['k'.repeat(300)] = 'too long a key';
    attributes.googclient_x = 'reserved';

    await publishDeadLetter(publish, { data: Buffer.from('x'), attributes, messageId: 'm', subscription: 's' }, error, at);

    const sent: Record<string, string> = publish.mock.calls[0][1];
    expect(Object.keys(sent)).toHaveLength(100);
    expect(sent).toMatchObject({ event_id: 'evt_kept', event_type: 'charge.refunded', dead_letter_reason: 'order_not_found' });
    expect(Object.keys(sent).every((key) => Buffer.byteLength(key) <= 256 && !key.startsWith('goog'))).toBe(true);
    expect(Object.values(sent).every((value) => Buffer.byteLength(value) <= 1024)).toBe(true);
  });
});
