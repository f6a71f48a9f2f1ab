import { h } from '../dom';
import { asText, formatMs, formatTime, shortId } from '../format';
import { badge, button, facts, statusBadge, table } from '../ui';
import type { DeadMessageJson, SagaDetailJson, SagaMessageJson, SagaTraceJson } from '../types';

export function summary(detail: SagaDetailJson): HTMLElement {
  const { saga, order } = detail;
  return facts([
    ['Status', statusBadge(saga.status)],
    ['Order status', h('span', { 'data-testid': 'order-status' }, order.status)],
    ['Current step', h('span', { 'data-testid': 'current-step' }, saga.currentStep)],
    ['Definition version', `v${saga.definitionVersion}`],
    [
      'Flags',
      saga.parked || saga.stuck !== null
        ? h(
            'span',
            null,
            saga.parked ? badge('parked', 'parked', { 'data-testid': 'parked-badge' }) : null,
            saga.stuck !== null ? badge('stuck', 'stuck', { 'data-testid': 'stuck-badge', title: saga.stuck }) : null,
            saga.stuck !== null ? h('span', { class: 'muted' }, ` ${saga.stuck}`) : null,
          )
        : '—',
    ],
    ['Failure reason', h('span', { 'data-testid': 'failure-reason' }, saga.failureReason ?? '—')],
    ['Step deadline', formatTime(saga.stepDeadlineAt)],
    ['Saga deadline', formatTime(saga.deadlineAt)],
    [
      'Waiting for',
      h(
        'ul',
        { class: 'inline-list mono', 'data-testid': 'waiting-for' },
        saga.waitingFor.length ? saga.waitingFor.map((type) => h('li', null, type)) : h('li', { class: 'muted' }, 'nothing'),
      ),
    ],
    ['User', h('span', { class: 'mono' }, saga.userId)],
    ['Total', order.totalAmount],
    ['Created', formatTime(saga.createdAt)],
    ['Updated', formatTime(saga.updatedAt)],
    ['Completed', formatTime(saga.completedAt)],
    ['Trace', traceOf(saga.trace)],
  ]);
}

/** The order's trace id, linked to the trace viewer when the service has TRACE_UI_URL (its template, validated at start-up). */
function traceOf(trace: SagaTraceJson | null): HTMLElement | string {
  if (!trace) return '—';
  if (!trace.url) return h('span', { class: 'mono', 'data-testid': 'trace-id' }, trace.traceId);
  return h('a', { class: 'mono', href: trace.url, target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'trace-link' }, trace.traceId);
}

export function orderItems(detail: SagaDetailJson): HTMLElement {
  const { order } = detail;
  return h(
    'div',
    null,
    table(
      ['Product', 'Quantity', 'Price'],
      order.items.map((item) => h('tr', null, h('td', null, item.productName ?? item.productId), h('td', { class: 'num' }, item.quantity), h('td', { class: 'num' }, item.price))),
    ),
    order.shippingAddress ? h('p', { class: 'muted' }, 'Ships to: ', Object.values(order.shippingAddress).join(', ')) : null,
  );
}

export function messages(list: SagaMessageJson[]): HTMLElement {
  if (!list.length) return h('p', { class: 'empty', 'data-testid': 'messages' }, 'No messages recorded.');
  return table(
    ['Type', 'From → to', 'Message id', 'Committed', 'Published', 'Handled', 'In outbox', 'In broker', 'In handler', 'State'],
    list.map((m) =>
      h(
        'tr',
        { 'data-testid': 'message-row', 'data-message-id': m.messageId, 'data-state': m.state },
        h('td', { class: 'mono' }, m.type),
        h('td', null, `${m.from} → ${m.to ?? '…'}`),
        h('td', { class: 'mono', title: m.messageId }, shortId(m.messageId)),
        h('td', null, formatTime(m.committedAt)),
        h('td', null, formatTime(m.publishedAt)),
        h('td', null, formatTime(m.handledAt)),
        h('td', { class: 'num' }, formatMs(m.inOutboxMs)),
        h('td', { class: 'num' }, formatMs(m.inBrokerMs)),
        h('td', { class: 'num' }, formatMs(m.inHandlerMs)),
        h('td', null, h('span', { class: `msg-state msg-state-${m.state}` }, m.state)),
      ),
    ),
    { 'data-testid': 'messages' },
  );
}

/** Participant items are each service's own JSON: shown generically, one column per key. */
export function participants(detail: SagaDetailJson): HTMLElement {
  return h(
    'div',
    { class: 'participants', 'data-testid': 'participants' },
    detail.participants.map((p) =>
      h(
        'div',
        { class: 'participant', 'data-testid': 'participant', 'data-service': p.service },
        h('h3', null, `${p.service}: ${p.what}`),
        'error' in p ? h('p', { class: 'error-text' }, p.error) : genericTable(p.items),
      ),
    ),
  );
}

function genericTable(items: unknown[]): HTMLElement {
  if (!items.length) return h('p', { class: 'empty' }, 'Nothing.');
  const objects = items.map((item) => (item && typeof item === 'object' && !Array.isArray(item) ? (item as Record<string, unknown>) : { value: item }));
  const keys = [...new Set(objects.flatMap((o) => Object.keys(o)))];
  return table(keys, objects.map((o) => h('tr', null, keys.map((k) => h('td', null, asText(o[k]))))));
}

export function orderErrors(errors: DeadMessageJson[], replay: (error: DeadMessageJson) => void): HTMLElement {
  if (!errors.length) return h('p', { class: 'empty' }, 'No message about this order is in an error queue.');
  return table(
    ['Queue', 'Type', 'Reason', 'Detail', 'Attempts', ''],
    errors.map((e) =>
      h(
        'tr',
        { 'data-testid': 'order-error', 'data-message-id': e.messageId, 'data-service': e.service },
        h('td', { class: 'mono' }, e.queue),
        h('td', { class: 'mono' }, e.type),
        h('td', null, e.reason),
        h('td', { class: 'detail-cell' }, e.detail),
        h('td', { class: 'num' }, e.attempts),
        h('td', null, button('Replay', () => replay(e), { 'data-testid': 'replay-one' })),
      ),
    ),
  );
}
