import type { ConfirmChannel, Options } from 'amqplib';

/**
 * Waits for the broker to confirm everything published on the channel, at most
 * `timeoutMs` (amqplib's wait can hang when a connection dies). On a timeout the
 * outcome is unknown, so the caller must treat the publish as not done.
 */
export async function confirmed(channel: ConfirmChannel, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no publisher confirm within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([channel.waitForConfirms(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Publishes one message and waits for the broker's confirm of that message alone (not of
 * everything else in flight on the channel), at most `timeoutMs`. Rejects on a nack, a
 * closed channel or a timeout; throws at once if amqplib cannot encode it (nothing sent).
 */
export async function publishConfirmed(
  channel: ConfirmChannel,
  target: { exchange: string; routingKey: string },
  content: Buffer,
  options: Options.Publish,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let confirm!: { resolve: () => void; reject: (error: Error) => void };
  const acknowledged = new Promise<void>((resolve, reject) => {
    confirm = { resolve, reject };
  });
  channel.publish(target.exchange, target.routingKey, content, options, (error: unknown) =>
    error ? confirm.reject(error instanceof Error ? error : new Error(String(error))) : confirm.resolve(),
  );
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no publisher confirm within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([acknowledged, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
