import { Pool } from 'pg';
import type { Engine, EngineSettings } from './engine';
import { inPoolTransaction } from './pg';
import { FIRST_STEP, firstTime, outcomeOf, placeOrder, STEPS, type Next, type SagaInput, type StepName } from './steps';

/**
 * The baseline: no engine. The request runs the saga's transactions itself, one after
 * another (the order, then each step with its inbox row), on a node-postgres pool: what the
 * saga's SQL alone costs. Nothing carries a saga on if the process dies mid-way.
 */
export async function startSqlOnly({ databaseUrl, poolSize }: EngineSettings): Promise<Engine> {
  const pool = new Pool({ connectionString: databaseUrl, max: poolSize });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined)); // a client's lost connection fails its query, not the process
  return {
    async placeOrder(o: SagaInput) {
      await inPoolTransaction(pool, (q) => placeOrder(q, o));
      let step: Next = FIRST_STEP;
      let last: StepName = FIRST_STEP;
      while (step !== 'end') {
        const current: StepName = step;
        last = current;
        step = await inPoolTransaction(pool, async (q) => {
          if (!(await firstTime(q, o.orderId, current))) throw new Error(`step ${current} of order ${o.orderId} was done before`);
          return STEPS[current](q, o);
        });
      }
      return outcomeOf(last);
    },
    stop: () => pool.end(),
  };
}
