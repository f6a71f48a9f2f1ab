import { Logger, run, type Task } from 'graphile-worker';
import { Pool } from 'pg';
import type { Engine, EngineSettings } from './engine';
import { inPoolTransaction, inTransaction } from './pg';
import { FIRST_STEP, firstTime, outcomeOf, placeOrder, STEP_NAMES, STEPS, type Outcome, type Query, type SagaInput, type StepName } from './steps';

/** graphile-worker's warnings and errors only (its info lines would be one per job). */
const logger = new Logger(() => (level, message) => {
  if (level === 'error' || level === 'warning') process.stderr.write(`graphile-worker ${level}: ${message}\n`);
});

const addJob = (q: Query, step: StepName, o: SagaInput) => q('select id from graphile_worker.add_job($1::text, $2::json)', [step, JSON.stringify(o)]);

/**
 * The saga as a chain of graphile-worker jobs, one task per step. A step's job is one
 * transaction on the worker's pool: its inbox row (a job that runs again finds it and does
 * nothing), the step's writes and the next step's job (add_job), then COMMIT. Placing the
 * order inserts it and the first job in one transaction. The request waits in memory for
 * the last step's commit.
 */
export async function startGraphile({ databaseUrl, poolSize, concurrency }: EngineSettings): Promise<Engine> {
  const pool = new Pool({ connectionString: databaseUrl, max: poolSize });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined)); // a client's lost connection fails its query, not the process
  const waiting = new Map<string, (outcome: Outcome) => void>();
  const ended = (orderId: string, outcome: Outcome) => {
    waiting.get(orderId)?.(outcome);
    waiting.delete(orderId);
  };

  const task =
    (step: StepName): Task =>
    async (payload, helpers) => {
      const o = payload as SagaInput;
      const next = await helpers.withPgClient((client) =>
        inTransaction(client, async (q) => {
          if (!(await firstTime(q, o.orderId, step))) return 'done before';
          const following = await STEPS[step](q, o);
          if (following !== 'end') await addJob(q, following, o);
          return following;
        }),
      );
      if (next === 'end' || (next === 'done before' && (step === 'complete' || step === 'fail'))) ended(o.orderId, outcomeOf(step));
    };

  const runner = await run({
    pgPool: pool,
    concurrency,
    noHandleSignals: true,
    logger,
    taskList: Object.fromEntries(STEP_NAMES.map((step) => [step, task(step)])),
  });

  return {
    async placeOrder(o: SagaInput) {
      const outcome = new Promise<Outcome>((resolve) => waiting.set(o.orderId, resolve));
      try {
        await inPoolTransaction(pool, async (q) => {
          await placeOrder(q, o);
          await addJob(q, FIRST_STEP, o);
        });
      } catch (error) {
        waiting.delete(o.orderId);
        throw error;
      }
      return outcome;
    },
    async stop() {
      await runner.stop();
      await pool.end();
    },
  };
}
