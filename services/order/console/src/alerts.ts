import { h } from './dom';
import { Problem } from './api';

let area: HTMLElement | null = null;

/** Where failed operator actions are reported (a 401/403 says why: no or wrong token). */
export function actionErrorArea(): HTMLElement {
  area = h('div', { class: 'action-error', role: 'alert', 'data-testid': 'action-error', hidden: true });
  return area;
}

export function reportActionError(error: unknown): void {
  if (!area) return;
  const text = error instanceof Problem ? `${error.title}: ${error.detail}` : error instanceof Error ? error.message : String(error);
  area.replaceChildren(
    h('span', null, text),
    h('button', { type: 'button', class: 'link', onclick: () => clearActionError() }, 'Dismiss'),
  );
  area.hidden = false;
}

export function clearActionError(): void {
  if (!area) return;
  area.replaceChildren();
  area.hidden = true;
}
