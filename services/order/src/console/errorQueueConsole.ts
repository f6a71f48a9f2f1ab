import type { GetMessage } from 'amqplib';
import { redactBrokerUrls, unavailable, type Logger } from '@saga/shared';
import { audit, ErrorQueues, type DeadMessage, type Filter } from '@saga/shared/operations';
import type { ParticipantName } from '../../../registry';
import type { Operator } from '../api/operators';
import type { DeadMessageJson, DeadMessageFilter, ErrorQueuesJson, ReplayResultJson } from './consoleApi';
import type { Fleet } from './fleet';

/** How many messages of a queue are read to group, search or replay it (the rest are counted, not read). */
const READ_LIMIT = 5000;
/** How long what was read of a queue is reused (a saga page refreshes on every change of its saga). */
const FRESH_MS = 2000;
/** Requests waiting for one queue at most; more are answered 503. */
const MAX_WAITING = 8;
const BODY_LIMIT = 64 * 1024;

/** Header values as JSON can show them (AMQP tables may hold buffers and dates). */
function jsonHeaders(headers: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([key, value]) => [key, Buffer.isBuffer(value) ? value.toString('utf8') : value instanceof Date ? value.toISOString() : value]),
  );
}

function toJson(service: string, queue: string, message: GetMessage, dead: DeadMessage): DeadMessageJson {
  const body = message.content.length > BODY_LIMIT ? `${message.content.subarray(0, BODY_LIMIT).toString('utf8')}… (${message.content.length} bytes)` : message.content.toString('utf8');
  return {
    service,
    queue,
    messageId: dead.messageId,
    type: dead.type,
    correlationId: dead.correlationId,
    reason: dead.reason,
    detail: dead.detail,
    attempts: dead.attempts,
    failedAt: dead.failedAt ?? null,
    failedBy: dead.failedBy ?? null,
    sender: dead.sender,
    headers: jsonHeaders(message.properties.headers),
    body,
  };
}

/** The DLQ tool's filter for the console's: every field given must match; none given means none. */
const toFilter = (filter: DeadMessageFilter): Filter => ({ id: filter.messageId, type: filter.type, reason: filter.reason, correlationId: filter.correlationId });

/**
 * The console's side of the error queues, through the same code as the DLQ tool
 * (@saga/shared/operations): it connects as the queue's service, reads without removing,
 * replays through publisher confirms and writes the same audit log. Work on one queue is
 * done one request at a time (a few may wait; more are refused): reading takes messages
 * (unacknowledged) until it gives them back, so two readers at once would each see part of
 * the queue. What was read is reused for a moment, so pages that refresh often do not
 * read the queue each time.
 */
export class ErrorQueueConsole {
  private readonly busy = new Map<string, { tail: Promise<unknown>; waiting: number }>();
  private readonly read = new Map<string, { at: number; messages: Promise<DeadMessageJson[]> }>();

  constructor(
    private readonly fleet: Fleet,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logger: Logger,
  ) {}

  /** Every service's error queue: its depth and its messages grouped by reason and type. */
  async summary(): Promise<ErrorQueuesJson> {
    const queues = await Promise.all(
      this.fleet.members().map(async ({ service, errorQueue }) => {
        try {
          const depth = await this.on(service, errorQueue, async (queues) => (await queues.depths([errorQueue]))[0]?.messages ?? null);
          const read = depth ? await this.messagesOf(service, Math.min(depth, READ_LIMIT)) : [];
          const groups = new Map<string, { reason: string; type: string; count: number }>();
          for (const dead of read) {
            const key = JSON.stringify([dead.reason, dead.type]);
            const group = groups.get(key) ?? { reason: dead.reason, type: dead.type, count: 0 };
            group.count += 1;
            groups.set(key, group);
          }
          return { service, queue: errorQueue, messages: depth, groups: [...groups.values()].sort((a, b) => b.count - a.count), truncated: (depth ?? 0) > read.length };
        } catch (error) {
          return { service, queue: errorQueue, messages: null, groups: [], truncated: false, error: (error as Error).message };
        }
      }),
    );
    return { queues };
  }

  /** How many messages each service's error queue holds (null when it cannot be asked). */
  async depths(): Promise<Map<string, number | null>> {
    const depths = await Promise.all(
      this.fleet.members().map(async ({ service, errorQueue }) => {
        const messages = await this.on(service, errorQueue, async (queues) => (await queues.depths([errorQueue]))[0]?.messages ?? null).catch(() => null);
        return [service, messages] as const;
      }),
    );
    return new Map(depths);
  }

