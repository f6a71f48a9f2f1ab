import { h } from '../dom';
import { get, seg } from '../api';
import { coalesce, followSagas, liveIndicator } from '../live';
import { definitionDrawing } from '../drawing';
import { timeline } from '../timeline';
import { startReplay } from '../replay';
import { errorBox, loading, section } from '../ui';
import { messages, orderErrors, orderItems, participants, summary } from './sagaSections';
import type { SagaDetailJson } from '../types';

/** One saga: summary, timeline, drawing, messages, participants and its error-queue messages, refreshed live. */
export function sagaPage(root: HTMLElement, [orderId = '']: string[]): () => void {
  const live = liveIndicator();
  const content = h('div', { class: 'saga-detail' }, loading());
  // Lives across re-renders, so a replay confirmation survives a live refresh.
  const replayPanel = h('div', { class: 'action-panel' });
  const stale = h('div');
  let shownOnce = false;

  async function refresh(): Promise<void> {
    try {
      const detail = await get<SagaDetailJson>(`/console/api/sagas/${seg(orderId)}`);
      const y = window.scrollY;
      stale.replaceChildren();
      content.replaceChildren(...sections(detail));
      if (shownOnce) window.scrollTo(0, y);
      shownOnce = true;
    } catch (error) {
      // A failed live refresh keeps what is shown and says why above it.
      if (shownOnce) stale.replaceChildren(errorBox(error));
      else content.replaceChildren(errorBox(error));
    }
  }

  function sections(detail: SagaDetailJson): HTMLElement[] {
    return [
      section('Summary', { 'data-testid': 'summary' }, summary(detail)),
      section('Timeline', {}, timeline(detail)),
      section('Definition', {}, definitionDrawing(detail)),
      section('Messages', {}, messages(detail.messages)),
      section('Participants', {}, participants(detail)),
      section('Order items', {}, orderItems(detail)),
      section(
        'Errors for this order',
        { 'data-testid': 'order-errors' },
        orderErrors(detail.errors, (e) => startReplay(replayPanel, e.service, { messageId: e.messageId }, () => void refresh())),
        replayPanel,
      ),
    ];
  }

  const refreshSoon = coalesce(() => void refresh(), 300);
  const stopFollowing = followSagas(`/api/orders/${seg(orderId)}/events`, () => refreshSoon(), live.set);

  root.replaceChildren(
    h('div', { class: 'page-title' }, h('a', { href: '#/sagas', class: 'back' }, '← Sagas'), h('h1', null, 'Saga ', h('span', { class: 'mono' }, orderId)), live.el),
    stale,
    content,
  );
  void refresh();
  return () => {
    stopFollowing();
    refreshSoon.cancel();
  };
}
