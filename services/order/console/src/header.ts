import { h } from './dom';
import { getToken, setToken } from './api';

const NAV: Array<[string, string]> = [
  ['Sagas', '#/sagas'],
  ['Error queues', '#/errors'],
  ['Services', '#/services'],
  ['Webhooks', '#/webhooks'],
  ['Audit', '#/audit'],
];

/** The title, the navigation (the current section marked) and the operator token box. */
export function renderHeader(header: HTMLElement, currentHash: string): void {
  const nav = h(
    'nav',
    { class: 'nav', 'aria-label': 'Sections' },
    NAV.map(([label, href]) => {
      const current = currentHash === href || currentHash.startsWith(`${href}/`) || currentHash.startsWith(`${href}?`) || (href === '#/sagas' && (currentHash === '' || currentHash === '#/'));
      return h('a', { href, 'aria-current': current ? 'page' : null }, label);
    }),
  );
  header.replaceChildren(h('a', { class: 'brand', href: '#/sagas' }, 'Saga console'), nav, tokenBox());
}

function tokenBox(): HTMLElement {
  if (getToken()) {
    return h(
      'div',
      { class: 'token' },
      h('span', { class: 'token-state unlocked', 'data-testid': 'token-state' }, 'Operator actions unlocked'),
      h('button', { type: 'button', 'data-testid': 'token-lock', onclick: () => setToken(null) }, 'Lock'),
    );
  }
  const input = h('input', { type: 'password', id: 'operator-token', autocomplete: 'off', placeholder: 'operator token', 'data-testid': 'token-input' });
  return h(
    'form',
    {
      class: 'token',
      onsubmit: (event) => {
        event.preventDefault();
        const token = input.value.trim();
        if (token) setToken(token);
      },
    },
    h('span', { class: 'token-state', 'data-testid': 'token-state' }, 'Read-only'),
    h('label', { for: 'operator-token', class: 'visually-hidden' }, 'Operator token'),
    input,
    h('button', { type: 'submit', 'data-testid': 'token-save' }, 'Unlock actions'),
  );
}
