import { asc, eq, inArray } from 'drizzle-orm';
import { openDatabase } from '../db/database';
import { outbox, outboxDeadLetters } from '../messaging/outbox';

export interface SetAsideRow {
  id: string;
  type: string;
  reason: string;
  failedAt: Date;
}

const SLICE = 1000;

/** Thrown inside the transaction of a dry run, so it rolls back after counting. */
class DryRun extends Error {
  constructor(readonly ids: string[]) {
    super('dry run');
  }
}

/**
 * The rows a service's relay set aside (outbox_dead_letters, ADR 12), in its own database:
 * listed, or moved back into the outbox (in one transaction) once their cause is fixed.
 */
export class OutboxDeadLetters {
  private readonly database;

  constructor(databaseUrl: string) {
    this.database = openDatabase(databaseUrl, { max: 1 });
  }

  async list(limit: number): Promise<SetAsideRow[]> {
    const { id, type, reason, failedAt, seq } = outboxDeadLetters;
    return this.database.db.select({ id, type, reason, failedAt }).from(outboxDeadLetters).orderBy(asc(seq)).limit(limit);
  }

  /** Moves the chosen rows (one id, or all) back into the outbox, where the relay publishes them; returns their ids. */
  async retry(filter: { id: string } | { all: true }, dryRun = false): Promise<string[]> {
    const dead = outboxDeadLetters;
    try {
      return await this.database.db.transaction(async (tx) => {
        const rows = await tx
          .select({ id: dead.id, aggregatetype: dead.aggregatetype, aggregateid: dead.aggregateid, type: dead.type, payload: dead.payload, headers: dead.headers, createdAt: dead.createdAt })
          .from(dead)
          .where('id' in filter ? eq(dead.id, filter.id) : undefined)
          .orderBy(asc(dead.seq))
          .for('update');
        const ids = rows.map((row) => row.id);
        if (dryRun) throw new DryRun(ids);
        // In slices, so any number of rows stays under PostgreSQL's 65535 parameters per statement.
        for (let start = 0; start < rows.length; start += SLICE) {
          const slice = rows.slice(start, start + SLICE);
          await tx.insert(outbox).values(slice.map((row) => ({ ...row, headers: row.headers as typeof outbox.$inferInsert.headers })));
          await tx.delete(dead).where(inArray(dead.id, slice.map((row) => row.id)));
        }
        return ids;
      });
    } catch (error) {
      if (error instanceof DryRun) return error.ids;
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.database.close();
  }
}
