import { randomBytes } from 'node:crypto';
import { and, count, desc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Express, Response } from 'express';
import { z } from 'zod';
import { conflict, idParams, lockKey, notFound, statement, storableText, transaction, validate, type ServiceDeps } from '@saga/shared';
import type { OperatorTokens } from '../api/operators';
import { webhookAttempts, webhookDeliveries, webhookSubscriptions } from '../db/schema';
import { LIFECYCLE_EVENT_TYPES } from '../domain/lifecycle';
import { checkWebhookUrl } from './allowlist';
import { WEBHOOK_CHANNEL } from './dispatcher';
import type { WebhookSettings } from './settings';
import { secretFromKey } from './signature';

/** Subscribers (not deleted) at most: each one multiplies every saga change's writes. */
export const MAX_SUBSCRIBERS = 100;
const STATUSES = ['pending', 'delivered', 'failed'] as const;

const eventTypesMessage = `must be one of ${LIFECYCLE_EVENT_TYPES.join(', ')}`;
const EventTypes = z
  .array(z.enum(LIFECYCLE_EVENT_TYPES, { error: eventTypesMessage }), { error: `must be a list of event types (${LIFECYCLE_EVENT_TYPES.join(', ')})` })
  .min(1, `must name at least one event type: ${LIFECYCLE_EVENT_TYPES.join(', ')}`)
  .max(LIFECYCLE_EVENT_TYPES.length)
  .refine((events) => new Set(events).size === events.length, 'must not name an event type twice');

const DeliveryParams = z.object({ id: z.uuid({ error: 'must be a uuid' }), deliveryId: z.uuid({ error: 'must be a uuid' }) });
const DeliveriesQuery = z.object({
  limit: z.coerce.number({ error: 'must be a number' }).int().min(1).max(200).default(50),
  status: z.enum(STATUSES, { error: `must be one of ${STATUSES.join(', ')}` }).optional(),
});

type Subscription = typeof webhookSubscriptions.$inferSelect;
type Delivery = typeof webhookDeliveries.$inferSelect;
type Counts = Record<(typeof STATUSES)[number], number>;

const iso = (date: Date | null) => date?.toISOString() ?? null;

const subscriptionJson = (subscription: Subscription, deliveries: Counts) => ({
  id: subscription.id,
  url: subscription.url,
  events: subscription.events,
  createdAt: subscription.createdAt.toISOString(),
  deliveries,
});

const deliveryJson = (delivery: Delivery) => ({
  id: delivery.id,
  eventType: delivery.eventType,
  status: delivery.status,
  attempts: delivery.attempts,
  nextAttemptAt: iso(delivery.nextAttemptAt),
  lastError: delivery.lastError,
  lastStatusCode: delivery.lastStatusCode,
  createdAt: delivery.createdAt.toISOString(),
  deliveredAt: iso(delivery.deliveredAt),
});

const operatorOf = (res: Response): string => (res.locals.operator as { name: string }).name;

