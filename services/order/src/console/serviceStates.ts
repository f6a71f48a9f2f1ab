import { sql } from 'drizzle-orm';
import { outbox, outboxDeadLetters } from '@saga/shared';
import type { ServiceStateJson } from './consoleApi';
import type { ErrorQueueConsole } from './errorQueueConsole';
import type { Fleet } from './fleet';

const TIMEOUT_MS = 3000;

interface Health {
  status?: string;
  breakers?: { consumer: string; relay: string };
  outbox?: { publishFailures?: number };
}

/** Each service's health, breakers, outbox and error queue depth, as an operator's overview. */
export async function serviceStates(fleet: Fleet, errorQueues: ErrorQueueConsole): Promise<ServiceStateJson[]> {
  const depths = await errorQueues.depths();
  return Promise.all(
    fleet.members().map(async ({ service, url, errorQueue }): Promise<ServiceStateJson> => {
      const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(TIMEOUT_MS) })
        .then(async (answer) => (await answer.json()) as Health)
        .catch(() => undefined);
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
        outboxState = { pending: row?.pending ?? 0, oldestPendingAgeSeconds: row?.oldest ?? 0, setAside: row?.setAside ?? 0, publishFailures: health?.outbox?.publishFailures ?? null };
      } catch (error) {
        outboxState = { error: (error as Error).message };
      }
      const status = health?.status;
      return {
        service,
        url,
        health: status === 'up' || status === 'degraded' || status === 'down' ? status : 'unreachable',
        breakers: health?.breakers ?? null,
        outbox: outboxState,
        errorQueue: { queue: errorQueue, messages: depths.get(service) ?? null },
      };
    }),
  );
}
