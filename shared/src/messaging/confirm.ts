import type { ConfirmChannel } from 'amqplib';

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
