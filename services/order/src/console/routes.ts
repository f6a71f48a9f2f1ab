import type { Express } from 'express';
import { z } from 'zod';
import { badRequest, idParams, notFound, validate, type Logger, type Runtime } from '@saga/shared';
import { readAudit } from '@saga/shared/operations';
import { isServiceName, type ParticipantName } from '../../../registry';
import type { OperatorTokens } from '../api/operators';
import { decodeCursor } from '../api/pageCursor';
import { consoleAssets } from './assets';
import type { AuditJson, OverviewJson, SagaDetailJson } from './consoleApi';
import type { ErrorQueueConsole } from './errorQueueConsole';
import { messageTrail } from './messageTrail';
import { participantReports } from './participantReports';
import type { SagaListing } from './sagaListing';
import { serviceStates } from './serviceStates';
import type { Fleet } from './fleet';

const SAGA_STATUSES = ['Started', 'InProgress', 'Compensating', 'Completed', 'Compensated', 'Failed'] as const;
const seconds = z.coerce.number().int().min(0).max(10 * 365 * 86_400);
const text = z.string().min(1).max(200).regex(/^[\x20-\x7e]+$/, 'printable ASCII');

const SagaQuery = z.object({
  status: z.enum(SAGA_STATUSES).optional(),
  step: z.string().min(1).max(100).regex(/^[A-Za-z0-9_]+$/, 'a step or compensation name').optional(),
  version: z.coerce.number().int().min(1).max(1_000_000).optional(),
  userId: z.uuid({ error: 'must be a uuid' }).optional(),
  orderId: z.uuid({ error: 'must be a uuid' }).optional(),
  minAgeSeconds: seconds.optional(),
  maxAgeSeconds: seconds.optional(),
  stuck: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
});

const ServiceParams = z.object({ service: z.string().refine(isServiceName, 'not a service of this system') });
const DeadFilter = z.strictObject({ messageId: text.optional(), type: text.optional(), reason: text.optional(), correlationId: text.optional() });
const DeadQuery = DeadFilter.extend({ limit: z.coerce.number().int().min(1).max(500).default(100) });
const ReplayBody = z.strictObject({
  filter: DeadFilter.refine((filter) => Object.values(filter).some((value) => value !== undefined), 'name at least one of messageId, type, reason, correlationId'),
  dryRun: z.boolean().default(false),
});
const PurgeBody = z.strictObject({ confirm: z.string().max(300) });
const AuditQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

export interface ConsoleParts {
  fleet: Fleet;
  listing: SagaListing;
  errorQueues: ErrorQueueConsole;
  operators: OperatorTokens;
  runtime: Runtime;
  logger: Logger;
  env: NodeJS.ProcessEnv;
}

/**
 * The console: its pages under /console/ and the JSON they read under /console/api/. Reads
 * are open; what changes state (replay, purge) needs an operator token and is audited.
 */
export function consoleRoutes(app: Express, parts: ConsoleParts): void {
  const { fleet, listing, errorQueues, operators, runtime, logger, env } = parts;

  app.get('/console/api/overview', async (_req, res) => {
    const [services, sagas] = await Promise.all([serviceStates(fleet, errorQueues), listing.counts(runtime.now())]);
    const overview: OverviewJson = { services, sagas, operatorActions: operators.configured };
    res.json(overview);
  });

  app.get('/console/api/sagas', async (req, res) => {
    const { limit, cursor, ...filter } = validate(SagaQuery, req.query, 'query');
    res.json(await listing.list(filter, limit, cursor ? decodeCursor(cursor) : undefined, runtime.now()));
  });

  app.get('/console/api/sagas/:id', async (req, res) => {
    const { id } = validate(idParams, req.params, 'path');
    const saga = await listing.detail(id, runtime.now());
    if (!saga) throw notFound(`Order ${id} does not exist`);
    const [participants, messages, errors] = await Promise.all([participantReports(fleet, id), messageTrail(fleet, id, logger), errorQueues.aboutOrder(id)]);
    const detail: SagaDetailJson = { ...saga, participants, messages, errors };
    res.json(detail);
  });

  app.get('/console/api/error-queues', async (_req, res) => {
    res.json(await errorQueues.summary());
  });

  app.get('/console/api/error-queues/:service/messages', async (req, res) => {
    const { service } = validate(ServiceParams, req.params, 'path');
    const { limit, ...filter } = validate(DeadQuery, req.query, 'query');
    res.json({ items: await errorQueues.list(service as ParticipantName, filter, limit) });
  });

  app.post('/console/api/error-queues/:service/replay', async (req, res) => {
    const { service } = validate(ServiceParams, req.params, 'path');
    const { filter, dryRun } = validate(ReplayBody, req.body, 'body');
    // Counting what would be replayed changes nothing: anyone may; replaying needs an operator.
    const operator = dryRun ? undefined : operators.require(req);
    res.json(await errorQueues.replay(service as ParticipantName, filter, dryRun, operator));
  });

  app.post('/console/api/error-queues/:service/purge', async (req, res) => {
    const { service } = validate(ServiceParams, req.params, 'path');
    const operator = operators.require(req);
    const { confirm } = validate(PurgeBody, req.body, 'body');
    const queue = errorQueues.queueOf(service as ParticipantName);
    if (confirm !== queue) throw badRequest('Purge not confirmed', [{ field: 'confirm', message: `must be the queue's name, ${queue}` }]);
    res.json({ purged: await errorQueues.purge(service as ParticipantName, operator) });
  });

  app.get('/console/api/audit', async (req, res) => {
    const { limit } = validate(AuditQuery, req.query, 'query');
    const audit: AuditJson = { entries: await readAudit(env, limit) };
    res.json(audit);
  });

  app.use(consoleAssets());
}
