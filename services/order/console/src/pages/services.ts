import { h } from '../dom';
import { get } from '../api';
import { formatAge, formatTime } from '../format';
import { errorBox, facts, loading } from '../ui';
import type { OverviewJson, ReplicaStateJson, ServiceStateJson } from '../types';

/** A card per service (with a line per replica when it runs several), refreshed every 5 s while the page is open. */
export function servicesPage(root: HTMLElement): () => void {
  const cards = h('div', { class: 'cards' }, loading());
  const status = h('p', { class: 'muted', role: 'status' });
  let shown = false;

  async function refresh(): Promise<void> {
    try {
      const overview = await get<OverviewJson>('/console/api/overview');
      cards.replaceChildren(...overview.services.map(card));
      status.replaceChildren(`Updated ${formatTime(new Date().toISOString())}`, overview.operatorActions ? '' : ' · operator actions are disabled on the server (no token configured)');
      shown = true;
    } catch (error) {
      // Keep the last cards and say that they are stale.
      if (shown) status.replaceChildren(errorBox(error));
      else cards.replaceChildren(errorBox(error));
    }
  }

  root.replaceChildren(h('div', { class: 'page-title' }, h('h1', null, 'Services')), status, cards);
  void refresh();
  const timer = window.setInterval(() => void refresh(), 5000);
  return () => window.clearInterval(timer);
}

function card(service: ServiceStateJson): HTMLElement {
  const { outbox, breakers, errorQueue } = service;
  const breaker = (state: string | undefined) => h('span', { class: `breaker breaker-${state ?? 'unknown'}` }, state ?? 'unknown');
  return h(
    'article',
    { class: `card health-${service.health}`, 'data-testid': 'service-card', 'data-service': service.service },
    h('header', null, h('h2', null, service.service), h('span', { class: `health health-badge-${service.health}`, 'data-testid': 'service-health' }, service.health)),
    service.replicas.length > 1
      ? h('ul', { class: 'replicas', 'data-testid': 'replicas' }, ...service.replicas.map(replicaLine))
      : h('p', { class: 'mono muted' }, service.url),
    facts([
      ['Consumer breaker', breaker(breakers?.consumer)],
      ['Relay breaker', breaker(breakers?.relay)],
      ...('error' in outbox
        ? ([['Outbox', h('span', { class: 'error-text' }, outbox.error)]] as Array<[string, Node | string]>)
        : ([
            ['Outbox pending', h('span', { 'data-testid': 'outbox-pending' }, String(outbox.pending))],
            ['Oldest pending', outbox.pending ? formatAge(outbox.oldestPendingAgeSeconds) : '—'],
            ['Set aside', String(outbox.setAside)],
            ['Publish failures', outbox.publishFailures === null ? '—' : String(outbox.publishFailures)],
          ] as Array<[string, Node | string]>)),
      ['Error queue', h('span', { 'data-testid': 'error-queue-depth', class: errorQueue.messages ? 'alert-text' : '' }, errorQueue.messages === null ? 'unknown' : String(errorQueue.messages))],
    ]),
  );
}

/** One process of a service: its id, health, breakers and the broker node it uses. */
function replicaLine(replica: ReplicaStateJson): HTMLElement {
  return h(
    'li',
    { 'data-testid': 'replica', 'data-replica': replica.replica ?? '' },
    h('span', { class: `health health-badge-${replica.health}` }, replica.health),
    ' ',
    h('span', { class: 'mono' }, replica.replica ?? replica.url),
    h('span', { class: 'muted' }, ` · consumer ${replica.breakers?.consumer ?? 'unknown'} · relay ${replica.breakers?.relay ?? 'unknown'}${replica.broker ? ` · ${replica.broker}` : ''}`),
  );
}
