import { h } from '../dom';
import { get, seg } from '../api';
import { formatTime, shortId } from '../format';
import { startPurge, startReplay } from '../replay';
import { button, errorBox, facts, loading, table } from '../ui';
import type { DeadMessageJson, ErrorQueuesJson } from '../types';

type Queue = ErrorQueuesJson['queues'][number];
interface Selection {
  service: string;
  reason: string;
  type: string;
  messageId: string | null;
}

/**
 * The services' error queues grouped by reason and type. One group is open at a time (its
 * messages listed, one of them perhaps in detail); replays and purges confirm first.
 */
export function errorsPage(root: HTMLElement): void {
  const body = h('div', null, loading());
  const panels = new Map<string, HTMLElement>(); // per service, kept across refreshes
  let selection: Selection | null = null;

  const panelOf = (service: string): HTMLElement => {
    let panel = panels.get(service);
    if (!panel) panels.set(service, (panel = h('div', { class: 'action-panel' })));
    return panel;
  };
  const showIn = (service: string): HTMLElement => {
    for (const [other, panel] of panels) if (other !== service) panel.replaceChildren();
    return panelOf(service);
  };

  let latest = 0;
  async function refresh(): Promise<void> {
    const mine = ++latest;
    try {
      const data = await get<ErrorQueuesJson>('/console/api/error-queues');
      if (mine !== latest) return; // a newer refresh is under way
      body.replaceChildren(...(data.queues.length ? data.queues.map(queueSection) : [h('p', { class: 'empty' }, 'No error queues.')]));
    } catch (error) {
      body.replaceChildren(errorBox(error));
    }
  }

  function select(next: Selection | null): void {
    selection = next;
    void refresh();
  }

  function queueSection(q: Queue): HTMLElement {
    const open = selection?.service === q.service ? selection : null;
    return h(
      'section',
      { class: 'panel', 'data-testid': 'error-queue', 'data-service': q.service },
      h(
        'div',
        { class: 'section-head' },
        h('h2', null, q.service, ' ', h('span', { class: 'mono muted' }, q.queue)),
        h('span', { class: `count-pill ${q.messages ? 'count-pill-alert' : ''}`, 'data-testid': 'error-queue-count' }, q.messages === null ? 'unknown' : `${q.messages} message(s)`),
        q.messages !== 0 ? button('Purge queue', () => startPurge(showIn(q.service), q.service, q.queue, () => select(null)), { class: 'danger', 'data-testid': 'purge' }) : null,
      ),
      q.error ? h('p', { class: 'error-text' }, q.error) : null,
      q.truncated ? h('p', { class: 'muted' }, 'More messages than were read to group them: the counts below are partial.') : null,
      panelOf(q.service),
      q.groups.length
        ? table(
            ['Reason', 'Type', 'Count'],
            q.groups.map((g) => {
              const isOpen = open?.reason === g.reason && open.type === g.type;
              return h(
                'tr',
                {
                  class: `clickable ${isOpen ? 'selected' : ''}`,
                  'data-testid': 'error-group',
                  'data-reason': g.reason,
                  'data-type': g.type,
                  onclick: () => select(isOpen ? null : { service: q.service, reason: g.reason, type: g.type, messageId: null }),
                },
                h('td', null, h('button', { type: 'button', class: 'link', 'aria-expanded': isOpen ? 'true' : 'false' }, g.reason)),
                h('td', { class: 'mono' }, g.type),
                h('td', { class: 'num' }, g.count),
              );
            }),
          )
        : q.error
          ? null
          : h('p', { class: 'empty' }, 'Empty.'),
      open ? groupMessages(q, open) : null,
    );
  }

  function groupMessages(q: Queue, open: Selection): HTMLElement {
    const box = h('div', { class: 'group-messages', 'data-testid': 'group-messages' }, loading());
    const params = new URLSearchParams({ reason: open.reason, type: open.type, limit: '100' });
    get<{ items: DeadMessageJson[] }>(`/console/api/error-queues/${seg(q.service)}/messages?${params}`).then(
      ({ items }) => {
        const chosen = items.find((m) => m.messageId === open.messageId);
        box.replaceChildren(
          h(
            'div',
            null,
            h(
            'div',
            { class: 'toolbar' },
            h('h3', null, `${open.reason} · ${open.type}`),
            button('Replay group', () => startReplay(showIn(q.service), q.service, { reason: open.reason, type: open.type }, () => void refresh()), { 'data-testid': 'replay-group' }),
          ),
          items.length
            ? table(
                ['Message id', 'Correlation (order)', 'Failed at', 'Attempts', 'Sender'],
                items.map((m) =>
                  h(
                    'tr',
                    {
                      class: `clickable ${m.messageId === open.messageId ? 'selected' : ''}`,
                      'data-testid': 'dead-message',
                      'data-message-id': m.messageId,
                      onclick: () => select({ ...open, messageId: m.messageId === open.messageId ? null : m.messageId }),
                    },
                    h('td', { class: 'mono', title: m.messageId }, h('button', { type: 'button', class: 'link' }, shortId(m.messageId))),
                    h('td', { class: 'mono' }, m.correlationId),
                    h('td', null, formatTime(m.failedAt)),
                    h('td', { class: 'num' }, m.attempts),
                    h('td', null, m.sender),
                  ),
                ),
              )
            : h('p', { class: 'empty' }, 'No message in this group any more.'),
          chosen ? messageDetail(chosen, () => startReplay(showIn(q.service), q.service, { messageId: chosen.messageId }, () => void refresh())) : null,
          ),
        );
      },
      (error: unknown) => box.replaceChildren(errorBox(error)),
    );
    return box;
  }

  root.replaceChildren(h('div', { class: 'page-title' }, h('h1', null, 'Error queues'), button('Refresh', () => void refresh(), { 'data-testid': 'refresh' })), body);
  void refresh();
}

function messageDetail(m: DeadMessageJson, replay: () => void): HTMLElement {
  return h(
    'div',
    { class: 'dead-detail', 'data-testid': 'dead-message-detail', 'data-message-id': m.messageId },
    h('div', { class: 'toolbar' }, h('h3', null, 'Message ', h('span', { class: 'mono' }, m.messageId)), button('Replay this message', replay, { 'data-testid': 'replay-one' })),
    facts([
      ['Type', h('span', { class: 'mono' }, m.type)],
      ['Reason', m.reason],
      ['Attempts', String(m.attempts)],
      ['Failed at', formatTime(m.failedAt)],
      ['Failed by', m.failedBy ?? '—'],
      ['Sender', m.sender],
      ['Correlation id', h('a', { href: `#/sagas/${encodeURIComponent(m.correlationId)}`, class: 'mono' }, m.correlationId)],
    ]),
    h('h4', null, 'Exception'),
    h('pre', { class: 'pre', 'data-testid': 'dead-message-exception' }, m.detail || '—'),
    h('h4', null, 'Headers'),
    table(
      ['Header', 'Value'],
      Object.entries(m.headers).map(([k, v]) => h('tr', null, h('td', { class: 'mono' }, k), h('td', { class: 'mono wrap' }, typeof v === 'string' ? v : JSON.stringify(v)))),
    ),
    h('h4', null, 'Body'),
    h('pre', { class: 'pre', 'data-testid': 'dead-message-body' }, m.body),
  );
}
