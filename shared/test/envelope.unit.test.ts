import { boundHeaders, ERROR_HEADER } from '../src/messaging/errorQueue';
import { storableInstant } from '../src/messaging/inbox';
import { decodeBody, encodedSize, ENVELOPE_LIMITS, fromProperties, HEADER, senderOf, toPublishOptions, type Envelope } from '../src/messaging/envelope';

const envelope: Envelope = {
  messageId: 'a5b7d1c2-0f1e-4c3b-9a8d-7e6f5a4b3c2d',
  messageType: 'domain.order.ReserveInventory',
  correlationId: '6f1c1e3a-7d55-4a8e-9a3b-2b0c8d7f4e11',
  causationId: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f',
  conversationId: '6f1c1e3a-7d55-4a8e-9a3b-2b0c8d7f4e11',
  sentAt: '2026-11-21T10:00:00.000Z',
  source: 'order',
};
const valid = () => toPublishOptions(envelope, 'order') as Parameters<typeof fromProperties>[0] & { headers: Record<string, unknown> };

describe('envelope', () => {
  it('survives the trip through AMQP properties and headers, with the sender as user-id', () => {
    const options = toPublishOptions(envelope, 'order');
    expect(options).toMatchObject({ persistent: true, userId: 'order', contentType: 'application/json' });
    expect(fromProperties(options as Parameters<typeof fromProperties>[0])).toEqual(envelope);
  });

  it('names what is missing when a message has no id, type or correlation id', () => {
    expect(fromProperties({ ...valid(), messageId: undefined })).toEqual({ invalid: 'missing message-id property' });
    expect(fromProperties({ ...valid(), type: undefined })).toEqual({ invalid: 'missing type property' });
    expect(fromProperties({ ...valid(), correlationId: undefined })).toEqual({ invalid: 'missing correlation-id property' });
  });

  it.each([
    ['a message id of 256 bytes', { messageId: 'm'.repeat(256) }, /message-id is longer than 255 bytes/],
    ['a NUL in the message id', { messageId: 'a\u0000b' }, /message-id is not printable ASCII/],
    ['a NUL in the correlation id', { correlationId: 'a\u0000b' }, /correlation-id is not printable ASCII/],
    ['a space in the correlation id', { correlationId: 'a b' }, /correlation-id is not printable ASCII/],
    ['a non-ASCII app id', { appId: 'ordér' }, /app-id is not printable ASCII/],
    ['a user id that is a number', { userId: 7 as unknown as string }, /user-id is not a non-empty string/],
    ['a type that is not dotted', { type: 'ReserveInventory' }, /type is not a dotted message type/],
    ['a text/plain body', { contentType: 'text/plain' }, /content-type "text\/plain" is not application\/json/],
    ['no content type', { contentType: undefined }, /content-type \(absent\) is not application\/json/],
    ['a gzip body', { contentEncoding: 'gzip' }, /content-encoding "gzip" is not supported/],
  ])('refuses %s', (_name, change, reason) => {
    const result = fromProperties({ ...valid(), ...change });
    expect('invalid' in result && result.invalid).toMatch(reason);
  });

  it.each([
    ['a causation id of 256 bytes', { [HEADER.causationId]: 'c'.repeat(256) }, /x-causation-id is longer than 255 bytes/],
    ['a conversation id with a NUL', { [HEADER.conversationId]: 'c\u0000' }, /x-conversation-id is not printable ASCII/],
    ['a conversation id that is a table', { [HEADER.conversationId]: { a: 1 } }, /x-conversation-id is not a non-empty string/],
    ['a sent-at that is not an instant', { [HEADER.sentAt]: 'yesterday' }, /x-sent-at is not an ISO-8601 instant/],
    ['a sent-at past year 9999', { [HEADER.sentAt]: '+275760-09-13T00:00:00.000Z' }, /x-sent-at is not an ISO-8601 instant/],
    ['a header table over the bound', { 'x-big': 'b'.repeat(ENVELOPE_LIMITS.headerBytes) }, /headers take about \d+ bytes, over the 16384-byte bound/],
  ])('refuses %s in the headers', (_name, headers, reason) => {
    const properties = valid();
    const result = fromProperties({ ...properties, headers: { ...properties.headers, ...headers } });
    expect('invalid' in result && result.invalid).toMatch(reason);
  });

  it('accepts JSON declared as UTF-8, and a message without the optional headers', () => {
    expect(fromProperties({ ...valid(), contentType: 'application/json; charset=utf-8' })).not.toHaveProperty('invalid');
    expect(fromProperties({ ...valid(), headers: {} })).toMatchObject({ causationId: null, conversationId: envelope.correlationId });
  });

  it('decodes a body only if it is small enough, UTF-8 and JSON', () => {
    expect(decodeBody(Buffer.from('{"a":1}'))).toEqual({ json: { a: 1 } });
    expect(decodeBody(Buffer.from([0x7b, 0xff, 0x7d]))).toEqual({ reason: 'invalid-envelope', invalid: 'body is not valid UTF-8' });
    expect(decodeBody(Buffer.alloc(ENVELOPE_LIMITS.bodyBytes + 1, 0x20))).toMatchObject({ reason: 'invalid-envelope' });
    expect(decodeBody(Buffer.from('{"a":'))).toEqual({ reason: 'contract-violation', invalid: 'body is not valid JSON' });
  });
});

