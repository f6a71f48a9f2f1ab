import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually } from '@saga/shared/testing';
import { ADDRESS, call, Shop } from '../support/api';
import { SseClient } from '../support/sse';
import { TestSystem } from '../support/system';

const TOKEN = 'alice-console-token-0123456789abcdef';
let system: TestSystem;
let shop: Shop;
const api = (pathAndQuery: string, init?: Parameters<typeof call>[1]) => call(`${system.url('order')}/console/api${pathAndQuery}`, init);
const asAlice = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  const auditLog = path.join(mkdtempSync(path.join(os.tmpdir(), 'console-audit-')), 'audit.jsonl');
  system = await TestSystem.start('e2e_console', { env: { OPERATOR_TOKENS: `alice:${TOKEN}`, DLQ_AUDIT_LOG: auditLog, SAGA_STEP_TIMEOUT_MS: '300000', SAGA_STUCK_AFTER_MS: '3000' } });
  shop = new Shop(system);
});
afterAll(async () => {
  await system?.stop();
});



describe('the console API', () => {
  it("finds an order's saga by id and shows its history, definition, messages and what the participants report", async () => {
    const { productId, userId } = await shop.customerWithProduct();
    const orderId = await shop.placeAcceptedOrder(userId, [{ productId, quantity: 2, price: '5.00' }], ADDRESS);
    await shop.finished(orderId);

    const found = await api(`/sagas?orderId=${orderId}`);
    expect(found.status).toBe(200);
    expect(found.body.items).toEqual([expect.objectContaining({ orderId, userId, status: 'Completed', orderStatus: 'Completed', definitionVersion: 2, stuck: null, parked: false })]);

    const detail = await eventually(async () => {
      const answer = (await api(`/sagas/${orderId}`)).body;
      // The last reply's inbox row commits with the saga's end; the messages it caused may still be on their way.
      return answer.messages.filter((message: { state: string }) => message.state === 'handled').length >= 8 ? answer : undefined;
    });
    expect(detail.saga.history.map((entry: { step: string }) => entry.step)).toEqual(['ValidateInventory', 'ReserveInventory', 'ProcessPayment', 'ScheduleShipping']);
    expect(detail.saga.waitingFor).toEqual([]);
    expect(detail.definition.steps.map((step: { name: string }) => step.name)).toEqual(['ValidateInventory', 'ReserveInventory', 'ProcessPayment', 'ScheduleShipping']);
    expect(detail.definition.steps[1].compensation).toMatchObject({ name: 'ReleaseInventory' });
    const command = detail.messages.find((message: { type: string }) => message.type === 'domain.order.ProcessPayment');
    expect(command).toMatchObject({ from: 'order', to: 'billing', state: 'handled' });
    for (const key of ['inOutboxMs', 'inBrokerMs', 'inHandlerMs']) expect(command[key]).toEqual(expect.any(Number));
    const reply = detail.messages.find((message: { type: string }) => message.type === 'domain.billing.PaymentProcessed');
    expect(reply).toMatchObject({ from: 'billing', to: 'order', causationId: command.messageId });
    const reports = Object.fromEntries(detail.participants.map((report: { what: string; items: unknown[] }) => [report.what, report.items]));
    expect(reports.reservations).toEqual([expect.objectContaining({ orderId, productId, quantity: 2 })]);
    expect(reports.payments).toEqual([expect.objectContaining({ orderId, amount: '10.00' })]);
    expect(reports.shipments).toEqual([expect.objectContaining({ orderId, status: 'Scheduled' })]);
    expect(detail.errors).toEqual([]);
  });

  it('filters and pages the saga list, newest first, and names the field of a bad filter', async () => {
    const { productId, userId } = await shop.customerWithProduct();
    const ids = [];
    for (let i = 0; i < 3; i += 1) ids.push(await shop.placeAcceptedOrder(userId, [{ productId, quantity: 1, price: '5.00' }]));
    await Promise.all(ids.map((id) => shop.finished(id)));
    const firstPage = await api(`/sagas?userId=${userId}&limit=2`);
    expect(firstPage.body.items.map((item: { orderId: string }) => item.orderId)).toEqual([ids[2], ids[1]]);
    const secondPage = await api(`/sagas?userId=${userId}&limit=2&cursor=${firstPage.body.nextCursor}`);
    expect(secondPage.body).toEqual({ items: [expect.objectContaining({ orderId: ids[0] })], nextCursor: null });
    expect((await api(`/sagas?userId=${userId}&status=Compensated`)).body.items).toEqual([]);
    expect((await api(`/sagas?userId=${userId}&status=Completed&step=Completed&version=2&maxAgeSeconds=3600`)).body.items).toHaveLength(3);
    expect((await api(`/sagas?userId=${userId}&minAgeSeconds=3600`)).body.items).toEqual([]);
    for (const [query, field] of [['status=Nope', 'status'], ['userId=1', 'userId'], ['version=-1', 'version'], ['cursor=abc', 'cursor'], ["step=x'--", 'step']]) {
      const refused = await api(`/sagas?${query}`);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.errors[0].field).toBe(field);
    }
    expect((await api(`/sagas/${randomUUID()}`)).status).toBe(404);
  });

  it("shows why a saga waits, and replays the message that failed, with an operator's token only, recorded in the audit log", async () => {
    await system.sql('billing', `create or replace function refuse_payments() returns trigger language plpgsql as $$ begin raise exception 'payments are switched off for this test'; end; $$;
      create trigger refuse_payments before insert on payments for each row execute function refuse_payments();`);
    const { productId, userId } = await shop.customerWithProduct();
    const orderId = await shop.placeAcceptedOrder(userId, [{ productId, quantity: 1, price: '5.00' }]);
    const queues = await eventually(async () => {
      const answer = (await api('/error-queues')).body;
      const billing = answer.queues.find((queue: { service: string }) => queue.service === 'billing');
      return billing.messages > 0 ? answer : undefined;
    });
    const billing = queues.queues.find((queue: { service: string }) => queue.service === 'billing');
    expect(billing.groups).toEqual([{ reason: 'permanent-failure', type: 'domain.order.ProcessPayment', count: 1 }]);

    const detail = (await api(`/sagas/${orderId}`)).body;
    expect(detail.saga).toMatchObject({ status: 'InProgress', currentStep: 'ProcessPayment', waitingFor: ['domain.billing.PaymentProcessed', 'domain.billing.PaymentFailed'] });
    expect(detail.errors).toEqual([expect.objectContaining({ service: 'billing', type: 'domain.order.ProcessPayment', reason: 'permanent-failure', correlationId: orderId })]);
    expect(detail.errors[0].detail).toContain('payments are switched off');
    const { messageId } = detail.errors[0];

    const listed = await api(`/error-queues/billing/messages?reason=permanent-failure`);
    expect(listed.body.items).toEqual([expect.objectContaining({ messageId, body: expect.stringContaining(orderId), headers: expect.objectContaining({ 'x-error-reason': 'permanent-failure' }) })]);

    const dryRun = await api('/error-queues/billing/replay', { body: { filter: { messageId }, dryRun: true } });
    expect(dryRun.body).toEqual({ dryRun: true, matched: 1, replayed: 0, failed: [], messageIds: [messageId] });
    const refused = await api('/error-queues/billing/replay', { body: { filter: { messageId }, dryRun: false } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('Bearer');
    expect((await api('/error-queues/billing/replay', { body: { filter: { messageId } }, headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
    expect((await api('/error-queues/billing/purge', { body: { confirm: 'x' } })).status).toBe(401);
    expect((await api('/error-queues/billing/messages?reason=permanent-failure')).body.items).toHaveLength(1);

    await system.sql('billing', 'drop trigger refuse_payments on payments');
    const replayed = await api('/error-queues/billing/replay', { body: { filter: { messageId } }, headers: asAlice });
    expect(replayed.body).toMatchObject({ dryRun: false, matched: 1, replayed: 1, failed: [] });
    expect((await shop.finished(orderId)).status).toBe('Completed');

    const audit = (await api('/audit?limit=5')).body.entries;
    expect(audit[0]).toMatchObject({ user: 'alice', via: 'console', command: 'replay', queue: billing.queue, messageIds: [messageId], replayed: 1 });
  });

  it('flags a saga in flight too long as stuck, counts it, and announces it once as saga.stuck', async () => {
    await system.sql('billing', `create or replace function hold_payments() returns trigger language plpgsql as $$ begin raise exception 'payments are held for this test'; end; $$;
      create trigger hold_payments before insert on payments for each row execute function hold_payments();`);
    try {
      const { productId, userId } = await shop.customerWithProduct();
      const orderId = await shop.placeAcceptedOrder(userId, [{ productId, quantity: 1, price: '5.00' }]);
      const listed = await eventually(async () => (await api(`/sagas?orderId=${orderId}&stuck=true`)).body.items[0]);
      expect(listed).toMatchObject({ orderId, status: 'InProgress', stuck: 'in flight for more than 3 s' });
      expect((await api('/overview')).body.sagas.stuck).toBeGreaterThanOrEqual(1);
      const stream = new SseClient(`${system.url('order')}/api/orders/${orderId}/events`);
      try {
        await stream.until(() => stream.sagaEvents().some((event) => event.lifecycle.includes('saga.stuck')));
        expect(stream.sagaEvents().filter((event) => event.lifecycle.includes('saga.stuck'))).toHaveLength(1);
      } finally {
        stream.close();
      }
    } finally {
      await system.sql('billing', 'drop trigger hold_payments on payments');
      // The held payment went to billing's error queue: leave it empty for the overview below.
      await eventually(async () => (await api('/error-queues')).body.queues.find((queue: { service: string }) => queue.service === 'billing').messages > 0);
      await api('/error-queues/billing/purge', { body: { confirm: `${system.namespace}.billing.error` }, headers: asAlice });
    }
  });

  it('purges only when the operator names the queue', async () => {
    const queue = `${system.namespace}.inventory.error`;
    const unconfirmed = await api('/error-queues/inventory/purge', { body: { confirm: 'yes' }, headers: asAlice });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body.errors[0]).toMatchObject({ field: 'confirm' });
    expect((await api('/error-queues/inventory/purge', { body: { confirm: queue }, headers: asAlice })).body).toEqual({ purged: 0 });
    expect((await api('/audit')).body.entries[0]).toMatchObject({ user: 'alice', command: 'purge', queue, purged: 0 });
    expect((await api('/error-queues/nosuch/purge', { body: { confirm: queue }, headers: asAlice })).status).toBe(400);
  });

  it('gives an overview of every service: health, breakers, outbox and error queue', async () => {
    const answer = await api('/overview');
    expect(answer).toMatchObject({ status: 200 });
    const overview = answer.body;
    expect(overview.operatorActions).toBe(true);
    expect(overview.services.map((service: { service: string }) => service.service)).toEqual(['order', 'inventory', 'billing', 'shipping']);
    for (const service of overview.services) {
      expect(service).toMatchObject({ health: 'up', breakers: { consumer: 'closed', relay: 'closed' }, errorQueue: { messages: 0 } });
      expect(service.outbox).toMatchObject({ pending: expect.any(Number), setAside: 0, publishFailures: 0 });
      expect(service.replicas).toEqual([expect.objectContaining({ url: service.url, health: 'up', replica: expect.any(String), broker: expect.stringMatching(/^127\.0\.0\.1:\d+$/) })]);
    }
    expect(overview.sagas.byStatus.Completed).toBeGreaterThan(0);
  });
});
