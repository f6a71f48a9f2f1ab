/**
 * Run as a process of its own by tracing.int.test.ts (the OTLP exporter loads node:http with a
 * dynamic import, which jest's module system does not take): starts tracing as a service does,
 * from OTEL_EXPORTER_OTLP_ENDPOINT, with a second service joining, records one span and stops.
 */
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { ServiceTracer } from '../src/tracing/serviceTracer';
import { startTracing, tracingInstalled } from '../src/tracing/startTracing';

async function main(): Promise<void> {
  const order = startTracing({ service: 'order', replicaId: 'a', env: process.env });
  const billing = startTracing({ service: 'billing', replicaId: 'a', env: {} });
  if (!order.enabled || !billing.enabled) throw new Error('tracing did not start');
  new ServiceTracer('order', 'a').start('handle domain.order.ProcessPayment', ROOT_CONTEXT).end();
  await billing.stop();
  if (!tracingInstalled()) throw new Error('the first service to stop shut the provider down');
  await order.stop();
  if (tracingInstalled()) throw new Error('the last service to stop left the provider installed');
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
