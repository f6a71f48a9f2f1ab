/**
 * The JSON the console's pages read from `/console/api/*` (and the saga events they follow
 * from `/api/events`). Types only: the browser bundle imports them too, and nothing here
 * may pull code into it. Times are ISO 8601 strings, durations milliseconds, money decimal
 * strings.
 */

import type { DeadMessage } from '../../../../shared/src/operations/deadMessageShape';
import type { HistoryEntry, SagaStatus } from '../../../../shared/src/saga/saga.machine';

export type { SagaStatus };
/** A history entry as the saga row keeps it. */
export type HistoryEntryJson = HistoryEntry;

/** GET /console/api/sagas?status=&step=&version=&userId=&orderId=&minAgeSeconds=&maxAgeSeconds=&stuck=true&limit=&cursor= */
export interface SagaListJson {
  items: SagaSummaryJson[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface SagaSummaryJson {
  orderId: string;
  sagaId: string;
  userId: string;
  status: SagaStatus;
  currentStep: string;
  definitionVersion: number;
  orderStatus: 'Pending' | 'Completed' | 'Failed';
  totalAmount: string;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  /** The saga row's version: one more per transition, so a page can tell a newer state from an older one. */
  version: number;
  parked: boolean;
  /** Why it is flagged stuck (past its step deadline, in flight too long, parked), or null. */
  stuck: string | null;
}

/** A step of a definition version, in order, for the drawing. */
export interface StepJson {
  name: string;
  command: string;
  succeeded: string;
  failed: string;
  /** Set when the step applies only to some sagas (its history says "Skipped" otherwise). */
  condition: string | null;
  compensation: { name: string; command: string; done: string } | null;
}

export interface DefinitionJson {
  version: number;
  steps: StepJson[];
}

/** One message sent or handled for a saga, as the services' outboxes and inboxes record it. */
export interface SagaMessageJson {
  messageId: string;
  type: string;
  /** The service that sent it. */
  from: string;
  /** The service that handled it (null while it has not been handled). */
  to: string | null;
  causationId: string | null;
  /** When the sender's transaction committed it to its outbox. */
  committedAt: string;
  /** When its relay published it (null while it waits in the outbox). */
  publishedAt: string | null;
  /** When the receiving service took it (its inbox claim). */
  handledAt: string | null;
  /** When the handler's transaction wrote what it caused (null when it caused nothing). */
  handlerDoneAt: string | null;
  inOutboxMs: number | null;
  inBrokerMs: number | null;
  inHandlerMs: number | null;
  state: 'in-outbox' | 'in-flight' | 'handled';
}

/**
 * A message in a service's error queue, as the DLQ tool describes it (DeadMessage), with
 * where it is, its headers and its body; absent times are null in JSON.
 */
export interface DeadMessageJson extends Omit<DeadMessage, 'failedAt' | 'failedBy' | 'target'> {
  service: string;
  queue: string;
  failedAt: string | null;
  failedBy: string | null;
  headers: Record<string, unknown>;
  /** The body as text (it may not be JSON: that can be why it is here). */
  body: string;
}

/** GET /console/api/sagas/:orderId */
export interface SagaDetailJson {
  saga: SagaSummaryJson & {
    history: HistoryEntryJson[];
    stepDeadlineAt: string | null;
    deadlineAt: string | null;
    /** The reply message types the saga waits for now (none once it has ended or while parked). */
    waitingFor: string[];
    failureReason: string | null;
    /** The order's trace (docs/tracing.md); null when it has none (tracing was off when it was placed). */
    trace: SagaTraceJson | null;
  };
  /** The definition version it runs on (null when this build does not know it: parked). */
  definition: DefinitionJson | null;
  order: {
    id: string;
    userId: string;
    status: string;
    items: Array<{ productId: string; productName?: string; quantity: number; price: string }>;
    totalAmount: string;
    shippingAddress: Record<string, string> | null;
  };
  /** What each participant reports about the order (its own API's JSON), or why it could not be asked. */
  participants: Array<{ service: string; what: string; items: unknown[] } | { service: string; what: string; error: string }>;
  messages: SagaMessageJson[];
  /** Messages about this order waiting in error queues. */
  errors: DeadMessageJson[];
}

/** An order's trace: its W3C trace id, and a link to a trace viewer when TRACE_UI_URL is set. */
export interface SagaTraceJson {
  traceId: string;
  url: string | null;
}

export type HealthJson = 'up' | 'degraded' | 'down' | 'unreachable';

/** One process of a service, as its GET /health describes it. */
export interface ReplicaStateJson {
  url: string;
  /** Its REPLICA_ID, when it answered. */
  replica: string | null;
  health: HealthJson;
  breakers: { consumer: string; relay: string } | null;
  /** The broker node it is connected to (host:port). */
  broker: string | null;
}

export interface ServiceStateJson {
  service: string;
  url: string;
  /** The worst of its replicas': up only when every one is. */
  health: HealthJson;
  /** Its first reachable replica's. */
  breakers: { consumer: string; relay: string } | null;
  replicas: ReplicaStateJson[];
  outbox: { pending: number; oldestPendingAgeSeconds: number; setAside: number; publishFailures: number | null } | { error: string };
  errorQueue: { queue: string; messages: number | null };
}

/** GET /console/api/overview */
export interface OverviewJson {
  services: ServiceStateJson[];
  sagas: { inFlight: number; stuck: number; parked: number; byStatus: Record<string, number> };
  /** Whether operator actions are possible at all (a token is configured). */
  operatorActions: boolean;
}

/** GET /console/api/error-queues */
export interface ErrorQueuesJson {
  queues: Array<{
    service: string;
    queue: string;
    messages: number | null;
    groups: Array<{ reason: string; type: string; count: number }>;
    /** More messages than were read to group them. */
    truncated: boolean;
    error?: string;
  }>;
}

/** Which messages of an error queue a replay or a listing is about: every field given must match. */
export interface DeadMessageFilter {
  messageId?: string;
  type?: string;
  reason?: string;
  correlationId?: string;
}

/** POST /console/api/error-queues/:service/replay { filter, dryRun } (needs the operator token unless dryRun). */
export interface ReplayResultJson {
  dryRun: boolean;
  matched: number;
  replayed: number;
  failed: Array<{ messageId: string; error: string }>;
  messageIds: string[];
}

/** GET /console/api/audit */
export interface AuditJson {
  entries: Array<{ at: string; user: string; via?: string; command: string; queue: string; filter?: unknown; messageIds: string[]; replayed?: number; purged?: number; failed?: unknown[] }>;
}

/** One event of the saga stream (`event: saga` on /api/events and /api/orders/:id/events). */
export interface SagaEventJson {
  /** Resume token of the stream it came on (also the SSE `id:`). */
  id: string;
  orderId: string;
  sagaId: string;
  /** The saga row's version after this change. */
  version: number;
  definitionVersion: number;
  status: SagaStatus;
  currentStep: string;
  orderStatus: 'Pending' | 'Completed' | 'Failed';
  /** History entries this change added. */
  entries: HistoryEntryJson[];
  /** The lifecycle events it raised (the webhook event types): order.created, saga.step_completed, ... */
  lifecycle: string[];
  at: string;
}
