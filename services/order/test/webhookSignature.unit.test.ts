import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { activeSecrets, secretFromKey, signedHeaders } from '../src/webhooks/signature';

const key = Buffer.alloc(32, 7);
const secret = secretFromKey(key);
const otherKey = Buffer.alloc(32, 9);
const other = secretFromKey(otherKey);
const at = new Date('2026-11-30T10:00:00.750Z');
const body = JSON.stringify({ type: 'order.created', timestamp: '2026-11-30T10:00:00.000Z', data: { orderId: 'o-1' } });

/** The signature as the Standard Webhooks specification defines it, computed without the library. */
const expected = (keyBytes: Buffer, id: string, seconds: number, payload: string) =>
  `v1,${createHmac('sha256', keyBytes).update(`${id}.${seconds}.${payload}`).digest('base64')}`;

describe('webhook signatures', () => {
  it('a new secret is whsec_ and the base64 of its 32-byte key', () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64').equals(key)).toBe(true);
  });

  it('signs id.timestamp.body with HMAC-SHA256 of the decoded key, the timestamp in whole unix seconds', () => {
    const headers = signedHeaders('msg_1', at, body, [secret]);
    const seconds = Math.floor(at.getTime() / 1000);
    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['webhook-timestamp']).toBe(String(seconds));
    expect(headers['webhook-signature']).toBe(expected(key, 'msg_1', seconds, body));
  });

  it('with two secrets, carries one v1 signature per secret, space-separated, and either verifies', () => {
    const headers = signedHeaders('msg_2', at, body, [secret, other]);
    const seconds = Math.floor(at.getTime() / 1000);
    expect(headers['webhook-signature'].split(' ')).toEqual([expected(key, 'msg_2', seconds, body), expected(otherKey, 'msg_2', seconds, body)]);
    // The library checks the timestamp against the current time: sign "now" for it.
    const now = new Date();
    const fresh = signedHeaders('msg_2', now, body, [secret, other]);
    expect(new Webhook(secret).verify(body, fresh)).toEqual(JSON.parse(body));
    expect(new Webhook(other).verify(body, fresh)).toEqual(JSON.parse(body));
  });

  it('a signature does not verify with another secret, nor over another body or id', () => {
    const headers = signedHeaders('msg_3', new Date(), body, [secret]);
    expect(() => new Webhook(other).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'msg_4' })).toThrow();
  });

  it('signs with the previous secret too only until it expires', () => {
    const subscriber = { secret, previousSecret: other, previousSecretExpiresAt: new Date('2026-11-30T11:00:00.000Z') };
    expect(activeSecrets(subscriber, new Date('2026-11-30T10:59:59.999Z'))).toEqual([secret, other]);
    expect(activeSecrets(subscriber, new Date('2026-11-30T11:00:00.000Z'))).toEqual([secret]);
    expect(activeSecrets({ secret, previousSecret: null, previousSecretExpiresAt: null }, at)).toEqual([secret]);
  });

  it('refuses to sign with no secret at all', () => {
    expect(() => signedHeaders('msg_5', at, body, [])).toThrow(/at least one secret/);
  });
});
