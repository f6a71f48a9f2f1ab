import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ERROR_HEADER, handler, statement, TransientError, type Consumer, type Settlement } from '@saga/shared';
import { eventually } from '@saga/shared/testing';
import { contract } from '@saga/shared/contracts';
import { effects, kernelFixture, Ping as GuestPing, takeAll, type KernelFixture } from '../../shared/test/kernelFixture';
import { printResults, type ScenarioResult } from '../support/batch';

// Run as the system runs: billing's user consumes, the order user sends.
const Ping = contract(GuestPing.messageType, GuestPing.schema, { producer: 'order' });

// Scenario 6, on the real broker and database with the real consumer and the real DLQ
// tool: a poison message goes to the error queue after 0 retries; a handler that fails
// transiently twice then succeeds needs no human; one that always fails lands in the
// error queue after exactly the configured deliveries, and `saga-dlq replay` brings it
// back once the handler is fixed.

const run = promisify(execFile);
const RETRY = { immediateRetries: 0, delaysMs: [100, 300], jitter: 0 };
const results: ScenarioResult[] = [];
let fx: KernelFixture;
let consumer: Consumer;
let failuresLeft = new Map<number, number>();
let broken = false;
const settled: Settlement[] = [];

const onPing = handler(Ping, {
  handle: ({ body, envelope, write }) => {
    const left = failuresLeft.get(body.n) ?? 0;
    if (left > 0) {
      failuresLeft.set(body.n, left - 1);
      throw new TransientError(`ping ${body.n}: database busy`);
    }
    if (broken && body.n === 3) throw new TransientError('ping 3: the downstream it needs is broken');
    write(statement('effect', (db) => db.insert(effects).values({ messageId: envelope.messageId, n: body.n })));
  },
});

beforeAll(async () => {
  fx = await kernelFixture('fault_poison', { asServices: true });
  consumer = await fx.consumer('billing', [onPing], {
    retry: RETRY,
    breaker: { resetTimeoutMs: 500, volumeThreshold: 1000, errorThresholdPercentage: 50, rollingWindowMs: 10_000 },
  });
  consumer.on('settled', (s) => settled.push(s));
});
afterAll(async () => {
  printResults('Fault suite: poison and failing handlers', results);
  await fx.close();
});

const publish = (body: unknown) => fx.publish(body, { type: Ping.messageType });
const outcomesOf = (messageId: string) => settled.filter((s) => s.messageId === messageId).map((s) => s.result);
const effectsOf = async (n: number) => (await fx.query('select 1 from effects where n = $1', [n])).length;

it('handles a poison message, a transiently failing one and an always failing one as configured', async () => {
  const started = Date.now();
  failuresLeft = new Map([[2, 2]]);
  broken = true;
  const poison = publish({ orderId: 'not-a-uuid', n: 'one' });
  const flaky = publish({ orderId: randomUUID(), n: 2 });
  const doomed = publish({ orderId: randomUUID(), n: 3 });

  await eventually(() => outcomesOf(poison).length === 1 && outcomesOf(flaky).includes('handled') && outcomesOf(doomed).includes('rejected'), {
    what: 'the three messages to settle',
  });
  expect(outcomesOf(poison)).toEqual(['rejected']);
  expect(outcomesOf(flaky)).toEqual(['retried', 'retried', 'handled']);
  expect(outcomesOf(doomed)).toEqual(['retried', 'retried', 'rejected']);
  expect(await effectsOf(2)).toBe(1);
  expect(await effectsOf(3)).toBe(0);

  const errors = await takeAll(fx.channel, fx.topology.errorQueue('billing'));
  const byId = new Map(errors.map((m) => [m.properties.messageId, m.properties.headers!]));
  expect(byId.get(poison)).toMatchObject({ [ERROR_HEADER.reason]: 'contract-violation', [ERROR_HEADER.attempts]: 1 });
  expect(byId.get(doomed)).toMatchObject({ [ERROR_HEADER.reason]: 'retries-exhausted', [ERROR_HEADER.attempts]: 1 + RETRY.delaysMs.length });

  // Put the doomed message back in the error queue as it was, fix the handler, and replay with the real CLI.
  const doomedMessage = errors.find((m) => m.properties.messageId === doomed)!;
  fx.channel.publish(fx.topology.directExchange('billing'), fx.topology.errorQueue('billing'), doomedMessage.content, doomedMessage.properties);
  await eventually(async () => (await fx.channel.checkQueue(fx.topology.errorQueue('billing'))).messageCount === 1, { what: 'the error queue to hold it' });
  broken = false;
  const bin = path.resolve(__dirname, '..', '..', 'tools', 'dlq', 'bin', 'saga-dlq.js');
  const auditLog = path.join(os.tmpdir(), `${fx.topology.namespace}-audit.jsonl`);
  const { stdout } = await run(process.execPath, [bin, 'replay', fx.topology.errorQueue('billing'), '--id', doomed], {
    env: { ...process.env, AMQP_URL: fx.broker!.url, DLQ_AUDIT_LOG: auditLog },
  });
  await rm(auditLog, { force: true });
  expect(stdout).toContain('replayed 1 of 1');
  await eventually(async () => (await effectsOf(3)) === 1, { what: 'the replayed message to be handled' });
  expect(outcomesOf(doomed).at(-1)).toBe('handled');
  expect((await fx.channel.checkQueue(fx.topology.errorQueue('billing'))).messageCount).toBe(0);
  results.push({ scenario: 'poison / flaky / always failing + dlq replay', replicas: 1, orders: 3, terminal: 3, held: true, drainSeconds: (Date.now() - started) / 1000 });
});
