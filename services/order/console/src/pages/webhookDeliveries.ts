import { h } from '../dom';
import { get, post, seg } from '../api';
import { reportActionError } from '../alerts';
import { formatMs, formatTime } from '../format';
import { button, errorBox, facts, load, loading, table } from '../ui';
import type { DeliveryDetailJson, DeliveryJson, WebhookJson } from './webhookTypes';

/** A subscriber's latest deliveries, each resendable and openable. */
export function deliveriesPanel(hook: WebhookJson, onClose: () => void): HTMLElement {
  const base = `/api/webhooks/${seg(hook.id)}/deliveries`;
  const list = h('div', null, loading());
  const detail = h('div');
  const notice = h('div', { role: 'status' });

  const refresh = (): Promise<void> =>
    load(list, () => get<{ items: DeliveryJson[] }>(`${base}?limit=50`), ({ items }) =>
      items.length
        ? table(
            ['Event', 'Status', 'Attempts', 'Next attempt', 'Last status', 'Last error', 'Created', 'Delivered', ''],
            items.map((d) =>
              h(
                'tr',
                { 'data-testid': 'webhook-delivery', 'data-delivery-id': d.id, 'data-status': d.status },
                h('td', { class: 'mono' }, d.eventType),
                h('td', null, h('span', { class: `delivery delivery-${d.status}` }, d.status)),
                h('td', { class: 'num' }, d.attempts),
                h('td', null, formatTime(d.nextAttemptAt)),
                h('td', { class: 'num' }, d.lastStatusCode ?? '—'),
                h('td', { class: 'wrap' }, d.lastError ?? '—'),
                h('td', null, formatTime(d.createdAt)),
                h('td', null, formatTime(d.deliveredAt)),
                h(
                  'td',
                  { class: 'buttons' },
                  button('Details', () => void open(d.id), { 'data-testid': 'delivery-open' }),
                  button('Resend', () => resend(d.id), { 'data-testid': 'delivery-resend' }),
                ),
              ),
            ),
          )
        : h('p', { class: 'empty' }, 'No deliveries yet.'),
    );

  function resend(id: string): void {
    post(`${base}/${seg(id)}/resend`).then(
      () => {
        notice.replaceChildren(h('p', { class: 'result result-ok', 'data-testid': 'delivery-resent' }, 'Queued for another delivery.'));
        void refresh();
      },
      (error: unknown) => reportActionError(error),
    );
  }

  async function open(id: string): Promise<void> {
    detail.replaceChildren(loading());
    try {
      const d = await get<DeliveryDetailJson>(`${base}/${seg(id)}`);
      detail.replaceChildren(deliveryDetail(d));
    } catch (error) {
      detail.replaceChildren(errorBox(error));
    }
  }

  void refresh();
  return h(
    'section',
    { class: 'panel', 'data-testid': 'webhook-deliveries', 'data-webhook-id': hook.id },
    h('div', { class: 'toolbar' }, h('h2', null, 'Deliveries to ', h('span', { class: 'mono' }, hook.url)), button('Refresh', () => void refresh()), button('Close', onClose)),
    notice,
    list,
    detail,
  );
}

function deliveryDetail(d: DeliveryDetailJson): HTMLElement {
  return h(
    'div',
    { class: 'dead-detail', 'data-testid': 'webhook-delivery-detail', 'data-delivery-id': d.id },
    h('h3', null, 'Delivery ', h('span', { class: 'mono' }, d.id)),
    facts([
      ['Event', d.eventType],
      ['Status', d.status],
      ['Created', formatTime(d.createdAt)],
      ['Delivered', formatTime(d.deliveredAt)],
      ['Next attempt', formatTime(d.nextAttemptAt)],
      ['Last error', d.lastError ?? '—'],
    ]),
    h('h4', null, 'Attempts'),
    d.attempts.length
      ? table(
          ['#', 'At', 'Status', 'Error', 'Duration'],
          d.attempts.map((a) =>
            h('tr', { 'data-testid': 'delivery-attempt' }, h('td', { class: 'num' }, a.attempt), h('td', null, formatTime(a.at)), h('td', { class: 'num' }, a.statusCode ?? '—'), h('td', { class: 'wrap' }, a.error ?? '—'), h('td', { class: 'num' }, formatMs(a.durationMs))),
          ),
        )
      : h('p', { class: 'empty' }, 'Not attempted yet.'),
    h('h4', null, 'Payload'),
    h('pre', { class: 'pre', 'data-testid': 'delivery-payload' }, JSON.stringify(d.payload, null, 2)),
  );
}
