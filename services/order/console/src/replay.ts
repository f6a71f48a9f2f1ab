import { h } from './dom';
import { post, seg } from './api';
import { reportActionError } from './alerts';
import { errorBox, loading } from './ui';
import type { DeadMessageFilter, ReplayResultJson } from './types';

const replayUrl = (service: string) => `/console/api/error-queues/${seg(service)}/replay`;

/**
 * Replays messages of a service's error queue in two steps: a dry run says which messages the
 * filter matches (no token needed), the operator confirms, then the real replay runs. Renders into `panel`.
 */
export function startReplay(panel: HTMLElement, service: string, filter: DeadMessageFilter, onDone: () => void): void {
  panel.replaceChildren(loading('Checking which messages would be replayed…'));
  post<ReplayResultJson>(replayUrl(service), { filter, dryRun: true }).then(
    (dry) => panel.replaceChildren(confirmation(panel, service, filter, dry, onDone)),
    (error: unknown) => {
      panel.replaceChildren(errorBox(error));
      reportActionError(error);
    },
  );
}

function confirmation(panel: HTMLElement, service: string, filter: DeadMessageFilter, dry: ReplayResultJson, onDone: () => void): HTMLElement {
  const yes = h('button', { type: 'button', class: 'primary', 'data-testid': 'replay-confirm-yes', disabled: dry.matched === 0 }, `Replay ${dry.matched}`);
  yes.addEventListener('click', () => {
    yes.disabled = true;
    post<ReplayResultJson>(replayUrl(service), { filter, dryRun: false }).then(
      (result) => {
        panel.replaceChildren(outcome(result));
        onDone();
      },
      (error: unknown) => {
        yes.disabled = false;
        reportActionError(error);
      },
    );
  });
  return h(
    'div',
    { class: 'confirm', role: 'dialog', 'aria-label': 'Confirm replay', 'data-testid': 'replay-confirm' },
    h('p', null, h('strong', null, `${dry.matched} message(s) would be replayed`), ` from the ${service} error queue.`),
    dry.messageIds.length ? h('ul', { class: 'ids mono' }, dry.messageIds.map((id) => h('li', null, id))) : null,
    h('div', { class: 'buttons' }, yes, h('button', { type: 'button', 'data-testid': 'replay-cancel', onclick: () => panel.replaceChildren() }, 'Cancel')),
  );
}

function outcome(result: ReplayResultJson): HTMLElement {
  return h(
    'div',
    { class: `result ${result.failed.length ? 'result-partial' : 'result-ok'}`, role: 'status', 'data-testid': 'replay-result' },
    h('p', null, `replayed ${result.replayed} of ${result.matched}; ${result.failed.length} failed`),
    result.failed.length
      ? h('ul', { class: 'failures' }, result.failed.map((f) => h('li', null, h('span', { class: 'mono' }, f.messageId), ': ', f.error)))
      : null,
  );
}

/** Purges a service's error queue once the operator has typed the queue's name. */
export function startPurge(panel: HTMLElement, service: string, queue: string, onDone: () => void): void {
  const input = h('input', { 'data-testid': 'purge-confirm-input', autocomplete: 'off', spellcheck: 'false', 'aria-label': 'Queue name' });
  const yes = h('button', { type: 'button', class: 'danger', 'data-testid': 'purge-confirm-yes', disabled: true }, 'Purge');
  input.addEventListener('input', () => {
    yes.disabled = input.value !== queue;
  });
  yes.addEventListener('click', () => {
    yes.disabled = true;
    post<{ purged: number }>(`/console/api/error-queues/${seg(service)}/purge`, { confirm: input.value }).then(
      (result) => {
        panel.replaceChildren(h('div', { class: 'result result-ok', role: 'status', 'data-testid': 'purge-result' }, `purged ${result.purged} message(s) from ${queue}`));
        onDone();
      },
      (error: unknown) => {
        yes.disabled = input.value !== queue;
        reportActionError(error);
      },
    );
  });
  panel.replaceChildren(
    h(
      'div',
      { class: 'confirm confirm-danger', role: 'dialog', 'aria-label': 'Confirm purge', 'data-testid': 'purge-confirm' },
      h('p', null, 'Purging deletes every message in ', h('strong', { class: 'mono' }, queue), ' for good. Type the queue name to confirm.'),
      h('div', { class: 'buttons' }, input, yes, h('button', { type: 'button', 'data-testid': 'purge-cancel', onclick: () => panel.replaceChildren() }, 'Cancel')),
    ),
  );
  input.focus();
}
