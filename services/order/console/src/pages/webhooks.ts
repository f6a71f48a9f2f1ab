import { h } from '../dom';
import { del, get, getToken, post, seg } from '../api';
import { reportActionError } from '../alerts';
import { formatTime } from '../format';
import { button, errorBox, loading, section, table } from '../ui';
import { deliveriesPanel } from './webhookDeliveries';
import type { CreatedWebhookJson, WebhookJson } from './webhookTypes';

/** Webhook subscribers: every call needs the operator token. */
export function webhooksPage(root: HTMLElement): void {
  const title = h('div', { class: 'page-title' }, h('h1', null, 'Webhooks'));
  if (!getToken()) {
    root.replaceChildren(title, h('p', { class: 'notice', 'data-testid': 'webhooks-locked' }, 'Enter the operator token to manage webhooks.'));
    return;
  }
  const secretBox = h('div', { role: 'status' });
  const listBox = h('div', null, loading());
  const formBox = h('div', null, loading());
  const deliveriesBox = h('div');

  function showSecret(secret: string, what: string): void {
    const code = h('code', { class: 'secret', 'data-testid': 'webhook-secret' }, secret);
    secretBox.replaceChildren(
      h(
        'div',
        { class: 'secret-box' },
        h('p', null, h('strong', null, what), ' Copy it now, it is not shown again.'),
        code,
        h(
          'div',
          { class: 'buttons' },
          button('Copy', () => void navigator.clipboard?.writeText(secret).catch(() => undefined)),
          button('Done', () => secretBox.replaceChildren()),
        ),
      ),
    );
  }

  async function refresh(): Promise<void> {
    try {
      const { items } = await get<{ items: WebhookJson[] }>('/api/webhooks');
      listBox.replaceChildren(items.length ? hooksTable(items) : h('p', { class: 'empty' }, 'No subscribers.'));
    } catch (error) {
      listBox.replaceChildren(errorBox(error));
      reportActionError(error);
    }
  }

  function hooksTable(items: WebhookJson[]): HTMLElement {
    return table(
      ['URL', 'Events', 'Created', 'Pending', 'Delivered', 'Failed', ''],
      items.map((hook) => {
        const actions = h(
          'td',
          { class: 'buttons' },
          button('Deliveries', () => deliveriesBox.replaceChildren(deliveriesPanel(hook, () => deliveriesBox.replaceChildren())), { 'data-testid': 'webhook-deliveries-open' }),
          button('Rotate secret', () => rotate(hook), { 'data-testid': 'webhook-rotate' }),
          button('Delete', () => confirmDelete(actions, hook), { class: 'danger', 'data-testid': 'webhook-delete' }),
        );
        return h(
          'tr',
          { 'data-testid': 'webhook', 'data-webhook-id': hook.id },
          h('td', { class: 'mono wrap' }, hook.url),
          h('td', null, h('ul', { class: 'inline-list mono' }, hook.events.map((e) => h('li', null, e)))),
          h('td', null, formatTime(hook.createdAt)),
          h('td', { class: 'num' }, hook.deliveries.pending),
          h('td', { class: 'num' }, hook.deliveries.delivered),
          h('td', { class: `num ${hook.deliveries.failed ? 'alert-text' : ''}` }, hook.deliveries.failed),
          actions,
        );
      }),
    );
  }

  function rotate(hook: WebhookJson): void {
    post<{ id: string; secret: string }>(`/api/webhooks/${seg(hook.id)}/rotate-secret`).then(
      ({ secret }) => showSecret(secret, `New secret for ${hook.url}.`),
      (error: unknown) => reportActionError(error),
    );
  }

  function confirmDelete(cell: HTMLElement, hook: WebhookJson): void {
    const previous = [...cell.childNodes];
    cell.replaceChildren(
      h('span', null, 'Delete this subscriber? '),
      button(
        'Yes, delete',
        () =>
          void del(`/api/webhooks/${seg(hook.id)}`).then(
            () => {
              if (deliveriesBox.querySelector(`[data-webhook-id="${CSS.escape(hook.id)}"]`)) deliveriesBox.replaceChildren();
              void refresh();
            },
            (error: unknown) => reportActionError(error),
          ),
        { class: 'danger', 'data-testid': 'webhook-delete-confirm' },
      ),
      button('Cancel', () => cell.replaceChildren(...previous)),
    );
  }

  async function createForm(): Promise<void> {
    try {
      const { items: types } = await get<{ items: string[] }>('/api/webhooks/event-types');
      const url = h('input', { type: 'url', name: 'url', required: true, placeholder: 'the receiver’s URL', 'data-testid': 'webhook-url', id: 'webhook-url' });
      const boxes = types.map((type) => h('input', { type: 'checkbox', name: 'events', value: type, 'data-testid': 'webhook-event' }));
      const form = h(
        'form',
        {
          class: 'webhook-form',
          'data-testid': 'webhook-create',
          onsubmit: (event) => {
            event.preventDefault();
            const events = boxes.filter((b) => b.checked).map((b) => b.value);
            post<CreatedWebhookJson>('/api/webhooks', { url: url.value.trim(), events }).then(
              (created) => {
                form.reset();
                showSecret(created.secret, `Subscriber ${created.url} created. Its signing secret:`);
                void refresh();
              },
              (error: unknown) => reportActionError(error),
            );
          },
        },
        h('label', { class: 'field', for: 'webhook-url' }, h('span', null, 'URL'), url),
        h('fieldset', { class: 'events' }, h('legend', null, 'Events'), boxes.map((b) => h('label', { class: 'check' }, b, h('span', { class: 'mono' }, b.value)))),
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'webhook-create-submit' }, 'Add subscriber'),
      );
      formBox.replaceChildren(form);
    } catch (error) {
      formBox.replaceChildren(errorBox(error));
    }
  }

  root.replaceChildren(title, secretBox, section('Subscribers', {}, listBox), deliveriesBox, section('New subscriber', {}, formBox));
  void refresh();
  void createForm();
}
