import type { SagaDetailJson } from './consoleApi';
import type { Fleet } from './fleet';

const TIMEOUT_MS = 3000;

type Report = SagaDetailJson['participants'][number];

/**
 * What each participant's own API reports about one order (its reservations, payments,
 * shipments), or why it could not say. Each replica is asked in turn until one answers.
 */
export async function participantReports(fleet: Fleet, orderId: string): Promise<SagaDetailJson['participants']> {
  const reporting = fleet.members().filter((member) => member.orderReport);
  return Promise.all(
    reporting.map(async ({ service, replicaUrls, orderReport }) => {
      let report: Report = { service, what: orderReport!.what, error: 'no replica to ask' };
      for (const url of replicaUrls) {
        report = await askOne(service, url, orderReport!, orderId);
        if (!('error' in report)) break;
      }
      return report;
    }),
  );
}

async function askOne(service: string, url: string, { what, path }: { what: string; path: string }, orderId: string): Promise<Report> {
  try {
    const answer = await fetch(`${url}${path}?orderId=${encodeURIComponent(orderId)}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
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
}
