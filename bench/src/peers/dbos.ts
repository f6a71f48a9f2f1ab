import { DBOS } from '@dbos-inc/dbos-sdk';
import { PostgresDataSource } from '@dbos-inc/postgres-datasource';
import type { Engine, EngineSettings } from './engine';
import { FIRST_STEP, outcomeOf, placeOrder, STEP_NAMES, STEPS, type Next, type Outcome, type Query, type SagaInput, type StepName } from './steps';

/**
 * The saga as one DBOS workflow per order (its id the order's), each step a transaction of
 * DBOS's Postgres data source: the step's writes and DBOS's record of its result
 * (dbos.transaction_completion) commit together in the peer's database, and the workflow
 * checkpoints each step in DBOS's system database. The order row is the workflow's first
 * transaction: DBOS keeps its workflows in a database of their own, so the order and the
 * workflow's start cannot commit together; the start (with its input) is durable before
 * the first step runs. ValidateInventory is a read-only transaction (checkpointed in the
 * system database only, as DBOS does for those).
 */
export async function startDbos({ databaseUrl, systemDatabaseUrl, poolSize }: EngineSettings): Promise<Engine> {
  const url = new URL(databaseUrl);
  const dataSource = new PostgresDataSource('peer', {
    host: url.hostname,
    port: Number(url.port || 5432),
    database: decodeURIComponent(url.pathname.slice(1)),
    username: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password) || undefined,
    max: poolSize,
    onnotice: () => undefined,
  });
  // Prepared once per connection, as postgres.js does for its tagged templates (and as the services' statements are, ADR 13).
  const q: Query = async <Row>(text: string, params: unknown[]) => (await dataSource.client.unsafe(text, params as never[], { prepare: true })) as unknown as Row[];

  const place = dataSource.registerTransaction(async (o: SagaInput) => placeOrder(q, o), { name: 'placeOrder' });
  const steps = Object.fromEntries(
    STEP_NAMES.map((name) => [name, dataSource.registerTransaction(async (o: SagaInput) => STEPS[name](q, o), { name, readOnly: name === 'validate' })]),
  ) as Record<StepName, (o: SagaInput) => Promise<Next>>;

  const saga = DBOS.registerWorkflow(
    async (o: SagaInput): Promise<Outcome> => {
      await place(o);
      let step: Next = FIRST_STEP;
      let last: StepName = FIRST_STEP;
      while (step !== 'end') {
        last = step;
        step = await steps[step](o);
      }
      return outcomeOf(last);
    },
    { name: 'orderSaga' },
  );

  DBOS.setConfig({
    name: 'bench-peer',
    systemDatabaseUrl,
    systemDatabasePoolSize: poolSize,
    runAdminServer: false,
    tracingEnabled: false,
    logLevel: 'warn',
  });
  await DBOS.launch();
  return {
    async placeOrder(o: SagaInput) {
      const handle = await DBOS.startWorkflow(saga, { workflowID: o.orderId })(o);
      return handle.getResult();
    },
    stop: () => DBOS.shutdown(),
  };
}
