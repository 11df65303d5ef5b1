import { PermanentError } from '../../functions/shared/errors';
import { attributeValue, decodePushEnvelope, eventAttributes, parseEvent } from '../../functions/shared/message';

describe('the message format', () => {
  it('gives an event without an account no account attribute', () => {
    const attributes = eventAttributes({ id: 'evt_1', type: 't', created: 5, livemode: true, api_version: null, data: { object: {} } });
    expect(attributes).toEqual({ event_id: 'evt_1', event_type: 't', livemode: 'true', api_version: '', created: '5' });
  });

  it('decodes a push envelope, accepting message_id spelled either way', () => {
    const pushed = decodePushEnvelope({
      message: { data: Buffer.from('hi').toString('base64'), message_id: '42', attributes: { a: 'b', n: 1 } },
      subscription: 's',
    });
    expect(pushed).toEqual({ messageId: '42', subscription: 's', attributes: { a: 'b' }, data: Buffer.from('hi'), deliveryAttempt: undefined });
  });

  it('refuses event JSON that is not an object', () => {
    expect(() => parseEvent(Buffer.from('[1,2]'))).toThrow(PermanentError);
    expect(() => parseEvent(Buffer.from('"text"'))).toThrow('event is not a JSON object');
  });

  it('cuts an attribute value to 1024 bytes on a character boundary', () => {
    const cut = attributeValue('é'.repeat(1000));
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1024);
    expect(cut.endsWith('...')).toBe(true);
    expect(cut).not.toContain('\uFFFD');
    expect(attributeValue('short')).toBe('short');
  });
});

describe('what an event must look like to be published', () => {
  const base = { id: 'evt_1', type: 'charge.refunded', data: { object: {} } };

  it.each([
    ['livemode', 'true', 'event livemode is not a boolean'],
    ['account', 42, 'event account is not a string'],
    ['created', {}, 'event created is not a number'],
    ['api_version', 2020, 'event api_version is not a string'],
    ['type', 'x'.repeat(256), 'event id or type is too long'],
  ])('refuses an event whose %s is %p', (field, value, problem) => {
    expect(() => parseEvent(Buffer.from(JSON.stringify({ ...base, [field]: value })))).toThrow(problem);
  });

  it('accepts null where Stripe sends null', () => {
    expect(parseEvent(Buffer.from(JSON.stringify({ ...base, api_version: null, account: null }))).id).toBe('evt_1');
  });
});
