import { and, desc, eq, gte, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Database, SagaVersions } from '@saga/shared';
import { orderSagas, orders } from '../db/schema';
import type { OrderSagaInput } from '../domain/orderSaga.definition';
import { encodeCursor } from '../api/pageCursor';
import { stuckReason, type StuckRules } from '../saga/stuckSagas';
import type { DefinitionJson, SagaDetailJson, SagaListJson, SagaSummaryJson } from './consoleApi';
import { sagaTrace } from './sagaTrace';

export interface SagaFilter {
  status?: string;
  step?: string;
  version?: number;
  userId?: string;
  orderId?: string;
  minAgeSeconds?: number;
  maxAgeSeconds?: number;
  stuck?: boolean;
}

const ago = (now: Date, seconds: number) => new Date(now.getTime() - seconds * 1000);

function summaryColumns(now: Date, rules: StuckRules) {
  return {
    orderId: orderSagas.orderId,
    sagaId: orderSagas.id,
    userId: orders.userId,
    status: orderSagas.status,
    currentStep: orderSagas.currentStep,
    definitionVersion: orderSagas.definitionVersion,
    orderStatus: orders.status,
    totalAmount: orders.totalAmount,
    createdAt: orderSagas.createdAt,
    updatedAt: orderSagas.updatedAt,
    completedAt: orderSagas.completedAt,
    version: orderSagas.version,
    parkedAt: orderSagas.parkedAt,
    stuck: stuckReason(now, rules),
  };
}

/** The sagas with their orders, as listed (a query to add conditions, an order and a limit to). */
const summaries = (db: Database, now: Date, rules: StuckRules) =>
  db.select(summaryColumns(now, rules)).from(orderSagas).innerJoin(orders, eq(orders.id, orderSagas.orderId));
type SummaryRow = Awaited<ReturnType<typeof summaries>>[number];

/**
 * What the console lists and shows of sagas, read from the order service's own tables.
 * A saga is parked when its version is unknown to this build or its clock was stopped by
 * one that did not know it (README, "Parked sagas").
 */
export class SagaListing {
  constructor(
    private readonly db: Database,
    private readonly versions: SagaVersions<OrderSagaInput>,
    private readonly rules: StuckRules,
    /** TRACE_UI_URL: where a saga's trace is linked to. */
    private readonly traceUiUrl?: string,
  ) {}

  private summary(row: SummaryRow): SagaSummaryJson {
    return {
      orderId: row.orderId,
      sagaId: row.sagaId,
      userId: row.userId,
      status: row.status as SagaSummaryJson['status'],
      currentStep: row.currentStep,
      definitionVersion: row.definitionVersion,
      orderStatus: row.orderStatus as SagaSummaryJson['orderStatus'],
      totalAmount: row.totalAmount,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      completedAt: row.completedAt?.toISOString() ?? null,
      version: row.version,
      parked: !row.completedAt && (row.parkedAt !== null || !this.versions.knows(row.definitionVersion)),
      stuck: row.stuck,
    };
  }

  /** A page of sagas, newest first, after `cursor`'s position. */
  async list(filter: SagaFilter, limit: number, after: { createdAt: Date; id: string } | undefined, now: Date): Promise<SagaListJson> {
    const conditions: Array<SQL | undefined> = [
      filter.status === undefined ? undefined : eq(orderSagas.status, filter.status),
      filter.step === undefined ? undefined : eq(orderSagas.currentStep, filter.step),
      filter.version === undefined ? undefined : eq(orderSagas.definitionVersion, filter.version),
      filter.userId === undefined ? undefined : eq(orders.userId, filter.userId),
      filter.orderId === undefined ? undefined : eq(orderSagas.orderId, filter.orderId),
      filter.minAgeSeconds === undefined ? undefined : lte(orderSagas.createdAt, ago(now, filter.minAgeSeconds)),
      filter.maxAgeSeconds === undefined ? undefined : gte(orderSagas.createdAt, ago(now, filter.maxAgeSeconds)),
      filter.stuck ? sql`(${stuckReason(now, this.rules)}) is not null` : undefined,
      after ? or(lt(orderSagas.createdAt, after.createdAt), and(eq(orderSagas.createdAt, after.createdAt), lt(orderSagas.id, after.id))) : undefined,
    ];
    const rows = await summaries(this.db, now, this.rules)
      .where(and(...conditions))
      .orderBy(desc(orderSagas.createdAt), desc(orderSagas.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: page.map((row) => this.summary(row)), nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.sagaId) : null };
  }

