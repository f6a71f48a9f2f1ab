import type { Channel, ChannelModel } from 'amqplib';
import { openDatabase, type DatabaseHandle } from '../src/db/database';
import { applyMigrations } from '../src/db/migrate';
import { AmqpClient } from '../src/messaging/amqp';
import { OutboxRelay } from '../src/messaging/relay';
import { declareExchange, topology } from '../src/messaging/topology';
import { createTestDatabase, dropTestDatabase, eventually, TestBroker, uniqueName } from '../src/testing';
import { handWrittenRow as row, insertHandWritten } from './handWrittenOutboxRows';
import { silentLogger } from './kernelFixture';

// The relay as the billing service's broker user, in a vhost provisioned as npm start does:
// rows the broker refuses, and rows outside the envelope bounds, are set aside; the rest flow.

const namespace = uniqueName('relay-aside').replaceAll('_', '-');
const topo = topology(namespace);
let broker: TestBroker;
let databaseUrl: string;
let database: DatabaseHandle;
let amqp: AmqpClient;
let tapConnection: ChannelModel;
let tap: Channel;
const tapQueue = `${topo.queue('billing')}.tap`;

beforeAll(async () => {
  broker = await TestBroker.provision(namespace, ['billing']);
  databaseUrl = await createTestDatabase('relay_aside');
  database = openDatabase(databaseUrl);
  await applyMigrations(database);
  amqp = new AmqpClient({ url: broker.urlOf('billing'), name: 'relay-aside', logger: silentLogger });
  await amqp.start();
  tapConnection = await broker.connectAs('billing');
  tap = await tapConnection.createChannel();
  await declareExchange(tap, topo);
  await tap.assertQueue(tapQueue, { durable: false });
  await tap.bindQueue(tapQueue, topo.exchange, 'domain.billing.#');
});
afterAll(async () => {
  await tapConnection?.close();
  await amqp?.close();
  await database?.close();
  await dropTestDatabase(databaseUrl);
  await broker?.delete();
});

async function tapped(): Promise<string[]> {
  const ids: string[] = [];
  for (let m = await tap.get(tapQueue, { noAck: true }); m; m = await tap.get(tapQueue, { noAck: true })) ids.push(String(m.properties.messageId));
  return ids;
}

it('sets aside what the broker refuses and what breaks the envelope bounds, and publishes the rest (once more at most)', async () => {
  const relay = new OutboxRelay({ pool: database.pool, databaseUrl, amqp, topology: topo, logger: silentLogger, batchSize: 50 });
  const good = [row('domain.billing.AuditNote'), row('domain.billing.AuditNote'), row('domain.billing.AuditNote')];
  const refused = row('domain.order.ProcessPayment'); // billing's topic permission refuses it: the broker closes the channel
  const spaced = row('domain.billing.AuditNote', { messageId: 'has a space' });
  const huge = row('domain.billing.AuditNote', { conversationId: 'c'.repeat(20_000) });
  const typeMismatch = row('domain.billing.AuditNote', { messageType: 'domain.billing.Other' });
  await insertHandWritten(database.pool, [good[0]!, refused, good[1]!, spaced, huge, typeMismatch, good[2]!]);
  await relay.start();
  try {
    await eventually(async () => (await database.pool.query('select 1 from outbox')).rowCount === 0, { what: 'the outbox to drain' });
    const aside = (await database.pool.query<{ id: string; reason: string }>('select id, reason from outbox_dead_letters order by seq')).rows;
    expect(aside.map((r) => r.id)).toEqual([refused.id, spaced.id, huge.id, typeMismatch.id]);
    expect(aside[0]!.reason).toMatch(/^refused by the broker: .*ACCESS_REFUSED/);
    expect(aside[1]!.reason).toMatch(/^invalid envelope: message-id is not printable ASCII/);
    expect(aside[2]!.reason).toMatch(/^invalid envelope: headers take about/);
    expect(aside[3]!.reason).toMatch(/^invalid envelope: type domain.billing.AuditNote but headers say domain.billing.Other/);
    const published = await tapped();
    for (const { id } of good) {
      const copies = published.filter((each) => each === id).length;
      expect([id, copies >= 1 && copies <= 2]).toEqual([id, true]);
    }

    // Nothing is stuck behind them: the next rows flow.
    const next = row('domain.billing.AuditNote');
    await insertHandWritten(database.pool, [next]);
    await eventually(async () => (await tapped()).includes(next.id), { what: 'the next row to be published' });
  } finally {
    await relay.stop();
  }
});
