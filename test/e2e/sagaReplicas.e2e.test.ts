import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { toPublishOptions, topology, type RunningService, type Settlement } from '@saga/shared';
import { inventory, type BodyOf, type Contract } from '@saga/shared/contracts';
import { eventually } from '@saga/shared/testing';
import { Shop } from '../support/api';
import { TestSystem } from '../support/system';

// Two replicas of the order service on one database and one queue. Replies for one saga
// that reach both at once are serialized by the saga's row lock: each replica reads the
// saga as the other left it, so no update is lost and no step runs twice. Prefetch 1
// makes the broker hand the second reply to the replica the first one is not blocking.

let system: TestSystem;
let second: RunningService;
let shop: Shop;

beforeAll(async () => {
  system = await TestSystem.start('saga_replicas', { services: ['order'], env: { PREFETCH: '1' } });
  second = await system.startReplica('order', 'order-2');
  shop = new Shop(system);
});
afterAll(async () => {
  await system?.stop();
});

/** Publishes a reply as its producer would, without waiting for it to be handled; returns its message id. */
async function publishReply<C extends Contract>(contract: C, body: BodyOf<C>, orderId: string): Promise<string> {
  const messageId = randomUUID();
  const connection = await system.broker.connectAs(contract.producer);
  try {
    const channel = await connection.createConfirmChannel();
    const envelope = { messageId, messageType: contract.messageType, correlationId: orderId, causationId: null, conversationId: orderId, sentAt: new Date().toISOString(), source: contract.producer };
    channel.publish(topology(system.namespace).exchange, contract.messageType, Buffer.from(JSON.stringify(body)), toPublishOptions(envelope, contract.producer));
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
  return messageId;
}

it('two replies for one saga, handled at once by two replicas, make one transition: the row lock serializes them', async () => {
  const replicas = [
    { name: 'order-1', service: system.get('order') },
    { name: 'order-2', service: second },
  ];
  const settledBy = new Map<string, { replica: string; settlement: Settlement }>();
  for (const { name, service } of replicas) {
    service.consumer.on('settled', (settlement) => settledBy.set(String(settlement.messageId), { replica: name, settlement }));
  }
  const orderId = await shop.placeAcceptedOrder(randomUUID(), [{ productId: randomUUID(), quantity: 2, price: '3.50' }]);
  await shop.waitFor(orderId, (saga) => saga.currentStep === 'ValidateInventory');

  const holder = new Client({ connectionString: system.configs.order.databaseUrl });
  await holder.connect();
  try {
    await holder.query('begin');
    await holder.query('select 1 from order_sagas where order_id = $1 for update', [orderId]);
    const waitingOnTheLock = async (count: number) =>
      eventually(
        async () => {
          const { rows } = await holder.query<{ waiting: string }>(
            "select count(*) as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()",
          );
          return Number(rows[0]!.waiting) >= count;
        },
        { what: `${count} handlers waiting on the saga's row lock` },
      );
    // The participant answered twice (a replayed reply has a message id of its own): both copies are handled at once.
    const first = await publishReply(inventory.InventoryValidated, { orderId }, orderId);
    await waitingOnTheLock(1);
    const again = await publishReply(inventory.InventoryValidated, { orderId }, orderId);
    await waitingOnTheLock(2);
    await holder.query('commit');

    await eventually(() => settledBy.has(first) && settledBy.has(again), { what: 'both replies handled' });
    expect(new Set([settledBy.get(first)!.replica, settledBy.get(again)!.replica])).toEqual(new Set(['order-1', 'order-2']));
    expect([settledBy.get(first)!.settlement.result, settledBy.get(again)!.settlement.result]).toEqual(['handled', 'handled']);
  } finally {
    await holder.query('rollback').catch(() => undefined);
    await holder.end();
  }

  // One transition: the step completed once, the next step started once, and the journal
  // holds one row per saga version, none missing, none twice.
  const saga = (await shop.saga(orderId)).body as { currentStep: string; history: Array<{ step: string; status: string }> };
  expect(saga.currentStep).toBe('ReserveInventory');
  expect(saga.history.filter((h) => h.step === 'ValidateInventory' && h.status === 'Completed')).toHaveLength(1);
  const events = new Client({ connectionString: system.configs.order.databaseUrl });
  await events.connect();
  try {
    const { rows } = await events.query<{ version: number }>('select version from saga_events where order_id = $1 order by version', [orderId]);
    const versions = rows.map((row) => row.version);
    expect(versions).toEqual(versions.map((_, i) => versions[0]! + i));
    const { rows: current } = await events.query<{ version: number }>('select version from order_sagas where order_id = $1', [orderId]);
    expect(versions.at(-1)).toBe(current[0]!.version);
  } finally {
    await events.end();
  }
});
