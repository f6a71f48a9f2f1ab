import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { openDatabase, runAlone, statement, type DatabaseHandle } from '@saga/shared';
import { sagaEvents } from '../db/schema';
import type { SagaEventJson } from '../console/consoleApi';

/** Where a reader of all sagas' events is: after the row at (txid, seq). */
export interface StreamPosition {
  txid: string;
  seq: number;
}

const POSITION = /^(\d{1,20})\.(\d{1,19})$/;

/** The SSE id of a row of the all-sagas stream. */
export const positionId = (position: StreamPosition) => `${position.txid}.${position.seq}`;

/** A Last-Event-ID of the all-sagas stream, or undefined when it is not one this stream gave. */
export function parsePosition(id: string): StreamPosition | undefined {
  const match = POSITION.exec(id);
  if (!match) return undefined;
  const seq = Number(match[2]);
  return Number.isSafeInteger(seq) ? { txid: match[1]!, seq } : undefined;
}

const columns = {
  txid: sql<string>`${sagaEvents.txid}::text`,
  seq: sagaEvents.seq,
  orderId: sagaEvents.orderId,
  sagaId: sagaEvents.sagaId,
  version: sagaEvents.version,
  definitionVersion: sagaEvents.definitionVersion,
  status: sagaEvents.status,
  currentStep: sagaEvents.currentStep,
  orderStatus: sagaEvents.orderStatus,
  entries: sagaEvents.entries,
  lifecycle: sagaEvents.lifecycle,
  at: sagaEvents.at,
};
type Row = { [K in keyof typeof columns]: K extends 'txid' ? string : (typeof sagaEvents.$inferSelect)[K & keyof typeof sagaEvents.$inferSelect] };

const toJson = (row: Row, id: string): SagaEventJson => ({
  id,
  orderId: row.orderId,
  sagaId: row.sagaId,
  version: row.version,
  definitionVersion: row.definitionVersion,
  status: row.status as SagaEventJson['status'],
  currentStep: row.currentStep,
  orderStatus: row.orderStatus as SagaEventJson['orderStatus'],
  entries: row.entries,
  lifecycle: row.lifecycle.map((event) => event.type),
  at: row.at.toISOString(),
});

/**
 * Only rows of transactions older than every transaction still running: a row of a
 * transaction that has not committed yet may have a smaller (txid, seq) than rows already
 * visible, and a reader that moved past it would never see it. Below this horizon,
 * nothing new can appear.
 */
const settled = sql`${sagaEvents.txid} < pg_snapshot_xmin(pg_current_snapshot())`;

/**
 * Reads the saga journal for the event streams. All sagas: in (txid, seq) order below the
 * horizon of running transactions, so a reader resuming after a position misses nothing
 * (a transaction held open anywhere on the server delays the stream, never breaks it). One
 * saga: in version order, which its row lock makes gap-free as soon as a row is visible.
 * It reads on a small pool of its own, so many open streams queue among themselves, never
 * in front of the message handlers.
 */
export class SagaEventReader {
  private readonly database: DatabaseHandle;

  constructor(databaseUrl: string) {
    this.database = openDatabase(databaseUrl, { max: 2 });
  }

  close(): Promise<void> {
    return this.database.close();
  }

  /** The position after the last settled row: where a reader that wants only what comes next starts. */
  async end(): Promise<StreamPosition> {
    const [last] = await runAlone(this.database.pool, statement('order_saga_events_end', (db) =>
      db.select({ txid: columns.txid, seq: sagaEvents.seq }).from(sagaEvents).where(settled).orderBy(sql`${sagaEvents.txid} desc`, sql`${sagaEvents.seq} desc`).limit(1),
    ));
    return last ?? { txid: '0', seq: 0 };
  }

  /** Up to `limit` events of all sagas after `position`, oldest first, and the position after them. */
  async after(position: StreamPosition, limit: number): Promise<{ events: SagaEventJson[]; position: StreamPosition }> {
    const rows = await runAlone(this.database.pool, statement('order_saga_events_after', (db) =>
      db
        .select(columns)
        .from(sagaEvents)
        .where(and(sql`(${sagaEvents.txid}, ${sagaEvents.seq}) > (${position.txid}::xid8, ${position.seq})`, settled))
        .orderBy(asc(sagaEvents.txid), asc(sagaEvents.seq))
        .limit(limit),
    ));
    const events = (rows as Row[]).map((row) => toJson(row, positionId(row)));
    const last = rows.at(-1) as Row | undefined;
    return { events, position: last ? { txid: last.txid, seq: last.seq } : position };
  }

  /** Up to `limit` events of one order's saga after its `version`, in version order. */
  async ofOrder(orderId: string, afterVersion: number, limit: number): Promise<SagaEventJson[]> {
    const rows = await runAlone(this.database.pool, statement('order_saga_events_of_order', (db) =>
      db.select(columns).from(sagaEvents).where(and(eq(sagaEvents.orderId, orderId), gt(sagaEvents.version, afterVersion))).orderBy(asc(sagaEvents.version)).limit(limit),
    ));
    return (rows as Row[]).map((row) => toJson(row, String(row.version)));
  }
}
