import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { Pool } from 'pg';
import { sleep } from './stats';

/**
 * PostgreSQL ceiling: the saga's kind of small write transaction (inbox insert + row
 * update + outbox insert), at `concurrency`, through the same driver and pool settings
 * as the services, for `durationMs`. Returns committed transactions per second.
 */
export async function postgresCeiling(databaseUrl: string, concurrency: number, durationMs: number): Promise<number> {
  const pool = new Pool({ connectionString: databaseUrl, max: concurrency });
  pool.on('error', () => undefined);
  try {
    await pool.query(`
      create table if not exists bench_inbox (consumer text, message_id text, handled_at timestamptz, primary key (consumer, message_id));
      create table if not exists bench_rows (id int primary key, version int not null);
      create table if not exists bench_outbox (id uuid primary key, type text, payload jsonb, headers jsonb, created_at timestamptz);`);
    await pool.query('insert into bench_rows select g, 0 from generate_series(1, $1::int) g on conflict do nothing', [concurrency]);
    let committed = 0;
    const until = performance.now() + durationMs;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        while (performance.now() < until) {
          const client = await pool.connect();
          try {
            await client.query('begin');
            await client.query('insert into bench_inbox values ($1, $2, now())', ['bench', randomUUID()]);
            await client.query('update bench_rows set version = version + 1 where id = $1', [worker + 1]);
            await client.query('insert into bench_outbox values ($1, $2, $3, $4, now())', [randomUUID(), 'bench.Event', { n: 1 }, { source: 'bench' }]);
            await client.query('commit');
            committed += 1;
          } finally {
            client.release();
          }
        }
      }),
    );
    return committed / ((performance.now() - started) / 1000);
  } finally {
    await pool.end();
  }
}

/**
 * RabbitMQ ceiling: persistent messages published with publisher confirms and consumed
 * with manual acks (prefetch 32, noDelay, as the services do), `concurrency` publishers
 * each waiting for its confirm. Returns messages consumed per second.
 */
export async function brokerCeiling(amqpUrl: string, concurrency: number, durationMs: number): Promise<number> {
  const connection = await connect(amqpUrl, { noDelay: true });
  try {
    const consumerChannel = await connection.createChannel();
    const { queue } = await consumerChannel.assertQueue(`bench.ceiling.${randomUUID()}`, { durable: true, autoDelete: true });
    await consumerChannel.prefetch(32);
    let consumed = 0;
    let lastConsumedAt = 0;
    await consumerChannel.consume(queue, (message) => {
      if (!message) return;
      consumed += 1;
      lastConsumedAt = performance.now();
      consumerChannel.ack(message);
    });
    const publishers = await Promise.all(Array.from({ length: concurrency }, () => connection.createConfirmChannel()));
    const body = Buffer.from(JSON.stringify({ orderId: randomUUID(), amount: '1.00' }));
    const until = performance.now() + durationMs;
    const started = performance.now();
    await Promise.all(
      publishers.map(async (channel) => {
        while (performance.now() < until) {
          channel.sendToQueue(queue, body, { persistent: true, contentType: 'application/json', messageId: randomUUID() });
          await channel.waitForConfirms();
        }
      }),
    );
    const published = performance.now();
    while (performance.now() - published < 5000) {
      const before = consumed;
      await sleep(100);
      if (consumed === before) break;
    }
    return consumed / ((lastConsumedAt - started) / 1000);
  } finally {
    await connection.close().catch(() => undefined);
  }
}
