import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { Shop } from '../support/api';
import { exposedNames, metricNames } from '../support/promql';
import { SERVICE_NAMES, TestSystem } from '../support/system';

const root = path.resolve(__dirname, '..', '..');
const RABBITMQ_PROMETHEUS_URL = process.env.RABBITMQ_PROMETHEUS_URL ?? 'http://127.0.0.1:15692/metrics/per-object';
/** Series Prometheus itself records for every scrape target; no exporter serves them. */
const MADE_BY_PROMETHEUS = new Set(['up']);

let system: TestSystem;
const scrapes = new Map<string, string>();

beforeAll(async () => {
  system = await TestSystem.start('e2e_obs');
  const shop = new Shop(system);
  const product = await shop.createProduct(3, '2.50');
  const rich = randomUUID();
  const poor = randomUUID();
  await shop.createAccount(rich, '100.00');
  await shop.createAccount(poor, '1.00');
  const orders = [
    await shop.placeAcceptedOrder(rich, [{ productId: product, quantity: 1, price: '2.50' }]),
    await shop.placeAcceptedOrder(poor, [{ productId: product, quantity: 1, price: '2.50' }]),
    await shop.placeAcceptedOrder(rich, [{ productId: randomUUID(), quantity: 1, price: '2.50' }]),
  ];
  for (const id of orders) await shop.finished(id);
  for (const service of SERVICE_NAMES) scrapes.set(service, await (await fetch(`${system.url(service)}/metrics`)).text());
  const rabbit = await fetch(RABBITMQ_PROMETHEUS_URL).catch(() => undefined);
  if (!rabbit?.ok) {
    throw new Error(`RabbitMQ's prometheus plugin does not answer at ${RABBITMQ_PROMETHEUS_URL}: run rabbitmq-plugins enable rabbitmq_prometheus (or set RABBITMQ_PROMETHEUS_URL)`);
  }
  scrapes.set('rabbitmq', await rabbit.text());
});
afterAll(async () => {
  await system?.stop();
});

const namesOf = (source: string) => exposedNames(scrapes.get(source)!);
const sample = (source: string, pattern: RegExp) => scrapes.get(source)!.split('\n').find((line) => pattern.test(line));

function dashboardExprs(): Array<{ where: string; expr: string }> {
  const folder = path.join(root, 'grafana', 'dashboards');
  return readdirSync(folder).flatMap((file) => {
    const dashboard = JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    return dashboard.panels.flatMap((panel) => panel.targets.map((t) => ({ where: `${file}: ${panel.title}`, expr: t.expr })));
  });
}

function alertExprs(): Array<{ where: string; expr: string }> {
  const rules = parse(readFileSync(path.join(root, 'infra', 'prometheus', 'alerts.yml'), 'utf8')) as {
    groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
  };
  return rules.groups.flatMap((group) => group.rules.map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr })));
}

describe('metrics', () => {
  it('every service exports the HTTP, messaging, outbox and breaker metrics', () => {
    for (const service of SERVICE_NAMES) {
      const names = namesOf(service);
      for (const name of [
        'http_requests_total',
        'http_request_duration_seconds_bucket',
        'messages_consumed_total',
        'message_handler_duration_seconds_bucket',
        'message_delivery_lag_seconds_bucket',
        'message_retries_total',
        'messages_dead_lettered_total',
        'inbox_duplicates_total',
        'outbox_pending_messages',
        'outbox_oldest_pending_age_seconds',
        'outbox_published_total',
        'outbox_publish_failures_total',
        'outbox_confirm_duration_seconds_bucket',
        'circuit_breaker_state',
        'circuit_breaker_events_total',
      ]) {
        expect({ service, name, exported: names.has(name) }).toEqual({ service, name, exported: true });
      }
    }
  });

  it('the order service exports the saga metrics, with the outcomes of the orders it ran', () => {
    const names = namesOf('order');
    for (const name of [
      'saga_started_total',
      'saga_completed_total',
      'saga_duration_seconds_bucket',
      'saga_step_duration_seconds_bucket',
      'saga_step_failures_total',
      'saga_compensations_total',
      'saga_timeouts_total',
      'saga_in_flight',
      'saga_oldest_in_flight_age_seconds',
    ]) {
      expect({ name, exported: names.has(name) }).toEqual({ name, exported: true });
    }
    expect(sample('order', /^saga_started_total\{service="order",replica="[^"]+"\} 3$/)).toBeDefined();
    expect(sample('order', /^saga_completed_total\{outcome="completed",service="order",replica="[^"]+"\} 1$/)).toBeDefined();
    expect(sample('order', /^saga_completed_total\{outcome="compensated",service="order",replica="[^"]+"\} 1$/)).toBeDefined();
    expect(sample('order', /^saga_completed_total\{outcome="failed",service="order",replica="[^"]+"\} 1$/)).toBeDefined();
    expect(sample('order', /^saga_step_failures_total\{step="ProcessPayment",reason="insufficient_funds",service="order",replica="[^"]+"\} 1$/)).toBeDefined();
    expect(sample('order', /^saga_step_failures_total\{step="ValidateInventory",reason="unknown_product",service="order",replica="[^"]+"\} 1$/)).toBeDefined();
    expect(sample('order', /^saga_compensations_total\{step="ReleaseInventory",service="order",replica="[^"]+"\} 1$/)).toBeDefined();
    expect(sample('billing', /^circuit_breaker_state\{name="billing-consumer",state="closed",service="billing",replica="[^"]+"\} 1$/)).toBeDefined();
    expect(sample('order', /^http_requests_total\{method="POST",route="\/api\/orders",status_code="202",service="order",replica="[^"]+"\} 3$/)).toBeDefined();
  });

  it('never uses an id as a label value', () => {
    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
    for (const service of SERVICE_NAMES) {
      expect(scrapes.get(service)!.split('\n').filter((line) => !line.startsWith('#') && uuid.test(line))).toEqual([]);
    }
  });

  it('every metric a dashboard panel or an alert rule names is exported by a service or RabbitMQ', () => {
    const exported = new Set([...scrapes.keys()].flatMap((source) => [...namesOf(source)]));
    const uses = [...dashboardExprs(), ...alertExprs()];
    expect(uses.length).toBeGreaterThan(30);
    const missing = uses.flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((name) => !exported.has(name) && !MADE_BY_PROMETHEUS.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(missing).toEqual([]);
  });
});
