import { h } from '../dom';
import { get } from '../api';
import { asText, formatTime } from '../format';
import { load, table } from '../ui';
import type { AuditJson } from '../types';

/** Who replayed or purged what, newest first. */
export function auditPage(root: HTMLElement): void {
  const box = h('div');
  root.replaceChildren(h('div', { class: 'page-title' }, h('h1', null, 'Audit')), box);
  void load(box, () => get<AuditJson>('/console/api/audit?limit=100'), ({ entries }) => {
    if (!entries.length) return h('p', { class: 'empty' }, 'No operator action yet.');
    const newestFirst = [...entries].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    return table(
      ['Time', 'User', 'Via', 'Command', 'Queue', 'How many', 'Filter'],
      newestFirst.map((e) =>
        h(
          'tr',
          { 'data-testid': 'audit-entry' },
          h('td', null, formatTime(e.at)),
          h('td', null, e.user),
          h('td', null, e.via ?? '—'),
          h('td', { class: 'mono' }, e.command),
          h('td', { class: 'mono' }, e.queue),
          h('td', { class: 'num', title: e.messageIds.join('\n') }, String(e.replayed ?? e.purged ?? e.messageIds.length), e.failed?.length ? ` (${e.failed.length} failed)` : ''),
          h('td', { class: 'mono wrap' }, e.filter === undefined ? '—' : asText(e.filter)),
        ),
      ),
    );
  });
}
