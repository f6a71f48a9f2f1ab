import type { Express, Request, Response } from 'express';
import { eq } from 'drizzle-orm';
import { badRequest, idParams, unavailable, notFound, validate, type ServiceDeps } from '@saga/shared';
import type { SagaEventJson } from '../console/consoleApi';
import { orderSagas } from '../db/schema';
import type { SagaEventHub } from '../events/sagaEventHub';
import { parsePosition, type SagaEventReader, type StreamPosition } from '../events/sagaEventReader';

const BATCH = 500;
const HEARTBEAT_MS = 15_000;

/** Where a reconnecting client left off: the Last-Event-ID header, or `lastEventId` in the query (a first EventSource connection cannot set headers). */
function lastEventId(req: Request): string | undefined {
  const header = req.get('last-event-id');
  if (header !== undefined) return header;
  const query = req.query.lastEventId;
  return typeof query === 'string' ? query : undefined;
}

/**
 * Streams events as Server-Sent Events: `read` yields what comes after where the client
 * is (and moves it on); it runs when the hub wakes the stream (for `orderId` only, when
 * given), one read at a time, until the client leaves. A slow client is waited for (the
 * socket's drain), never buffered without bound.
 */
function stream(res: Response, hub: SagaEventHub, orderId: string | undefined, read: () => Promise<SagaEventJson[]>): void {
  // The client may have left while the route read the database: then its close event is past.
  if (res.closed || res.destroyed) return;
  let reading: Promise<void> | undefined;
  let again = false;
  let closed = false;
  const unsubscribe = hub.subscribe({ wake: () => pump(), ...(orderId ? { orderId } : {}) });
  if (!unsubscribe) throw unavailable('Too many event streams are open on this process; try again later', 5);
  res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  res.flushHeaders();
  res.write('retry: 2000\n\n');
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  const close = () => {
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
  };
  res.on('close', close);
  /** Resolves once the socket takes more, or the client has gone (then the loop below stops). */
  const drained = () =>
    new Promise<void>((resolve) => {
      if (closed) return resolve();
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });

  const drain = async () => {
    do {
      again = false;
      for (;;) {
        const events = await read();
        for (const event of events) {
          if (closed) return;
          if (!res.write(`id: ${event.id}\nevent: saga\ndata: ${JSON.stringify(event)}\n\n`)) await drained();
        }
        if (events.length < BATCH || closed) break;
      }
    } while (again && !closed);
  };
  function pump(): void {
    if (closed) return;
    if (reading) {
      again = true;
      return;
    }
    reading = drain()
      .catch(() => {
        // The database is away: the client reconnects (with its Last-Event-ID) and resumes.
        if (!closed) res.end();
        close();
      })
      .finally(() => {
        reading = undefined;
      });
  }
  pump();
}

/**
 * GET /api/events: every saga change of every order, as it commits (event `saga`, data a
 * SagaEventJson). GET /api/orders/:id/events: one order's, from its creation. Both resume
 * after the Last-Event-ID a client sends when it reconnects.
 */
export function sagaEventRoutes(app: Express, { database }: ServiceDeps, reader: SagaEventReader, hub: SagaEventHub): void {
  app.get('/api/events', async (req, res) => {
    const resumeFrom = lastEventId(req);
    let position: StreamPosition | undefined;
    if (resumeFrom !== undefined) {
      position = parsePosition(resumeFrom);
      if (!position) throw badRequest('Invalid Last-Event-ID', [{ field: 'Last-Event-ID', message: 'not an event id of this stream (<txid>.<seq>)' }]);
    }
    let at = position ?? (await reader.end());
    stream(res, hub, undefined, async () => {
      const { events, position: next } = await reader.after(at, BATCH);
      at = next;
      return events;
    });
  });

  app.get('/api/orders/:id/events', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const resumeFrom = lastEventId(req);
    let version = 0;
    if (resumeFrom !== undefined) {
      if (!/^\d{1,9}$/.test(resumeFrom)) throw badRequest('Invalid Last-Event-ID', [{ field: 'Last-Event-ID', message: "not an event id of this order's stream (a saga version)" }]);
      version = Number(resumeFrom);
    }
    const [saga] = await database.db.select({ id: orderSagas.id }).from(orderSagas).where(eq(orderSagas.orderId, id));
    if (!saga) throw notFound(`Order ${id} does not exist`);
    stream(res, hub, id, async () => {
      const events = await reader.ofOrder(id, version, BATCH);
      version = events.at(-1)?.version ?? version;
      return events;
    });
  });
}
