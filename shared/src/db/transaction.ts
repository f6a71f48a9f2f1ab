import type { Pool, PoolClient } from 'pg';
import type { ResultsOf, Statement } from './statement';

/** What the work of a transaction leaves to send with its COMMIT. */
export interface Closing<T> {
  value: T;
  /** Statements to run just before COMMIT, in its round trip (e.g. the outbox rows). */
  closing?: readonly Statement[];
}

type Opening = Record<string, Statement>;

/**
 * One transaction in two round trips on one pooled connection, which the pool opens in
 * pipeline mode (see openDatabase): BEGIN and the `opening` statements are written
 * together and their answers read together, then the work runs, then the `closing`
 * statements and COMMIT go the same way. Every statement is parameterized; the ones
 * with constant text are prepared once per connection. A failing statement aborts the
 * rest of its batch (PostgreSQL refuses anything after an error in a transaction) and
 * the transaction is rolled back; a connection that cannot even roll back is discarded,
 * not returned to the pool.
 */
export async function transaction<O extends Opening, T>(
  pool: Pool,
  opening: O,
  work: (opened: ResultsOf<O>) => Promise<Closing<T>> | Closing<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const keys = Object.keys(opening);
    const results = await batch(client, ['begin', ...keys.map((key) => opening[key]!)]);
    const opened = Object.fromEntries(keys.map((key, index) => [key, results[index + 1]])) as ResultsOf<O>;
    const { value, closing = [] } = await work(opened);
    await batch(client, [...closing, 'commit']);
    return value;
  } catch (error) {
    await client.query('rollback').catch((rollbackFailure: Error) => {
      broken = rollbackFailure;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/** One statement on its own, outside a transaction (a read, say), on a connection of the pool. */
export async function runAlone<R>(pool: Pool, statement: Statement<R>): Promise<R> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    const [result] = await batch(client, [statement]);
    return result as R;
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error)); // the connection may be broken: not reused
    throw error;
  } finally {
    client.release(failure);
  }
}

/**
 * Sends statements back to back on a pipelined connection, as one write, and waits for
 * all their answers. The first failure is the one thrown: those after it only say the
 * transaction was aborted. One the driver refuses on the spot stops the batch there, so
 * a COMMIT behind it is never sent (the caller then rolls back).
 */
async function batch(client: PoolClient, statements: ReadonlyArray<Statement | 'begin' | 'commit'>): Promise<unknown[]> {
  const stream = (client as unknown as { connection?: { stream?: { cork?(): void; uncork?(): void } } }).connection?.stream;
  const sent: Array<Promise<unknown>> = [];
  let refused: { error: unknown } | undefined;
  stream?.cork?.();
  try {
    for (const each of statements) {
      try {
        sent.push(typeof each === 'string' ? client.query(each) : each.send(client));
      } catch (error) {
        refused = { error };
        break;
      }
    }
  } finally {
    stream?.uncork?.();
  }
  const settled = await Promise.allSettled(sent);
  const failed = settled.find((outcome) => outcome.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  if (refused) throw refused.error;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value);
}
