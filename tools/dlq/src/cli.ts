/**
 * saga-dlq: inspect and repair error queues.
 *
 *   npm run dlq -- list
 *   npm run dlq -- show saga.billing.error --limit 20
 *   npm run dlq -- replay saga.billing.error --type domain.order.ProcessPayment --rate 50/s
 *   npm run dlq -- export saga.billing.error --file billing-errors.jsonl
 *   npm run dlq -- purge saga.billing.error --yes
 *   npm run dlq -- outbox list --service billing
 *   npm run dlq -- outbox retry --service billing --all
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { SingleBar } from 'cli-progress';
import { DEFAULT_AMQP_URL, DEFAULT_NAMESPACE, redactBrokerUrls, serviceAmqpUrl, topology } from '@saga/shared';
import { isServiceName, serviceConfig, SERVICE_NAMES } from '../../../services/registry';
import { age, audit, ErrorQueues, OutboxDeadLetters, type Filter, type QueueDepth } from '@saga/shared/operations';

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Whether to draw a progress bar (a terminal on stderr). */
  interactive: boolean;
  env: NodeJS.ProcessEnv;
}

/** The service whose error queue this is (`saga.billing.error` -> billing): the tool connects as its broker user. */
function serviceOf(queue: string): string {
  const match = /^.+\.([^.]+)\.error$/.exec(queue);
  const service = match?.[1];
  if (!service || !isServiceName(service)) {
    throw new Error(`${queue} is not an error queue (<namespace>.<${SERVICE_NAMES.join('|')}>.error)`);
  }
  return service;
}

function parseRate(value: string): number {
  const rate = Number(value.replace(/\/s$/, ''));
  if (!Number.isFinite(rate) || rate <= 0) throw new InvalidArgumentError('a positive number of messages per second, e.g. 50/s');
  return rate;
}

function parseRowId(value: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) throw new InvalidArgumentError('the id of a set-aside row, a uuid (see: outbox list)');
  return value;
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError('a positive whole number');
  return limit;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}