describe('sender', () => {
  it('is the broker-validated user-id', () => {
    expect(senderOf({ userId: 'order' }, 'billing')).toBe('order');
    expect(senderOf({}, 'billing')).toBeUndefined();
  });

  it('is the original user-id only on a message the receiving service republished itself', () => {
    expect(senderOf({ userId: 'billing', headers: { [HEADER.originalUserId]: 'order' } }, 'billing')).toBe('order');
    expect(senderOf({ userId: 'inventory', headers: { [HEADER.originalUserId]: 'order' } }, 'billing')).toBe('inventory');
    expect(senderOf({ userId: 'billing' }, 'billing')).toBe('billing');
  });

  it('is unknown when that header is out of bounds', () => {
    expect(senderOf({ userId: 'billing', headers: { [HEADER.originalUserId]: 'o'.repeat(300) } }, 'billing')).toBeUndefined();
    expect(senderOf({ userId: 'billing', headers: { [HEADER.originalUserId]: 7 } }, 'billing')).toBeUndefined();
  });
});

describe('error-queue headers', () => {
  it('cuts a foreign header over 1 kB with a marker, and one of ours over 4 kB', () => {
    const bounded = boundHeaders({ 'x-conversation-id': 'c'.repeat(65_000), [ERROR_HEADER.message]: 'm'.repeat(4000), [ERROR_HEADER.firstFailureAt]: 'f'.repeat(30_000), small: 's' });
    expect(bounded['x-conversation-id']).toBe(`${'c'.repeat(1024)}...[truncated from 65000 bytes]`);
    expect(bounded[ERROR_HEADER.message]).toBe('m'.repeat(4000));
    expect(bounded[ERROR_HEADER.firstFailureAt]).toBe(`${'f'.repeat(4096)}...[truncated from 30000 bytes]`);
    expect(bounded.small).toBe('s');
  });

  it('drops the largest foreign headers when many small ones still make the table too big, saying which', () => {
    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`h${i}`, 'v'.repeat(i % 7)]));
    const bounded = boundHeaders({ ...many, [ERROR_HEADER.reason]: 'invalid-envelope' });
    expect(encodedSize(bounded)).toBeLessThan(64 * 1024);
    expect(bounded[ERROR_HEADER.reason]).toBe('invalid-envelope');
    expect(String(bounded['x-dropped-headers'])).toMatch(/^h\d+(,h\d+)*/);
  });

  it('replaces a nested table that is too big by a marker', () => {
    expect(boundHeaders({ nested: { a: 'x'.repeat(5000) } }).nested).toMatch(/^\[removed: about \d+ bytes\]$/);
  });
});

describe('instants kept in the inbox', () => {
  it('keeps what PostgreSQL can store, and nothing for an absent, epoch or out-of-range instant', () => {
    expect(storableInstant('2026-11-30T10:00:00.123Z')).toEqual(new Date('2026-11-30T10:00:00.123Z'));
    expect(storableInstant(undefined)).toBeNull();
    expect(storableInstant(new Date(0).toISOString())).toBeNull();
    expect(storableInstant('0000-01-01T00:00:00Z')).toBeNull();
    expect(storableInstant('9999-12-31T23:59:59-01:00')).toBeNull();
  });
});