  /** Up to `limit` messages of a service's error queue that match `filter` (all of them when it is empty). */
  async list(service: ParticipantName, filter: DeadMessageFilter, limit: number): Promise<DeadMessageJson[]> {
    const given = Object.entries(filter).filter(([, value]) => value !== undefined) as Array<[keyof DeadMessageFilter, string]>;
    return (await this.messagesOf(service)).filter((message) => given.every(([key, value]) => message[key] === value)).slice(0, limit);
  }

  /**
   * The first messages of a service's error queue, as read within the last FRESH_MS (read
   * again after a change made here, or when `expected`, what the queue holds now, says the
   * reading is out of date).
   */
  private async messagesOf(service: ParticipantName, expected?: number): Promise<DeadMessageJson[]> {
    const queue = this.queueOf(service);
    const cached = this.read.get(queue);
    if (cached && Date.now() - cached.at < FRESH_MS && (expected === undefined || (await cached.messages.catch(() => [])).length === expected)) return cached.messages;
    const messages = this.on(service, queue, async (queues) => (await queues.browse(queue, READ_LIMIT)).map(({ message, dead }) => toJson(service, queue, message, dead)));
    this.read.set(queue, { at: Date.now(), messages });
    messages.catch(() => this.read.delete(queue));
    return messages;
  }

  /** The messages about one order in every error queue (a queue that cannot be read is skipped). */
  async aboutOrder(orderId: string): Promise<DeadMessageJson[]> {
    const found = await Promise.all(
      this.fleet.members().map(({ service }) =>
        this.list(service, { correlationId: orderId }, 100).catch((error: Error) => {
          this.logger.warn({ err: error, service }, 'console: an error queue could not be read');
          return [];
        }),
      ),
    );
    return found.flat();
  }

  /** Replays the matching messages (or says how many would be, on a dry run); a real replay is audited under `operator`. */
  async replay(service: ParticipantName, filter: DeadMessageFilter, dryRun: boolean, operator: Operator | undefined): Promise<ReplayResultJson> {
    const queue = this.queueOf(service);
    return this.on(service, queue, async (queues) => {
      const result = await queues.replay(queue, toFilter(filter), { dryRun, readLimit: READ_LIMIT });
      if (!dryRun) this.read.delete(queue);
      const messageIds = result.matched.map((message) => message.messageId);
      if (!dryRun) {
        await audit({ user: operator?.name, via: 'console', command: 'replay', queue, filter: { ...filter }, messageIds, replayed: result.replayed, failed: result.failed }, this.env);
        this.logger.info({ operator: operator?.name, queue, filter, replayed: result.replayed, failed: result.failed.length }, 'console: error queue messages replayed');
      }
      return { dryRun, matched: messageIds.length, replayed: result.replayed, failed: result.failed, messageIds };
    });
  }

  /** Deletes every message of a service's error queue; audited under `operator`. */
  async purge(service: ParticipantName, operator: Operator): Promise<number> {
    const queue = this.queueOf(service);
    return this.on(service, queue, async (queues) => {
      const purged = await queues.purge(queue);
      this.read.delete(queue);
      await audit({ user: operator.name, via: 'console', command: 'purge', queue, messageIds: [], purged }, this.env);
      this.logger.info({ operator: operator.name, queue, purged }, 'console: error queue purged');
      return purged;
    });
  }

  queueOf(service: ParticipantName): string {
    return this.fleet.member(service)!.errorQueue;
  }

  /** Runs `work` on the queue, connected as its service, after any work already under way on it. */
  private on<T>(service: ParticipantName, queue: string, work: (queues: ErrorQueues) => Promise<T>): Promise<T> {
    const run = async () => {
      const url = this.fleet.amqpUrl(service);
      const queues = await ErrorQueues.connect(url).catch((error: Error) => {
        throw unavailable(`Cannot reach RabbitMQ at ${redactBrokerUrls(url)} as ${service}: ${error.message}`, 5);
      });
      try {
        return await work(queues);
      } finally {
        await queues.close();
      }
    };
    const line = this.busy.get(queue) ?? { tail: Promise.resolve(), waiting: 0 };
    if (line.waiting >= MAX_WAITING) return Promise.reject(unavailable(`Too many requests are waiting for ${queue}; try again shortly`, 2));
    line.waiting += 1;
    const next = line.tail.then(run, run);
    line.tail = next.catch(() => undefined);
    this.busy.set(queue, line);
    void line.tail.then(() => {
      line.waiting -= 1;
      if (line.waiting === 0 && this.busy.get(queue) === line) this.busy.delete(queue);
    });
    return next;
  }
}
