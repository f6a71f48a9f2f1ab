import type { SagaDetailJson } from './consoleApi';
import type { Fleet } from './fleet';

const TIMEOUT_MS = 3000;

/** What each participant's own API reports about one order (its reservations, payments, shipments), or why it could not say. */
export async function participantReports(fleet: Fleet, orderId: string): Promise<SagaDetailJson['participants']> {
  const reporting = fleet.members().filter((member) => member.orderReport);
  return Promise.all(
    reporting.map(async ({ service, url, orderReport }) => {
      const what = orderReport!.what;
      try {
        const answer = await fetch(`${url}${orderReport!.path}?orderId=${encodeURIComponent(orderId)}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
        if (!answer.ok) {
          await answer.body?.cancel();
          return { service, what, error: `${url} answered ${answer.status}` };
        }
        const json = (await answer.json()) as unknown;
        const items = Array.isArray(json) ? json : Array.isArray((json as { items?: unknown }).items) ? (json as { items: unknown[] }).items : [json];
        return { service, what, items };
      } catch (error) {
        return { service, what, error: `${url} could not be asked: ${(error as Error).message}` };
      }
    }),
  );
}
