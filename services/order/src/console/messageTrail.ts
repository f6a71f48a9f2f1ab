import { eq, sql } from 'drizzle-orm';
import { inbox, outbox, type Envelope, type Logger } from '@saga/shared';
import type { SagaMessageJson } from './consoleApi';
import type { Fleet } from './fleet';

interface Seen {
  messageId: string;
  type: string;
  from: string;
  to: string | null;
  causationId: string | null;
  committedAt: Date | null;
  publishedAt: Date | null;
  handledAt: Date | null;
}

const ms = (from: Date | null, to: Date | null) => (from && to ? Math.max(0, to.getTime() - from.getTime()) : null);

/**
 * One order's messages across the services, from what each keeps: its inbox (every
 * message it handled, with when it was committed, published and taken) and its outbox
 * (what waits to be published). A handler's time ends when it wrote what it caused (the
 * messages whose causation id is the one it handled); a message that caused nothing has
 * no handler time. A service whose database cannot be read is left out (and logged).
 */
export async function messageTrail(fleet: Fleet, orderId: string, logger: Logger): Promise<SagaMessageJson[]> {
  const perService = await Promise.all(
    fleet.members().map(async ({ service }) => {
      try {
        const { db } = fleet.database(service);
        const [handled, waiting] = await Promise.all([
          db.select().from(inbox).where(eq(inbox.correlationId, orderId)),
          db.select({ id: outbox.id, type: outbox.type, headers: outbox.headers, createdAt: outbox.createdAt }).from(outbox).where(sql`${outbox.headers} ->> 'correlationId' = ${orderId}`),
        ]);
        return [
          ...handled.map((row): Seen => ({
            messageId: row.messageId,
            type: row.messageType,
            from: row.sender ?? '?',
            to: row.consumer,
            causationId: row.causationId,
            committedAt: row.sentAt,
            publishedAt: row.publishedAt,
            handledAt: row.handledAt,
          })),
          ...waiting.map((row): Seen => {
            const headers = row.headers as Envelope;
            return { messageId: row.id, type: row.type, from: service, to: null, causationId: headers.causationId, committedAt: row.createdAt, publishedAt: null, handledAt: null };
          }),
        ];
      } catch (error) {
        logger.warn({ err: error, service, correlationId: orderId }, "console: a service's messages could not be read");
        return [];
      }
    }),
  );
  const seen = perService.flat();
  const doneAt = new Map<string, Date>(); // "<handler>|<message id>" -> when it wrote the first message it caused
  for (const caused of seen) {
    if (!caused.causationId || !caused.committedAt) continue;
    const key = `${caused.from}|${caused.causationId}`;
    const earlier = doneAt.get(key);
    if (!earlier || caused.committedAt < earlier) doneAt.set(key, caused.committedAt);
  }
  return seen
    .map((message): SagaMessageJson => {
      const handlerDoneAt = message.to ? (doneAt.get(`${message.to}|${message.messageId}`) ?? null) : null;
      return {
        messageId: message.messageId,
        type: message.type,
        from: message.from,
        to: message.to,
        causationId: message.causationId,
        committedAt: (message.committedAt ?? message.handledAt ?? new Date(0)).toISOString(),
        publishedAt: message.publishedAt?.toISOString() ?? null,
        handledAt: message.handledAt?.toISOString() ?? null,
        handlerDoneAt: handlerDoneAt?.toISOString() ?? null,
        inOutboxMs: ms(message.committedAt, message.publishedAt),
        inBrokerMs: ms(message.publishedAt, message.handledAt),
        inHandlerMs: ms(message.handledAt, handlerDoneAt),
        state: message.handledAt ? 'handled' : message.publishedAt ? 'in-flight' : 'in-outbox',
      };
    })
    .sort((a, b) => a.committedAt.localeCompare(b.committedAt) || (a.handledAt ?? '').localeCompare(b.handledAt ?? ''));
}
