import { randomBytes, randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SAGA_ATTR, startTracing, type Tracing } from '@saga/shared';
import { eventually } from '@saga/shared/testing';
import { ADDRESS, call, Shop } from '../support/api';
import { TestSystem } from '../support/system';

// One in-memory exporter for the whole process: every service this file starts shares the
// process's tracer provider, and names itself in each span's saga.service and saga.replica.
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let system: TestSystem;
let shop: Shop;

beforeAll(async () => {
  tracing = startTracing({ service: 'saga-tests', replicaId: 'jest', exporter });
  system = await TestSystem.start('e2e_tracing', {
    env: {
      REPLICA_ID: 'replica-a',
      // A transient failure goes straight to a retry queue, and comes back soon.
      IMMEDIATE_RETRIES: '0',
      RETRY_DELAYS_MS: '300',
      // Long enough for the replica test to swap replicas while billing is stopped, short enough for the deadline test.
      SAGA_STEP_TIMEOUT_MS: '10000',
      DEADLINE_SWEEP_INTERVAL_MS: '200',
    },
  });
  shop = new Shop(system);
});
afterAll(async () => {
  await system?.stop();
  await tracing?.stop();
});

const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const traceOf = (span: ReadableSpan) => span.spanContext().traceId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const about = (orderId: string) => exporter.getFinishedSpans().filter((span) => span.attributes[SAGA_ATTR.correlationId] === orderId);
const named = (spans: ReadableSpan[], name: string) => spans.filter((span) => span.name === name);

