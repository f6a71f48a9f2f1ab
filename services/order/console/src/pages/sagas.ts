import { h } from '../dom';
import { get } from '../api';
import { navigate } from '../nav';
import { ageOf } from '../format';
import { coalesce, followSagas, liveIndicator } from '../live';
import { badge, errorBox, load, loading, statusBadge, table } from '../ui';
import { sagaFilterForm, FILTER_NAMES } from './sagaFilters';
import type { OverviewJson, SagaEventJson, SagaListJson, SagaSummaryJson } from '../types';

const PAGE_SIZE = 50;

/** The front page: counts, filters (kept in the hash query, so a URL can be shared) and the sagas, newest first, live. */
export function sagasPage(root: HTMLElement, _params: string[], query: URLSearchParams): () => void {
  const filters = new URLSearchParams();
  for (const name of FILTER_NAMES) {
    const value = query.get(name);
    if (value) filters.set(name, value);
  }
  const live = liveIndicator();
  const overviewBox = h('div', { class: 'overview', 'data-testid': 'overview' });
  const listBox = h('div', { class: 'saga-list' });
  const pager = h('div', { class: 'pager' });
  // Cursors of the pages before the one shown; empty on the first (newest) page.
  const cursors: string[] = [];
  const rows = new Map<string, HTMLTableRowElement>();

  const loadOverview = (): Promise<void> => load(overviewBox, () => get<OverviewJson>('/console/api/overview'), overviewCounts);

  async function loadList(): Promise<void> {
    const params = new URLSearchParams(filters);
    params.set('limit', String(PAGE_SIZE));
    const cursor = cursors.at(-1);
    if (cursor) params.set('cursor', cursor);
    if (!listBox.firstChild) listBox.replaceChildren(loading());
    try {
      const list = await get<SagaListJson>(`/console/api/sagas?${params}`);
      rows.clear();
      const trs = list.items.map((saga) => {
        const tr = sagaRow(saga);
        rows.set(saga.orderId, tr);
        return tr;
      });
      listBox.replaceChildren(
        trs.length
          ? table(['Order', 'Status', 'Current step', 'Version', 'User', 'Total', 'Age', 'Flags'], trs, { class: 'sagas', 'data-testid': 'sagas' })
          : h('p', { class: 'empty', 'data-testid': 'sagas-empty' }, filters.size ? 'No saga matches these filters.' : 'No sagas yet.'),
      );
      pager.replaceChildren(
        h(
          'div',
          { class: 'buttons' },
          cursors.length ? h('button', { type: 'button', 'data-testid': 'first-page', onclick: () => turn(null) }, 'Newest') : null,
          list.nextCursor ? h('button', { type: 'button', 'data-testid': 'next-page', onclick: () => turn(list.nextCursor) }, 'Older') : null,
        ),
      );
    } catch (error) {
      listBox.replaceChildren(errorBox(error));
    }
  }

  function turn(cursor: string | null): void {
    if (cursor) cursors.push(cursor);
    else cursors.length = 0;
    listBox.replaceChildren(loading());
    void loadList();
  }

  const refetchFirstPage = coalesce(() => void loadList(), 500);
  const refreshOverview = coalesce(() => void loadOverview(), 1000);

  function onSaga(event: SagaEventJson): void {
    refreshOverview();
    const row = rows.get(event.orderId);
    if (row) {
      if (event.version > Number(row.dataset.version)) updateRow(row, event);
      return;
    }
    // An order not on the page: a new saga belongs at the top of the first page, and with filters
    // set any saga may have come to match them. Asking the server keeps its filtering the only one.
    if (cursors.length === 0 && (event.lifecycle.includes('order.created') || filters.size > 0)) refetchFirstPage();
  }

  const stopFollowing = followSagas('/api/events', onSaga, live.set);
  const ticker = window.setInterval(() => {
    for (const cell of listBox.querySelectorAll<HTMLElement>('[data-created-at]')) cell.textContent = ageOf(cell.dataset.createdAt ?? '');
  }, 1000);

  root.replaceChildren(
    h('div', { class: 'page-title' }, h('h1', null, 'Sagas'), live.el),
    overviewBox,
    sagaFilterForm(filters, (next) => navigate(next.size ? `#/sagas?${next}` : '#/sagas')),
    listBox,
    pager,
  );
  void loadOverview();
  void loadList();

  return () => {
    stopFollowing();
    refetchFirstPage.cancel();
    refreshOverview.cancel();
    window.clearInterval(ticker);
  };
}

function overviewCounts(overview: OverviewJson): HTMLElement {
  const { inFlight, stuck, parked, byStatus } = overview.sagas;
  const count = (label: string, value: number, testid: string, kind = '') =>
    h('div', { class: `count ${kind}` }, h('span', { class: 'count-value', 'data-testid': testid }, value), h('span', { class: 'count-label' }, label));
  return h(
    'div',
    { class: 'counts' },
    count('in flight', inFlight, 'inflight-count', 'count-inflight'),
    count('stuck', stuck, 'stuck-count', stuck > 0 ? 'count-alert' : ''),
    count('parked', parked, 'parked-count', parked > 0 ? 'count-warn' : ''),
    Object.entries(byStatus).map(([status, value]) =>
      h('div', { class: 'count' }, h('span', { class: 'count-value', 'data-testid': `status-count-${status}` }, value), h('span', { class: `count-label status-text-${status}` }, status)),
    ),
  );
}

function sagaRow(saga: SagaSummaryJson): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-testid': 'saga-row', 'data-order-id': saga.orderId, 'data-version': saga.version },
    h('td', { class: 'mono' }, h('a', { href: `#/sagas/${encodeURIComponent(saga.orderId)}`, 'data-testid': 'saga-link' }, saga.orderId)),
    h('td', { 'data-cell': 'status' }, statusBadge(saga.status)),
    h('td', { 'data-cell': 'step', 'data-testid': 'saga-step' }, saga.currentStep),
    h('td', { class: 'num' }, `v${saga.definitionVersion}`),
    h('td', { class: 'mono' }, saga.userId),
    h('td', { class: 'num' }, saga.totalAmount),
    h('td', { class: 'num', 'data-created-at': saga.createdAt, title: saga.createdAt }, ageOf(saga.createdAt)),
    h(
      'td',
      null,
      saga.stuck !== null ? badge('stuck', 'stuck', { 'data-testid': 'stuck-badge', title: saga.stuck }) : null,
      saga.parked ? badge('parked', 'parked', { 'data-testid': 'parked-badge' }) : null,
    ),
  );
}

function updateRow(row: HTMLTableRowElement, event: SagaEventJson): void {
  row.dataset.version = String(event.version);
  row.querySelector('[data-cell="status"]')?.replaceChildren(statusBadge(event.status));
  const step = row.querySelector('[data-cell="step"]');
  if (step) step.textContent = event.currentStep;
  row.classList.remove('flash');
  void row.offsetWidth; // restarts the highlight animation
  row.classList.add('flash');
}