/** The operator API of webhook subscribers and their deliveries (every route needs an operator token). */
export function webhookRoutes(app: Express, { database, runtime, logger }: ServiceDeps, operators: OperatorTokens, settings: WebhookSettings): void {
  const { db } = database;
  const guard = operators.guard;

  const CreateBody = z.object({
    url: storableText(z.string({ error: 'must be a string' })).transform((raw, ctx) => {
      const check = checkWebhookUrl(raw, settings.allowedHosts);
      if (check.ok) return check.url.href;
      ctx.addIssue({ code: 'custom', message: check.reason });
      return z.NEVER;
    }),
    events: EventTypes,
  });

  const countsOf = async (ids: string[]): Promise<Map<string, Counts>> => {
    const counts = new Map<string, Counts>(ids.map((id) => [id, { pending: 0, delivered: 0, failed: 0 }]));
    if (ids.length === 0) return counts;
    const rows = await db
      .select({ subscriptionId: webhookDeliveries.subscriptionId, status: webhookDeliveries.status, count: count() })
      .from(webhookDeliveries)
      .where(inArray(webhookDeliveries.subscriptionId, ids))
      .groupBy(webhookDeliveries.subscriptionId, webhookDeliveries.status);
    for (const row of rows) counts.get(row.subscriptionId)![row.status] = row.count;
    return counts;
  };

  const live = async (id: string): Promise<Subscription> => {
    const [subscription] = await db
      .select()
      .from(webhookSubscriptions)
      .where(and(eq(webhookSubscriptions.id, id), isNull(webhookSubscriptions.deletedAt)));
    if (!subscription) throw notFound(`Webhook subscriber ${id} does not exist`);
    return subscription;
  };

  /** A subscriber, deleted or not (a deleted one's deliveries stay for the record). */
  const known = async (id: string): Promise<void> => {
    const [subscription] = await db.select({ id: webhookSubscriptions.id }).from(webhookSubscriptions).where(eq(webhookSubscriptions.id, id));
    if (!subscription) throw notFound(`Webhook subscriber ${id} does not exist`);
  };

  /** The delivery `deliveryId` of subscriber `id` (deleted subscribers' deliveries stay readable). */
  const deliveryOf = async (id: string, deliveryId: string): Promise<Delivery> => {
    const [delivery] = await db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.subscriptionId, id)));
    if (!delivery) throw notFound(`Webhook subscriber ${id} has no delivery ${deliveryId}`);
    return delivery;
  };

  app.post('/api/webhooks', guard, async (req, res) => {
    const body = validate(CreateBody, req.body, 'webhook subscriber');
    const subscription: Subscription = {
      id: runtime.newId(),
      url: body.url,
      events: body.events,
      secret: secretFromKey(randomBytes(32)),
      previousSecret: null,
      previousSecretExpiresAt: null,
      createdAt: runtime.now(),
      deletedAt: null,
    };
    // Counted and inserted under one lock, so registrations at the same time cannot pass the cap.
    const opening = {
      lock: lockKey({ key: 'webhook_subscriptions' }),
      live: statement('order_count_webhook_subscribers', (builder) => builder.select({ live: count() }).from(webhookSubscriptions).where(isNull(webhookSubscriptions.deletedAt))),
    };
    await transaction(database.pool, opening, ({ live }) => {
      if ((live[0]?.live ?? 0) >= MAX_SUBSCRIBERS) throw conflict(`There are already ${MAX_SUBSCRIBERS} webhook subscribers, the most allowed: delete one first`);
      return { value: undefined, closing: [statement('order_insert_webhook_subscriber', (builder) => builder.insert(webhookSubscriptions).values(subscription))] };
    });
    logger.info({ operator: operatorOf(res), subscriptionId: subscription.id, url: subscription.url, events: subscription.events }, 'webhook subscriber registered');
    res
      .status(201)
      .location(`/api/webhooks/${subscription.id}`)
      .json({ id: subscription.id, url: subscription.url, events: subscription.events, secret: subscription.secret, createdAt: subscription.createdAt.toISOString() });
  });

  app.get('/api/webhooks', guard, async (_req, res) => {
    const subscriptions = await db
      .select()
      .from(webhookSubscriptions)
      .where(isNull(webhookSubscriptions.deletedAt))
      .orderBy(webhookSubscriptions.createdAt, webhookSubscriptions.id);
    const counts = await countsOf(subscriptions.map((each) => each.id));
    res.json({ items: subscriptions.map((each) => subscriptionJson(each, counts.get(each.id)!)) });
  });

  // Before /api/webhooks/:id, which would take "event-types" for an id.
  app.get('/api/webhooks/event-types', guard, (_req, res) => {
    res.json({ items: [...LIFECYCLE_EVENT_TYPES] });
  });

  app.get('/api/webhooks/:id', guard, async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const subscription = await live(id);
    res.json(subscriptionJson(subscription, (await countsOf([id])).get(id)!));
  });

  app.delete('/api/webhooks/:id', guard, async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const now = runtime.now();
    // One statement: the subscriber goes, and its pending deliveries with it.
    const { rows } = await db.execute<{ deleted: number; abandoned: number }>(sql`
      with deleted as (
        update ${webhookSubscriptions} set deleted_at = ${now}
        where ${webhookSubscriptions.id} = ${id} and ${webhookSubscriptions.deletedAt} is null
        returning id
      ), abandoned as (
        update ${webhookDeliveries} set status = 'failed', last_error = 'subscriber deleted'
        where subscription_id in (select id from deleted) and status = 'pending'
        returning id
      )
      select (select count(*) from deleted)::int as deleted, (select count(*) from abandoned)::int as abandoned`);
    if (!rows[0]?.deleted) throw notFound(`Webhook subscriber ${id} does not exist`);
    logger.info({ operator: operatorOf(res), subscriptionId: id, abandonedDeliveries: rows[0].abandoned }, 'webhook subscriber deleted');
    res.status(204).end();
  });

  app.post('/api/webhooks/:id/rotate-secret', guard, async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const now = runtime.now();
    const secret = secretFromKey(randomBytes(32));
    const previousSecretExpiresAt = new Date(now.getTime() + settings.secretGraceMs);
    const rotated = await db
      .update(webhookSubscriptions)
      .set({ secret, previousSecret: sql`${webhookSubscriptions.secret}`, previousSecretExpiresAt })
      .where(and(eq(webhookSubscriptions.id, id), isNull(webhookSubscriptions.deletedAt)))
      .returning({ id: webhookSubscriptions.id });
    if (rotated.length === 0) throw notFound(`Webhook subscriber ${id} does not exist`);
    logger.info({ operator: operatorOf(res), subscriptionId: id, previousSecretExpiresAt }, 'webhook secret rotated; the previous one signs too until it expires');
    res.json({ id, secret, previousSecretExpiresAt: previousSecretExpiresAt.toISOString() });
  });

  app.get('/api/webhooks/:id/deliveries', guard, async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const { limit, status } = validate(DeliveriesQuery, req.query, 'query');
    await known(id);
    const deliveries = await db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.subscriptionId, id), status ? eq(webhookDeliveries.status, status) : undefined))
      .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.eventSeq), desc(webhookDeliveries.id))
      .limit(limit);
    res.json({ items: deliveries.map(deliveryJson) });
  });

  app.get('/api/webhooks/:id/deliveries/:deliveryId', guard, async (req, res) => {
    const { id, deliveryId } = validate(DeliveryParams, req.params, 'path');
    const delivery = await deliveryOf(id, deliveryId);
    const attempts = await db
      .select({ attempt: webhookAttempts.attempt, at: webhookAttempts.at, statusCode: webhookAttempts.statusCode, error: webhookAttempts.error, durationMs: webhookAttempts.durationMs })
      .from(webhookAttempts)
      .where(eq(webhookAttempts.deliveryId, deliveryId))
      .orderBy(webhookAttempts.attempt);
    res.json({ ...deliveryJson(delivery), payload: delivery.payload, attempts: attempts.map((each) => ({ ...each, at: each.at.toISOString() })) });
  });

  app.post('/api/webhooks/:id/deliveries/:deliveryId/resend', guard, async (req, res) => {
    const { id, deliveryId } = validate(DeliveryParams, req.params, 'path');
    const now = runtime.now();
    // Same row, same webhook-id (receivers dedupe on it); its attempts count on. A pending
    // one is left to the dispatcher: it may be under way right now, and would go out twice.
    const [resent] = await db
      .update(webhookDeliveries)
      .set({ status: 'pending', nextAttemptAt: now, deliveredAt: null })
      .where(
        and(
          eq(webhookDeliveries.id, deliveryId),
          eq(webhookDeliveries.subscriptionId, id),
          ne(webhookDeliveries.status, 'pending'),
          sql`exists (select 1 from ${webhookSubscriptions} where ${webhookSubscriptions.id} = ${id} and ${webhookSubscriptions.deletedAt} is null)`,
        ),
      )
      .returning();
    if (!resent) {
      const delivery = await deliveryOf(id, deliveryId); // 404 when there is no such delivery
      if (delivery.status === 'pending') throw conflict(`Delivery ${deliveryId} is pending: it is sent by ${delivery.nextAttemptAt.toISOString()} without being resent`);
      throw conflict(`Webhook subscriber ${id} is deleted: its deliveries are not sent any more`);
    }
    await db.execute(sql`select pg_notify(${WEBHOOK_CHANNEL}, '')`);
    logger.info({ operator: operatorOf(res), subscriptionId: id, deliveryId }, 'webhook delivery resent');
    res.status(202).json(deliveryJson(resent));
  });
}