/** Runs one command; returns the process exit code (0 ok, 1 partial failure or error, 2 usage). */
export async function runCli(argv: string[], io: Io): Promise<number> {
  let code = 0;
  /** Runs `work` connected as the broker user of the service that owns `queue`. */
  const withQueues = async (queue: string, work: (queues: ErrorQueues) => Promise<void>) => {
    const url = serviceAmqpUrl(io.env.AMQP_URL || DEFAULT_AMQP_URL, serviceOf(queue), io.env, SERVICE_NAMES);
    let queues: ErrorQueues;
    try {
      queues = await ErrorQueues.connect(url);
    } catch (error) {
      throw new Error(`Cannot reach RabbitMQ at ${redactBrokerUrls(url)} (${(error as Error).message}); set AMQP_URL (and the services' passwords, see the README)`);
    }
    try {
      await work(queues);
    } finally {
      await queues.close();
    }
  };

  const program = new Command('saga-dlq')
    .description('Inspect, export, replay and purge the error queues of the order saga')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) });

  program
    .command('list')
    .description('error queues and how many messages each holds')
    .option('--namespace <ns>', 'messaging namespace', io.env.MESSAGING_NAMESPACE ?? DEFAULT_NAMESPACE)
    .action(async (options: { namespace: string }) => {
      const depths: QueueDepth[] = [];
      for (const service of SERVICE_NAMES) {
        const queue = topology(options.namespace).errorQueue(service);
        await withQueues(queue, async (queues) => void depths.push(...(await queues.depths([queue]))));
      }
      const rows = [['QUEUE', 'MESSAGES'], ...depths.map((d) => [d.queue, d.messages === undefined ? 'missing' : String(d.messages)])];
      table(rows).forEach((line) => io.out(line));
    });

  program
    .command('show <queue>')
    .description('the messages in an error queue, without removing them')
    .option('--limit <n>', 'at most this many', parseLimit, 20)
    .action((queue: string, options: { limit: number }) =>
      withQueues(queue, async (queues) => {
        const messages = await queues.browse(queue, options.limit);
        const now = new Date();
        const rows = [
          ['TYPE', 'MESSAGE ID', 'CORRELATION ID', 'REASON', 'ATTEMPTS', 'AGE', 'DETAIL'],
          ...messages.map(({ dead }) => [
            dead.type,
            dead.messageId,
            dead.correlationId,
            dead.reason,
            String(dead.attempts),
            age(dead.failedAt, now),
            dead.detail.replace(/\s+/g, ' ').slice(0, 120),
          ]),
        ];
        table(rows).forEach((line) => io.out(line));
        io.out(`${messages.length} message(s) shown from ${queue}`);
      }),
    );

  program
    .command('replay <queue>')
    .description('republish messages to where they came from, with retry headers reset; each leaves the error queue once the broker confirmed its republish')
    .option('--id <messageId>', 'only this message')
    .option('--type <messageType>', 'only messages of this type')
    .option('--all', 'every message')
    .option('--dry-run', 'say what would be replayed, change nothing')
    .option('--rate <n/s>', 'at most this many per second', parseRate)
    .action((queue: string, options: { id?: string; type?: string; all?: boolean; dryRun?: boolean; rate?: number }) =>
      withQueues(queue, async (queues) => {
        const chosen = [options.id, options.type, options.all].filter((o) => o !== undefined).length;
        if (chosen !== 1) {
          io.err('replay needs exactly one of --id, --type or --all');
          code = 2;
          return;
        }
        const filter: Filter = options.id ? { id: options.id } : options.type ? { type: options.type } : { all: true };
        const bar = io.interactive && !options.dryRun ? new SingleBar({ stream: process.stderr, format: 'replaying [{bar}] {value}/{total}' }) : undefined;
        let started = false;
        const result = await queues.replay(queue, filter, {
          dryRun: options.dryRun,
          ratePerSecond: options.rate,
          onProgress: (done, total) => {
            if (bar && !started) {
              bar.start(total, 0);
              started = true;
            }
            bar?.update(done);
          },
        });
        bar?.stop();
        if (options.dryRun) {
          result.matched.forEach((m) => io.out(`would replay ${m.messageId} ${m.type} -> ${m.target.exchange || '(default)'} ${m.target.routingKey}`));
          io.out(`dry run: ${result.matched.length} message(s) would be replayed from ${queue}`);
          return;
        }
        result.failed.forEach((f) => io.err(`not replayed ${f.messageId}: ${f.error} (it stays in ${queue})`));
        io.out(`replayed ${result.replayed} of ${result.matched.length} matching message(s) from ${queue}; ${result.failed.length} failed`);
        const log = await audit(
          { command: 'replay', queue, filter: { ...filter, rate: options.rate }, messageIds: result.matched.map((m) => m.messageId), replayed: result.replayed, failed: result.failed },
          io.env,
        );
        io.out(`recorded in ${log}`);
        if (result.failed.length > 0) code = 1;
      }),
    );

  program
    .command('purge <queue>')
    .description('delete every message in an error queue')
    .option('--yes', 'really delete them')
    .action((queue: string, options: { yes?: boolean }) =>
      withQueues(queue, async (queues) => {
        if (!options.yes) {
          io.err(`purge deletes every message in ${queue}; run it again with --yes (export them first with: export ${queue} --file F)`);
          code = 2;
          return;
        }
        const purged = await queues.purge(queue);
        io.out(`purged ${purged} message(s) from ${queue}`);
        await audit({ command: 'purge', queue, messageIds: [], purged }, io.env);
      }),
    );

  program
    .command('export <queue>')
    .description('write every message (body, properties, failure details) as JSON lines; removes nothing')
    .requiredOption('--file <path>', 'where to write')
    .action((queue: string, options: { file: string }) =>
      withQueues(queue, async (queues) => {
        io.out(`exported ${await queues.export(queue, options.file)} message(s) from ${queue} to ${options.file}`);
      }),
    );

  /** Runs `work` on the set-aside outbox rows of `service`, in its database (as the service reads its URL). */
  const withSetAside = async (service: string, work: (rows: OutboxDeadLetters) => Promise<void>) => {
    if (!isServiceName(service)) throw new Error(`--service must be one of ${SERVICE_NAMES.join(', ')}`);
    const rows = new OutboxDeadLetters(serviceConfig(service, io.env).databaseUrl);
    try {
      await work(rows);
    } finally {
      await rows.close();
    }
  };

  const outbox = program.command('outbox').description("outbox rows a service's relay set aside because they could never be published");
  outbox
    .command('list')
    .description('the set-aside rows of a service, with their reasons')
    .requiredOption('--service <name>', SERVICE_NAMES.join(' | '))
    .option('--limit <n>', 'at most this many', parseLimit, 50)
    .action((options: { service: string; limit: number }) =>
      withSetAside(options.service, async (rows) => {
        const listed = await rows.list(options.limit);
        const now = new Date();
        table([['ID', 'TYPE', 'AGE', 'REASON'], ...listed.map((row) => [row.id, row.type, age(row.failedAt.toISOString(), now), row.reason.replace(/\s+/g, ' ').slice(0, 160)])]).forEach((line) => io.out(line));
        io.out(`${listed.length} set-aside row(s) of ${options.service}`);
      }),
    );
  outbox
    .command('retry')
    .description('move set-aside rows back into the outbox (fix their cause first); the relay publishes them')
    .requiredOption('--service <name>', SERVICE_NAMES.join(' | '))
    .option('--id <id>', 'only this row', parseRowId)
    .option('--all', 'every row')
    .option('--dry-run', 'say what would be moved, change nothing')
    .action((options: { service: string; id?: string; all?: boolean; dryRun?: boolean }) =>
      withSetAside(options.service, async (rows) => {
        if ((options.id === undefined) === (options.all === undefined)) {
          io.err('outbox retry needs exactly one of --id or --all');
          code = 2;
          return;
        }
        const ids = await rows.retry(options.id ? { id: options.id } : { all: true }, options.dryRun);
        io.out(`${options.dryRun ? 'would move' : 'moved'} ${ids.length} row(s) of ${options.service} back into the outbox`);
        if (!options.dryRun) io.out(`recorded in ${await audit({ command: 'outbox-retry', queue: `${options.service} outbox`, messageIds: ids }, io.env)}`);
      }),
    );

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    io.err((error as Error).message);
    return 1;
  }
}

/** Runs the CLI on this process's arguments and exits with its code. */
export function main(): void {
  void runCli(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    interactive: Boolean(process.stderr.isTTY),
    env: process.env,
  }).then((code) => process.exit(code));
}

if (require.main === module) main();
