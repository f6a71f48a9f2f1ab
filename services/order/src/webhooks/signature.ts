import { Webhook } from 'standardwebhooks';

/** Standard Webhooks secrets: whsec_ and the base64 of the key. */
export const SECRET_PREFIX = 'whsec_';

/** A new secret from `key` (32 random bytes, taken by the caller). */
export const secretFromKey = (key: Uint8Array): string => `${SECRET_PREFIX}${Buffer.from(key).toString('base64')}`;

export interface SubscriberSecrets {
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
}

/** The secrets a delivery at `now` is signed with: the current one, and the previous one during its grace period. */
export function activeSecrets(subscriber: SubscriberSecrets, now: Date): string[] {
  const previous = subscriber.previousSecret && subscriber.previousSecretExpiresAt && subscriber.previousSecretExpiresAt.getTime() > now.getTime();
  return previous ? [subscriber.secret, subscriber.previousSecret!] : [subscriber.secret];
}

/** The Standard Webhooks headers of one attempt: its id, its time (unix seconds) and one `v1,<sig>` per secret, space-separated. */
export function signedHeaders(msgId: string, at: Date, body: string, secrets: readonly string[]): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  if (secrets.length === 0) throw new Error('a webhook needs at least one secret to be signed with');
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(msgId, at, body)).join(' '),
  };
}
