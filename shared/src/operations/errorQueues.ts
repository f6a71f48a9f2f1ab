import { writeFile } from 'node:fs/promises';
import type { ChannelModel, GetMessage } from 'amqplib';
import { connectToBroker } from '../broker/addresses';
import { brokerUserOf } from '../messaging/amqp';
import { publishConfirmed } from '../messaging/confirm';
import { describe, freshHeaders, type DeadMessage } from './deadMessage';

export interface QueueDepth {
  queue: string;
  messages: number | undefined;
}

/** Which messages: every one, or those matching every field given (at least one). */
export type Filter = { all: true } | { id?: string; type?: string; reason?: string; correlationId?: string };

export interface ReplayResult {
  matched: DeadMessage[];
  replayed: number;
  failed: Array<{ messageId: string; error: string }>;
}

function matches(filter: Filter, message: DeadMessage): boolean {
  if ('all' in filter) return true;
  const wanted: Array<[string | undefined, string]> = [
    [filter.id, message.messageId],
    [filter.type, message.type],
    [filter.reason, message.reason],
    [filter.correlationId, message.correlationId],
  ];
  const given = wanted.filter(([value]) => value !== undefined);
  return given.length > 0 && given.every(([value, actual]) => value === actual);
}

/**
 * The broker side of the DLQ tool. Reading never removes: messages are taken
 * unacknowledged and given back (requeued) at the end, or when the connection drops.
 * A replayed message is removed only after its republish was confirmed, so an
 * interrupted replay loses nothing (at worst a message is delivered twice, which the
 * consumer's inbox absorbs).
 */
export class ErrorQueues {
  private constructor(
    private readonly connection: ChannelModel,
    /** The broker user connected as: the endpoint's own, the only one that may put messages back in its queues. */
    private readonly user: string,
  ) {}

  static async connect(url: string): Promise<ErrorQueues> {
    const { connection } = await connectToBroker(url, { noDelay: true, clientProperties: { connection_name: 'saga-dlq' } });
    connection.on('error', () => undefined); // surfaced through the failing call instead
    return new ErrorQueues(connection, brokerUserOf(url));
  }

  /** A channel whose errors (a missing queue closes it) reject the call that caused them, not the process. */
  private async channel() {
    const channel = await this.connection.createChannel();
    channel.on('error', () => undefined);
    return channel;
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }

  async depths(queues: string[]): Promise<QueueDepth[]> {
    const depths: QueueDepth[] = [];
    for (const queue of queues) {
      // A missing queue closes the channel it was asked on, so each check gets its own.
      const channel = await this.channel();
      const messages = await channel.checkQueue(queue).then((q) => q.messageCount, () => undefined);
      await channel.close().catch(() => undefined);
      depths.push({ queue, messages });
    }
    return depths;
  }

  /** Reads up to `limit` messages without removing any. */
  async browse(queue: string, limit = Number.POSITIVE_INFINITY): Promise<Array<{ message: GetMessage; dead: DeadMessage }>> {
    const channel = await this.channel();
    try {
      const { messageCount } = await channel.checkQueue(queue);
      const seen: Array<{ message: GetMessage; dead: DeadMessage }> = [];
      while (seen.length < Math.min(limit, messageCount)) {
        const message = await channel.get(queue, { noAck: false });
        if (!message) break;
        seen.push({ message, dead: describe(message, queue, this.user) });
      }
      return seen;
    } finally {
      await channel.close().catch(() => undefined); // gives every message back
    }
  }

  async export(queue: string, file: string): Promise<number> {
    const messages = await this.browse(queue);
    const lines = messages.map(({ message, dead }) => {
      const body = message.content.toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      return JSON.stringify({
        ...dead,
        properties: message.properties,
        ...(json === undefined ? { bodyBase64: message.content.toString('base64') } : { body: json }),
      });
    });
    await writeFile(file, lines.length ? `${lines.join('\n')}\n` : '');
    return lines.length;
  }

  async purge(queue: string): Promise<number> {
    const channel = await this.channel();
    try {
      return (await channel.purgeQueue(queue)).messageCount;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /**
   * Republishes the matching messages to where they first came from, with their retry
   * and error headers removed, and removes each from the error queue once its
   * republish is confirmed. Non-matching messages stay where they were.
   */
  async replay(
    queue: string,
    filter: Filter,
    options: { dryRun?: boolean; ratePerSecond?: number; now?: () => Date; onProgress?: (done: number, total: number) => void; readLimit?: number } = {},
  ): Promise<ReplayResult> {
    const now = options.now ?? (() => new Date());
    const reader = await this.channel();
    const publisher = await this.connection.createConfirmChannel();
    publisher.on('error', () => undefined);
    const result: ReplayResult = { matched: [], replayed: 0, failed: [] };
    try {
      const { messageCount } = await reader.checkQueue(queue);
      const taken: Array<{ message: GetMessage; dead: DeadMessage }> = [];
      // At most `readLimit` messages are looked at (the first ones); the rest wait for another replay.
      for (let i = 0; i < Math.min(messageCount, options.readLimit ?? Number.POSITIVE_INFINITY); i += 1) {
        const message = await reader.get(queue, { noAck: false });
        if (!message) break;
        const dead = describe(message, queue, this.user);
        if (matches(filter, dead)) taken.push({ message, dead });
      }
      result.matched = taken.map((t) => t.dead);
      if (options.dryRun) return result;
      const pause = options.ratePerSecond ? 1000 / options.ratePerSecond : 0;
      for (const [index, { message, dead }] of taken.entries()) {
        try {
          await publishConfirmed(publisher, dead.target, message.content, { ...message.properties, userId: this.user, headers: freshHeaders(message, now(), queue, dead.sender) }, 5000);
          reader.ack(message);
          result.replayed += 1;
        } catch (error) {
          result.failed.push({ messageId: dead.messageId, error: (error as Error).message });
        }
        options.onProgress?.(index + 1, taken.length);
        if (pause) await new Promise((resolve) => setTimeout(resolve, pause));
      }
      return result;
    } finally {
      await publisher.close().catch(() => undefined);
      await reader.close().catch(() => undefined); // gives back everything not acknowledged
    }
  }
}