  /** Counts for the front page. */
  async counts(now: Date): Promise<{ inFlight: number; stuck: number; parked: number; byStatus: Record<string, number> }> {
    const [inFlight] = await this.db
      .select({
        inFlight: sql<number>`count(*)::int`,
        stuck: sql<number>`(count(*) filter (where (${stuckReason(now, this.rules)}) is not null))::int`,
        parked: sql<number>`(count(*) filter (where ${orderSagas.parkedAt} is not null or not (${orderSagas.definitionVersion} = any(${sql.param(this.versions.known())}::int[]))))::int`,
      })
      .from(orderSagas)
      .where(sql`${orderSagas.completedAt} is null`);
    const byStatus = await this.db.select({ status: orderSagas.status, count: sql<number>`count(*)::int` }).from(orderSagas).groupBy(orderSagas.status);
    return {
      inFlight: inFlight?.inFlight ?? 0,
      stuck: inFlight?.stuck ?? 0,
      parked: inFlight?.parked ?? 0,
      byStatus: Object.fromEntries(byStatus.map((row) => [row.status, row.count])),
    };
  }

  /** One order's saga with its history, its definition and what it waits for; undefined when there is no such order. */
  async detail(orderId: string, now: Date): Promise<Omit<SagaDetailJson, 'participants' | 'messages' | 'errors'> | undefined> {
    const [row] = await this.db
      .select({ ...summaryColumns(now, this.rules), history: orderSagas.history, snapshot: orderSagas.snapshot, stepDeadlineAt: orderSagas.stepDeadlineAt, deadlineAt: orderSagas.deadlineAt, traceContext: orderSagas.traceContext, order: orders })
      .from(orderSagas)
      .innerJoin(orders, eq(orders.id, orderSagas.orderId))
      .where(eq(orderSagas.orderId, orderId));
    if (!row) return undefined;
    const summary = this.summary(row);
    const known = this.versions.knows(row.definitionVersion);
    const state = known ? this.versions.view(row.definitionVersion, row.snapshot) : undefined;
    const definition = known ? definitionJson(this.versions, row.definitionVersion) : null;
    return {
      saga: {
        ...summary,
        history: row.history,
        stepDeadlineAt: row.stepDeadlineAt?.toISOString() ?? null,
        deadlineAt: row.deadlineAt?.toISOString() ?? null,
        waitingFor: row.completedAt || summary.parked || !definition ? [] : waitingFor(definition, row.currentStep),
        failureReason: state?.context.failureReason ?? null,
        trace: sagaTrace(row.traceContext, this.traceUiUrl),
      },
      definition,
      order: {
        id: row.order.id,
        userId: row.order.userId,
        status: row.order.status,
        items: row.order.items,
        totalAmount: row.order.totalAmount,
        shippingAddress: row.order.shippingAddress as Record<string, string> | null,
      },
    };
  }
}

/** A version of the definition as the console draws it. */
export function definitionJson(versions: SagaVersions<OrderSagaInput>, version: number): DefinitionJson {
  return {
    version,
    steps: versions.definition(version).steps.map((step) => ({
      name: step.name,
      command: step.command.contract.messageType,
      succeeded: step.succeeded.contract.messageType,
      failed: step.failed.messageType,
      condition: step.when?.otherwise ?? null,
      compensation: step.compensation
        ? { name: step.compensation.name, command: step.compensation.command.contract.messageType, done: step.compensation.done.contract.messageType }
        : null,
    })),
  };
}

/** The replies a saga at `currentStep` waits for: the step's answers, or its compensation's. */
export function waitingFor(definition: DefinitionJson, currentStep: string): string[] {
  const step = definition.steps.find((each) => each.name === currentStep);
  if (step) return [step.succeeded, step.failed];
  const compensating = definition.steps.find((each) => each.compensation?.name === currentStep);
  return compensating?.compensation ? [compensating.compensation.done] : [];
}
