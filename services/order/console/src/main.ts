import { clearActionError, actionErrorArea } from './alerts';
import { renderHeader } from './header';
import { sagasPage } from './pages/sagas';
import { sagaPage } from './pages/saga';
import { errorsPage } from './pages/errors';
import { servicesPage } from './pages/services';
import { webhooksPage } from './pages/webhooks';
import { auditPage } from './pages/audit';
import { h } from './dom';

/** A page renders into `root` and returns what stops its timers and streams when the page is left. */
export type Page = (root: HTMLElement, params: string[], query: URLSearchParams) => (() => void) | void;

const routes: Array<[RegExp, Page]> = [
  [/^\/?$/, sagasPage],
  [/^\/sagas$/, sagasPage],
  [/^\/sagas\/([^/]+)$/, sagaPage],
  [/^\/errors$/, errorsPage],
  [/^\/services$/, servicesPage],
  [/^\/webhooks$/, webhooksPage],
  [/^\/audit$/, auditPage],
];

const header = document.getElementById('header')!;
const alerts = document.getElementById('alerts')!;
const app = document.getElementById('app')!;
let leave: (() => void) | undefined;

function render(): void {
  leave?.();
  leave = undefined;
  clearActionError();
  const hash = location.hash;
  renderHeader(header, hash);
  const [path = '', queryText = ''] = hash.replace(/^#/, '').split('?', 2);
  const query = new URLSearchParams(queryText);
  app.replaceChildren();
  for (const [pattern, page] of routes) {
    const match = pattern.exec(path);
    if (!match) continue;
    let params: string[];
    try {
      params = match.slice(1).map((p) => decodeURIComponent(p ?? ''));
    } catch {
      break;
    }
    const stop = page(app, params, query);
    leave = typeof stop === 'function' ? stop : undefined;
    return;
  }
  app.replaceChildren(h('section', { class: 'panel' }, h('h2', null, 'Not found'), h('p', null, 'No such page. '), h('a', { href: '#/sagas' }, 'Go to the sagas')));
}

alerts.replaceChildren(actionErrorArea());
window.addEventListener('hashchange', render);
window.addEventListener('tokenchange', render);
render();