/** A client's own trace context, as it would send it. */
function clientTrace(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/** Places an order continuing `traceparent`; returns its id once the saga ended as `status`. */
async function orderInTrace(traceparent: string, status: string, { balance = '100.00', address = true } = {}): Promise<{ orderId: string; userId: string }> {
  const productId = await shop.createProduct(10, '5.00', 'Lamp');
  const userId = randomUUID();
  await shop.createAccount(userId, balance);
  const placed = await shop.placeOrder(userId, [{ productId, quantity: 1, price: '5.00' }], { traceparent }, address ? ADDRESS : undefined);
  expect(placed.status).toBe(202);
  expect((await shop.finished(placed.body.id)).status).toBe(status);
  return { orderId: placed.body.id, userId };
}

/**
 * Waits until the order's spans include a settled handling of each of `types`, and the
 * outbox span of every message handled (a relay may end it a moment after the consumer got
 * the message), and returns them all.
 */
async function spansOnceHandled(orderId: string, types: string[]): Promise<ReadableSpan[]> {
  return eventually(
    () => {
      const spans = about(orderId);
      const ids = new Set(spans.map(idOf));
      const allHandled = types.every((type) => named(spans, `handle ${type}`).some((span) => span.attributes[SAGA_ATTR.result] === 'handled'));
      const parentsEnded = spans.filter((span) => span.name.startsWith('handle ')).every((span) => ids.has(parentOf(span) ?? ''));
      return allHandled && parentsEnded ? spans : undefined;
    },
    { what: `handle spans of ${types.join(', ')} for order ${orderId}` },
  );
}

/** The HTTP span that placed an order in `traceId`. */
const placingSpan = (traceId: string) =>
  exporter.getFinishedSpans().find((span) => span.name === 'POST /api/orders' && traceOf(span) === traceId);

/** Every span from `span` up through its parents, as far as this process recorded them. */
function ancestry(span: ReadableSpan): ReadableSpan[] {
  const byId = new Map(exporter.getFinishedSpans().map((each) => [idOf(each), each]));
  const chain = [span];
  for (let parent = byId.get(parentOf(span) ?? ''); parent; parent = byId.get(parentOf(parent) ?? '')) chain.push(parent);
  return chain;
}

describe('one trace per order', () => {
  it("follows an order through every service in the client's trace: outbox, broker and handling spans for each hop", async () => {
    const client = clientTrace();
    const { orderId } = await orderInTrace(client.traceparent, 'Completed');
    const spans = await spansOnceHandled(orderId, ['domain.order.ValidateInventory', 'domain.order.ReserveInventory', 'domain.order.ProcessPayment', 'domain.order.ScheduleShipping', 'domain.shipping.ShipmentScheduled']);
    const http = placingSpan(client.traceId);
    expect(http).toBeDefined();
    expect(http!.kind).toBe(SpanKind.SERVER);
    expect(parentOf(http!)).toBe(client.spanId);
    expect(http!.attributes['http.response.status_code']).toBe(202);

    expect(new Set(spans.map(traceOf))).toEqual(new Set([client.traceId]));
    expect(new Set(spans.map((span) => span.attributes[SAGA_ATTR.service]))).toEqual(new Set(['order', 'inventory', 'billing', 'shipping']));

    const handled = spans.filter((span) => span.name.startsWith('handle '));
    expect(handled.length).toBeGreaterThanOrEqual(8); // four commands and their four replies
    for (const handle of handled) {
      expect(handle.kind).toBe(SpanKind.CONSUMER);
      const outbox = spans.find((span) => idOf(span) === parentOf(handle));
      // The consumer's parent is the publishing relay's span of the same message...
      expect(outbox).toMatchObject({ name: handle.name.replace(/^handle /, 'outbox '), kind: SpanKind.PRODUCER });
      expect(outbox!.attributes['messaging.message.id']).toBe(handle.attributes['messaging.message.id']);
      // ...which also parents the message's time in the broker.
      expect(spans.filter((span) => span.name === handle.name.replace(/^handle /, 'broker ') && parentOf(span) === idOf(outbox!))).not.toHaveLength(0);
      // And every hop leads back to the request that placed the order.
      expect(ancestry(handle).at(-1)).toBe(http);
    }
    // The last reply was handled by the order service, after a chain through every participant.
    const last = named(spans, 'handle domain.shipping.ShipmentScheduled')[0]!;
    const services = ancestry(last).map((span) => span.attributes[SAGA_ATTR.service]);
    expect(new Set(services)).toEqual(new Set(['order', 'inventory', 'billing', 'shipping']));
  });

  it('starts a fresh trace for a malformed traceparent instead of refusing the request', async () => {
    const productId = await shop.createProduct(10, '5.00', 'Lamp');
    const userId = randomUUID();
    await shop.createAccount(userId, '100.00');
    const hostile = `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01`;
    const placed = await shop.placeOrder(userId, [{ productId, quantity: 1, price: '5.00' }], { traceparent: hostile, tracestate: 'x'.repeat(5000) });
    expect(placed.status).toBe(202);
    await shop.finished(placed.body.id);
    const spans = await spansOnceHandled(placed.body.id, ['domain.order.ProcessPayment']);
    const traces = new Set(spans.map(traceOf));
    expect(traces.size).toBe(1);
    expect(traces.has('0'.repeat(32))).toBe(false);
    expect(placingSpan([...traces][0]!)?.parentSpanContext).toBeUndefined();
  });

  it('continues the same trace across a redelivery from the retry queue, in a new handling span', async () => {
    const client = clientTrace();
    const userId = randomUUID();
    // Billing's first try at this customer's payment fails as a serialization failure would (transient); a
    // sequence, which a rollback does not undo, makes it fail once only.
    await system.sql('billing', `create sequence trace_fail_once;
      create function trace_fail_once() returns trigger language plpgsql as $$ begin
        if new.user_id = '${userId}' then
          if nextval('trace_fail_once') = 1 then raise exception 'could not serialize (for the test)' using errcode = '40001'; end if;
        end if;
        return new; end; $$;
      create trigger trace_fail_once before insert on payments for each row execute function trace_fail_once();`);
    try {
      const productId = await shop.createProduct(10, '5.00', 'Lamp');
      await shop.createAccount(userId, '100.00');
      const placed = await shop.placeOrder(userId, [{ productId, quantity: 1, price: '5.00' }], { traceparent: client.traceparent });
      expect((await shop.finished(placed.body.id)).status).toBe('Completed');
      const spans = await spansOnceHandled(placed.body.id, ['domain.order.ProcessPayment', 'domain.billing.PaymentProcessed']);
      const payments = named(spans, 'handle domain.order.ProcessPayment').sort((a, b) => Number(a.attributes[SAGA_ATTR.deliveryCount]) - Number(b.attributes[SAGA_ATTR.deliveryCount]));
      expect(payments.map((span) => [span.attributes[SAGA_ATTR.deliveryCount], span.attributes[SAGA_ATTR.result]])).toEqual([
        [1, 'retried'],
        [2, 'handled'],
      ]);
      const [failed, redelivered] = payments as [ReadableSpan, ReadableSpan];
      expect(traceOf(failed)).toBe(client.traceId);
      expect(traceOf(redelivered)).toBe(client.traceId);
      expect(idOf(redelivered)).not.toBe(idOf(failed));
      expect(parentOf(redelivered)).toBe(parentOf(failed)); // both deliveries of the one published message
      expect(failed.events.map((event) => event.name)).toContain('exception');
      expect(new Set(spans.map(traceOf))).toEqual(new Set([client.traceId]));
    } finally {
      await system.sql('billing', 'drop trigger trace_fail_once on payments; drop function trace_fail_once(); drop sequence trace_fail_once;');
    }
  });

  it('keeps one trace when the order moves from one replica of a service to another', async () => {
    const client = clientTrace();
    const productId = await shop.createProduct(10, '5.00', 'Lamp');
    const userId = randomUUID();
    await shop.createAccount(userId, '1.00'); // too little: the payment fails, and inventory releases the reservation
    // Replica A of inventory validates and reserves while billing is away...
    await system.stopService('billing');
    const placed = await shop.placeOrder(userId, [{ productId, quantity: 1, price: '5.00' }], { traceparent: client.traceparent });
    const orderId: string = placed.body.id;
    await shop.waitFor(orderId, (saga) => saga.currentStep === 'ProcessPayment');
    // ...then replica B takes over, and releases the reservation once billing refused the payment.
    await system.startReplica('inventory', 'replica-b');
    await system.stopService('inventory');
    try {
      await system.startService('billing');
      expect((await shop.finished(orderId)).status).toBe('Compensated');
    } finally {
      await system.startService('inventory');
    }

    const spans = await spansOnceHandled(orderId, ['domain.order.ReleaseInventory', 'domain.inventory.InventoryReleased']);
    const inventoryReplicas = (type: string) => named(spans, `handle ${type}`).map((span) => span.attributes[SAGA_ATTR.replica]);
    expect(inventoryReplicas('domain.order.ValidateInventory')).toEqual(['replica-a']);
    expect(inventoryReplicas('domain.order.ReserveInventory')).toEqual(['replica-a']);
    expect(inventoryReplicas('domain.order.ReleaseInventory')).toEqual(['replica-b']);
    expect(new Set(spans.map(traceOf))).toEqual(new Set([client.traceId]));
    const release = named(spans, 'handle domain.order.ReleaseInventory')[0]!;
    expect(ancestry(release).at(-1)).toBe(placingSpan(client.traceId));
  });

  it("continues the order's trace when a deadline passes and the saga compensates", async () => {
    const client = clientTrace();
    await system.stopService('shipping');
    const productId = await shop.createProduct(10, '5.00', 'Lamp');
    const userId = randomUUID();
    await shop.createAccount(userId, '100.00');
    const placed = await shop.placeOrder(userId, [{ productId, quantity: 1, price: '5.00' }], { traceparent: client.traceparent }, ADDRESS);
    const orderId: string = placed.body.id;
    await shop.waitFor(orderId, (saga) => saga.history.some((h: { status: string }) => h.status === 'TimedOut'));
    await system.startService('shipping');
    expect((await shop.finished(orderId)).status).toBe('Compensated');

    const spans = await spansOnceHandled(orderId, ['domain.order.CancelShipment', 'domain.order.RefundPayment', 'domain.order.ReleaseInventory']);
    expect(new Set(spans.map(traceOf))).toEqual(new Set([client.traceId]));
    const [deadline] = named(spans, 'saga deadline');
    expect(deadline).toBeDefined();
    expect(deadline!.attributes).toMatchObject({ [SAGA_ATTR.service]: 'order', 'saga.step': 'ScheduleShipping' });
    // The order's trace as its saga row kept it: the request that placed it.
    expect(parentOf(deadline!)).toBe(idOf(placingSpan(client.traceId)!));
    // The compensation it sent continues from the deadline's span.
    const cancel = named(spans, 'outbox domain.order.CancelShipment')[0]!;
    expect(parentOf(cancel)).toBe(idOf(deadline!));
  });

  it("gives the console the order's trace id", async () => {
    const client = clientTrace();
    const { orderId } = await orderInTrace(client.traceparent, 'Completed', { address: false });
    const detail = await call(`${system.url('order')}/console/api/sagas/${orderId}`);
    expect(detail.body.saga.trace).toEqual({ traceId: client.traceId, url: null });
  });
});
