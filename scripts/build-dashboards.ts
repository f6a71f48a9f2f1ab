/**
 * `npm run dashboards`: writes the Grafana dashboards in grafana/dashboards/ from the
 * panel lists below, so every query lives in one readable place. The JSON files are
 * checked in (Grafana provisions them); test/e2e/observability checks every metric
 * they name against a live scrape.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

interface Panel {
  title: string;
  exprs: Array<[expr: string, legend: string]>;
  unit?: string;
  type?: 'timeseries' | 'stat' | 'state-timeline';
  width?: number;
  description?: string;
}

const RATE = '[$__rate_interval]';
const quantiles = (metric: string, by: string, legend: string): Array<[string, string]> =>
  (['0.5', '0.95', '0.99'] as const).map((q) => [
    `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(${metric}_bucket${RATE})))`,
    `p${Number(q) * 100}${legend}`,
  ]);

// Gauges read from a service's database (in flight, outbox) are reported alike by each of its
// replicas: they are combined with max, never summed.
const dashboards: Record<string, { title: string; description: string; panels: Panel[] }> = {
  'saga-overview': {
    title: 'Saga overview',
    description: 'Orders through the saga: how many start and end, how, how long they take, where they fail.',
    panels: [
      {
        title: 'Sagas started and ended, by outcome',
        exprs: [
          [`sum(rate(saga_started_total${RATE}))`, 'started'],
          [`sum by (outcome) (rate(saga_completed_total${RATE}))`, '{{outcome}}'],
        ],
        unit: 'reqps',
      },
      { title: 'Completion rate (15m)', type: 'stat', width: 6, unit: 'percentunit', exprs: [['sum(rate(saga_completed_total{outcome="completed"}[15m])) / sum(rate(saga_completed_total[15m]))', 'completed']] },
      { title: 'Compensation rate (15m)', type: 'stat', width: 6, unit: 'percentunit', exprs: [['sum(rate(saga_completed_total{outcome=~"compensated|timed_out"}[15m])) / sum(rate(saga_completed_total[15m]))', 'compensated']] },
      { title: 'In flight, by state', exprs: [['max by (state) (saga_in_flight)', '{{state}}']] },
      { title: 'Oldest saga in flight', unit: 's', exprs: [['max(saga_oldest_in_flight_age_seconds)', 'oldest']] },
      { title: 'In flight, by definition version (retire a version at 0)', exprs: [['max by (version) (saga_in_flight_by_version)', 'version {{version}}']] },
      {
        title: 'Parked sagas (definition version unknown to the running build)',
        exprs: [['max(saga_parked)', 'parked'], [`sum(increase(saga_parked_events_total${RATE}))`, 'replies and deadlines refused']],
      },
      { title: 'End-to-end duration (POST to terminal)', unit: 's', exprs: quantiles('saga_duration_seconds', '', '') },
      { title: 'Step duration p95, by step', unit: 's', exprs: [[`histogram_quantile(0.95, sum by (le, step) (rate(saga_step_duration_seconds_bucket${RATE})))`, '{{step}}']] },
      {
        title: 'Step failure rate, by step',
        unit: 'percentunit',
        exprs: [[`sum by (step) (rate(saga_step_failures_total${RATE})) / sum by (step) (rate(saga_step_duration_seconds_count${RATE}))`, '{{step}}']],
      },
      { title: 'Step failures, by reason', exprs: [[`sum by (step, reason) (increase(saga_step_failures_total${RATE}))`, '{{step}}: {{reason}}']] },
      { title: 'Deadlines passed, by step', exprs: [[`sum by (step) (increase(saga_timeouts_total${RATE}))`, '{{step}}']] },
      { title: 'Compensations completed', exprs: [[`sum by (step) (increase(saga_compensations_total${RATE}))`, '{{step}}']] },
    ],
  },
  messaging: {
    title: 'Messaging',
    description: 'Queues, consumers, retries, error queues, outbox relays and circuit breakers.',
    panels: [
      { title: 'Consumed, by queue and result', unit: 'reqps', exprs: [[`sum by (queue, result) (rate(messages_consumed_total${RATE}))`, '{{queue}} {{result}}']] },
      { title: 'Handler duration p95', unit: 's', exprs: [[`histogram_quantile(0.95, sum by (le, queue, message_type) (rate(message_handler_duration_seconds_bucket${RATE})))`, '{{message_type}}']] },
      { title: 'Delivery lag p95 (sent to handled)', unit: 's', exprs: [[`histogram_quantile(0.95, sum by (le, queue) (rate(message_delivery_lag_seconds_bucket${RATE})))`, '{{queue}}']] },
      { title: 'Retries scheduled', unit: 'reqps', exprs: [[`sum by (queue) (rate(message_retries_total${RATE}))`, '{{queue}}']] },
      { title: 'Dead-lettered, by reason', exprs: [[`sum by (queue, reason) (increase(messages_dead_lettered_total${RATE}))`, '{{queue}}: {{reason}}']] },
      { title: 'Error-queue depth (RabbitMQ)', exprs: [['sum by (queue) (rabbitmq_queue_messages{queue=~".+\\\\.error"})', '{{queue}}']] },
      { title: 'Work-queue depth (RabbitMQ)', exprs: [['sum by (queue) (rabbitmq_queue_messages_ready{queue!~".+\\\\.(error|retry\\\\..+)"})', '{{queue}}']] },
      { title: 'Inbox duplicates skipped', unit: 'reqps', exprs: [[`sum by (consumer) (rate(inbox_duplicates_total${RATE}))`, '{{consumer}}']] },
      { title: 'Outbox pending rows', exprs: [['max by (service) (outbox_pending_messages)', '{{service}}']] },
      { title: 'Oldest pending outbox row', unit: 's', exprs: [['max by (service) (outbox_oldest_pending_age_seconds)', '{{service}}']] },
      { title: 'Outbox rows set aside (never publishable)', exprs: [['max by (service) (outbox_dead_letters)', '{{service}}']] },
      { title: 'Outbox published and failed', unit: 'reqps', exprs: [
        [`sum by (service) (rate(outbox_published_total${RATE}))`, '{{service}} published'],
        [`sum by (service, reason) (rate(outbox_publish_failures_total${RATE}))`, '{{service}} failed: {{reason}}'],
      ] },
      { title: 'Publisher confirm p95', unit: 's', exprs: [[`histogram_quantile(0.95, sum by (le, service) (rate(outbox_confirm_duration_seconds_bucket${RATE})))`, '{{service}}']] },
      {
        title: 'Circuit breakers (0 closed, 1 half-open, 2 open)',
        type: 'state-timeline',
        width: 24,
        exprs: [['max by (service, name) (circuit_breaker_state{state="open"}) * 2 + max by (service, name) (circuit_breaker_state{state="half_open"})', '{{service}} {{name}}']],
      },
      { title: 'Circuit breaker events', exprs: [[`sum by (name, event) (increase(circuit_breaker_events_total{event!="success"}${RATE}))`, '{{name}} {{event}}']] },
    ],
  },
  services: {
    title: 'Services',
    description: 'RED per service and route: rate, errors, duration; and whether each service is up.',
    panels: [
      { title: 'Requests, by service and route', unit: 'reqps', exprs: [[`sum by (service, method, route) (rate(http_requests_total${RATE}))`, '{{service}} {{method}} {{route}}']] },
      {
        title: 'Error ratio (5xx), by service and route',
        unit: 'percentunit',
        exprs: [[`sum by (service, route) (rate(http_requests_total{status_code=~"5.."}${RATE})) / sum by (service, route) (rate(http_requests_total${RATE}))`, '{{service}} {{route}}']],
      },
      { title: 'Client errors (4xx), by service and route', unit: 'reqps', exprs: [[`sum by (service, route, status_code) (rate(http_requests_total{status_code=~"4.."}${RATE}))`, '{{service}} {{route}} {{status_code}}']] },
      { title: 'Duration p95, by service and route', unit: 's', exprs: [[`histogram_quantile(0.95, sum by (le, service, route) (rate(http_request_duration_seconds_bucket${RATE})))`, '{{service}} {{route}}']] },
      { title: 'Up', type: 'stat', exprs: [['up{job="saga-services"}', '{{instance}}']] },
      { title: 'Memory (resident)', unit: 'bytes', exprs: [['sum by (service) (process_resident_memory_bytes)', '{{service}}']] },
      { title: 'CPU', unit: 'percentunit', exprs: [[`sum by (service) (rate(process_cpu_seconds_total${RATE}))`, '{{service}}']] },
      { title: 'Event-loop lag p99', unit: 's', exprs: [['max by (service) (nodejs_eventloop_lag_p99_seconds)', '{{service}}']] },
    ],
  },
};

const datasource = { type: 'prometheus', uid: 'prometheus' };

function build(uid: string, spec: (typeof dashboards)[string]) {
  let x = 0;
  let y = 0;
  const panels = spec.panels.map((panel, index) => {
    const w = panel.width ?? 12;
    if (x + w > 24) {
      x = 0;
      y += 8;
    }
    const gridPos = { h: 8, w, x, y };
    x += w;
    const type = panel.type ?? 'timeseries';
    return {
      id: index + 1,
      type,
      title: panel.title,
      datasource,
      gridPos,
      targets: panel.exprs.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), datasource, expr, legendFormat })),
      fieldConfig: {
        defaults: {
          unit: panel.unit ?? 'short',
          ...(type === 'state-timeline'
            ? { mappings: [{ type: 'value', options: { '0': { text: 'closed', color: 'green' }, '1': { text: 'half-open', color: 'yellow' }, '2': { text: 'open', color: 'red' } } }] }
            : {}),
        },
        overrides: [],
      },
      options: type === 'timeseries' ? { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } } : {},
    };
  });
  return {
    uid,
    title: spec.title,
    description: spec.description,
    tags: ['saga'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '10s',
    time: { from: 'now-1h', to: 'now' },
    panels,
  };
}

for (const [uid, spec] of Object.entries(dashboards)) {
  const file = path.resolve(__dirname, '..', 'grafana', 'dashboards', `${uid}.json`);
  writeFileSync(file, `${JSON.stringify(build(uid, spec), null, 2)}\n`);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)} (${spec.panels.length} panels)\n`);
}
