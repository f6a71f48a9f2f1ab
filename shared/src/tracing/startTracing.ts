import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { z } from 'zod';
import { readConfig } from '../config';

export interface TracingOptions {
  service: string;
  replicaId: string;
  env?: NodeJS.ProcessEnv;
  /** Spans go here, one at a time as each ends, instead of where `env` says (tests: an InMemorySpanExporter). */
  exporter?: SpanExporter;
}

export interface Tracing {
  /** Whether spans are recorded in this process. */
  readonly enabled: boolean;
  /** Flushes the spans not yet exported; the last user of the process's provider also shuts it down. */
  stop(): Promise<void>;
}

/** The process's tracer provider (one per process: every service started in it shares it), and how many started services use it. */
let installed: { provider: BasicTracerProvider; users: number } | undefined;

/** Whether spans are recorded in this process: false until startTracing found an exporter (then the API is a no-op, and costs next to nothing). */
export const tracingInstalled = (): boolean => installed !== undefined;

const OFF: Tracing = { enabled: false, stop: async () => undefined };

/** Where OTLP/HTTP spans go, per the OpenTelemetry variables; undefined when neither is set (tracing off). */
export function otlpTracesUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const endpoint = z.url({ protocol: /^https?$/ }).optional();
  // An empty variable counts as unset, as the OpenTelemetry SDKs take it.
  const raw = readConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, {
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || undefined,
    OTEL_EXPORTER_OTLP_ENDPOINT: env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
  });
  if (raw.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return raw.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  // The signal-specific variable is used as given; the general one gets the traces path appended (OTLP exporter spec).
  if (raw.OTEL_EXPORTER_OTLP_ENDPOINT) return `${raw.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

/**
 * Registers the process's tracer provider, with the resource `service.name` and
 * `service.instance.id` (the replica id), when spans have somewhere to go: the given
 * exporter, or OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (batched). Otherwise tracing is off: no
 * provider, no context manager, and the messages' trace context is only passed through.
 *
 * One provider per process: a later call (another service started in the same process, as
 * the test systems do) joins the one installed, so the resource names the first service;
 * spans name theirs in `saga.service` and `saga.replica`.
 */
export function startTracing(options: TracingOptions): Tracing {
  if (installed) return joined(installed);
  const processor = options.exporter ? new SimpleSpanProcessor(options.exporter) : otlpProcessor(options.env ?? process.env);
  if (!processor) return OFF;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.service, [ATTR_SERVICE_INSTANCE_ID]: options.replicaId }),
    spanProcessors: [processor],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  installed = { provider, users: 0 };
  return joined(installed);
}

function otlpProcessor(env: NodeJS.ProcessEnv): SpanProcessor | undefined {
  const tracesUrl = otlpTracesUrl(env);
  return tracesUrl ? new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl })) : undefined;
}

function joined(state: { provider: BasicTracerProvider; users: number }): Tracing {
  state.users += 1;
  let stopped = false;
  return {
    enabled: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      state.users -= 1;
      if (state.users > 0) return state.provider.forceFlush();
      if (installed === state) installed = undefined;
      await state.provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}
