import { openDatabase } from '@saga/shared';

export interface SetAsideRow {
  id: string;
  type: string;
  reason: string;
  failedAt: Date;
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
    const { rows } = await this.database.pool.query<SetAsideRow>(
      'select id, type, reason, failed_at as "failedAt" from outbox_dead_letters order by seq limit $1',
      [limit],
    );
    return rows;
  }

  /** Moves the chosen rows (one id, or all) back into the outbox, where the relay publishes them; returns their ids. */
  async retry(filter: { id: string } | { all: true }, dryRun = false): Promise<string[]> {
    const client = await this.database.pool.connect();
    try {
      await client.query('begin');
      const chosen = 'id' in filter ? 'where id = $1::uuid' : '';
      const params = 'id' in filter ? [filter.id] : [];
      const { rows } = await client.query<{ id: string }>(`select id from outbox_dead_letters ${chosen} order by seq for update`, params);
      const ids = rows.map((row) => row.id);
      if (!dryRun && ids.length > 0) {
        await client.query(
          `insert into outbox (id, aggregatetype, aggregateid, type, payload, headers, created_at)
           select id, aggregatetype, aggregateid, type, payload, headers, created_at from outbox_dead_letters where id = any($1::uuid[]) order by seq`,
          [ids],
        );
        await client.query('delete from outbox_dead_letters where id = any($1::uuid[])', [ids]);
      }
      await client.query(dryRun ? 'rollback' : 'commit');
      return ids;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.database.close();
  }
}
