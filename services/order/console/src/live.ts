import { h } from './dom';
import type { SagaEventJson } from './types';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

/** The "live" / "reconnecting" indicator of a page that follows a stream. */
export function liveIndicator(): { el: HTMLElement; set: (state: LiveState) => void } {
  const el = h('span', { class: 'live live-connecting', 'data-testid': 'live-state', role: 'status' }, 'connecting');
  return {
    el,
    set(state) {
      el.textContent = state;
      el.className = `live live-${state}`;
    },
  };
}

/**
 * Follows the `saga` events of a stream. EventSource reconnects by itself (resuming from the
 * last id); when it gives up (the server answered with an error) we open a new one a little later.
 * Returns the function that stops following.
 */
export function followSagas(url: string, onSaga: (event: SagaEventJson) => void, onState: (state: LiveState) => void): () => void {
  let source: EventSource | null = null;
  let retry: number | undefined;
  const open = (): void => {
    source = new EventSource(url);
    source.onopen = () => onState('live');
    source.onerror = () => {
      onState('reconnecting');
      if (source?.readyState === EventSource.CLOSED) {
        source.close();
        retry = window.setTimeout(open, 3000);
      }
    };
    source.addEventListener('saga', (message) => {
      let event: SagaEventJson;
      try {
        event = JSON.parse((message as MessageEvent<string>).data) as SagaEventJson;
      } catch {
        return; // Not ours to fix here; the next event will do.
      }
      onSaga(event);
    });
  };
  open();
  return () => {
    window.clearTimeout(retry);
    source?.close();
  };
}

/**
 * Runs `fn` at most once per `ms`, after the calls settle: the first call schedules it, later
 * calls before it runs are folded into it.
 */
export function coalesce(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: number | undefined;
  const call = (): void => {
    if (timer !== undefined) return;
    timer = window.setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };
  call.cancel = () => {
    window.clearTimeout(timer);
    timer = undefined;
  };
  return call;
}
