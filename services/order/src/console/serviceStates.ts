import { sql } from 'drizzle-orm';
import { outbox, outboxDeadLetters } from '@saga/shared';
import type { HealthJson, ReplicaStateJson, ServiceStateJson } from './consoleApi';
import type { ErrorQueueConsole } from './errorQueueConsole';
import type { Fleet } from './fleet';

const TIMEOUT_MS = 3000;

interface Health {
  status?: string;
  replica?: string;
  broker?: string | null;
  breakers?: { consumer: string; relay: string };
  outbox?: { publishFailures?: number };
}

const HEALTH_ORDER: HealthJson[] = ['up', 'degraded', 'down', 'unreachable'];
const healthOf = (status: unknown): HealthJson => (status === 'up' || status === 'degraded' || status === 'down' ? status : 'unreachable');
/** The worst of several: a service is up only when all its replicas are. */
const worst = (states: HealthJson[]): HealthJson => states.reduce((a, b) => (HEALTH_ORDER.indexOf(b) > HEALTH_ORDER.indexOf(a) ? b : a), 'up');

/** Batches not published since each replica started, summed; null when no replica said. */
function publishFailuresOf(healths: Array<Health | undefined>): number | null {
  const counts = healths.map((health) => health?.outbox?.publishFailures).filter((n): n is number => typeof n === 'number');
  return counts.length > 0 ? counts.reduce((sum, n) => sum + n, 0) : null;
}

async function replicaState(url: string): Promise<{ state: ReplicaStateJson; health?: Health }> {
  const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(TIMEOUT_MS) })
    .then(async (answer) => (await answer.json()) as Health)
    .catch(() => undefined);
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const state = { url, replica: text(health?.replica), health: healthOf(health?.status), breakers: health?.breakers ?? null, broker: text(health?.broker) };
  return { state, health };
}

/** Each service's health (each replica's too), breakers, outbox and error queue depth, as an operator's overview. */
export async function serviceStates(fleet: Fleet, errorQueues: ErrorQueueConsole): Promise<ServiceStateJson[]> {
  const depths = await errorQueues.depths();
  return Promise.all(
    fleet.members().map(async ({ service, url, replicaUrls, errorQueue }): Promise<ServiceStateJson> => {
      const replicas = await Promise.all(replicaUrls.map(replicaState));
      const health = replicas.find((each) => each.health)?.health;
      let outboxState: ServiceStateJson['outbox'];
      try {
        const [row] = await fleet
          .database(service)
          .db.select({
            pending: sql<number>`count(*)::int`,
            oldest: sql<number>`coalesce(extract(epoch from now() - min(${outbox.createdAt})), 0)::float8`,
            setAside: sql<number>`(select count(*) from ${outboxDeadLetters})::int`,
          })
          .from(outbox);
        outboxState = { pending: row?.pending ?? 0, oldestPendingAgeSeconds: row?.oldest ?? 0, setAside: row?.setAside ?? 0, publishFailures: publishFailuresOf(replicas.map((each) => each.health)) };
      } catch (error) {
        outboxState = { error: (error as Error).message };
      }
      return {
        service,
        url,
        health: worst(replicas.map(({ state }) => state.health)),
        breakers: health?.breakers ?? null,
        replicas: replicas.map(({ state }) => state),
        outbox: outboxState,
        errorQueue: { queue: errorQueue, messages: depths.get(service) ?? null },
      };
    }),
  );
}
