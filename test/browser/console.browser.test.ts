import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ADDRESS, Shop } from '../support/api';
import { launchChromium, pageErrors, screenshot } from '../support/browser';
import { TestSystem } from '../support/system';

const TOKEN = 'browser-test-operator-token-0123456789';
let system: TestSystem;
let shop: Shop;
let browser: Browser;
let page: Page;
let errors: Error[];

beforeAll(async () => {
  system = await TestSystem.start('browser_console', {
    env: { OPERATOR_TOKENS: `grace:${TOKEN}`, SAGA_STEP_TIMEOUT_MS: '300000', DLQ_AUDIT_LOG: path.join(os.tmpdir(), `browser-console-audit-${randomUUID()}.jsonl`) },
  });
  shop = new Shop(system);
  browser = await launchChromium();
});
beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  errors = pageErrors(page);
});
afterEach(async () => {
  await page?.close();
  expect(errors).toEqual([]);
});
afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

const consoleUrl = (hash = '') => `${system.url('order')}/console/${hash}`;



describe('the saga console in a browser', () => {
  it('finds an order by its id and shows its saga', async () => {
    const { productId, userId } = await shop.customerWithProduct();
    const orderId = await shop.placeAcceptedOrder(userId, [{ productId, quantity: 2, price: '5.00' }], ADDRESS);
    await shop.finished(orderId);
    await page.goto(consoleUrl());
    await page.getByTestId('filter-order-id').fill(orderId);
    await page.getByTestId('filter-apply').click();
    const row = page.locator(`[data-testid="saga-row"][data-order-id="${orderId}"]`);
    await row.getByTestId('saga-status').filter({ hasText: 'Completed' }).waitFor();
    await expect(page.getByTestId('saga-row').count()).resolves.toBe(1);
    await row.getByRole('link').first().click();
    await page.getByTestId('timeline-entry').nth(3).waitFor();
    expect(await page.getByTestId('timeline-entry').evaluateAll((entries) => entries.map((entry) => `${entry.getAttribute('data-step')}:${entry.getAttribute('data-status')}`))).toEqual([
      'ValidateInventory:Completed',
      'ReserveInventory:Completed',
      'ProcessPayment:Completed',
      'ScheduleShipping:Completed',
    ]);
    expect(await page.locator('[data-testid="definition-step"][data-state="done"]').count()).toBeGreaterThanOrEqual(4);
    await page.getByTestId('message-row').first().waitFor();
    await screenshot(page, 'console-saga');
  });

  it("shows a compensated saga's timeline with its compensations set apart", async () => {
    const { productId, userId } = await shop.customerWithProduct('1.00');
    const orderId = await shop.placeAcceptedOrder(userId, [{ productId, quantity: 1, price: '5.00' }]);
    await shop.finished(orderId);
    await page.goto(consoleUrl(`#/sagas/${orderId}`));
    const compensation = page.locator('[data-testid="timeline-entry"][data-kind="compensation"]');
    await compensation.first().waitFor();
    await expect(page.getByTestId('saga-status').first().textContent()).resolves.toContain('Compensated');
    await expect(page.locator('[data-testid="timeline-entry"][data-step="ProcessPayment"]').getAttribute('data-status')).resolves.toBe('Failed');
    await expect(compensation.getAttribute('data-step')).resolves.toBe('ReleaseInventory');
    await expect(page.getByTestId('failure-reason').textContent()).resolves.toMatch(/\S/);
    await screenshot(page, 'console-compensated');
  });

  it('lists new sagas and their progress live, without reloading', async () => {
    await page.goto(consoleUrl('#/sagas'));
    await page.getByTestId('live-state').filter({ hasText: /live/i }).waitFor();
    const { productId, userId } = await shop.customerWithProduct();
    const orderId = await shop.placeAcceptedOrder(userId, [{ productId, quantity: 1, price: '5.00' }], ADDRESS);
    const row = page.locator(`[data-testid="saga-row"][data-order-id="${orderId}"]`);
    await row.getByTestId('saga-status').filter({ hasText: 'Completed' }).waitFor();
    await screenshot(page, 'console-sagas');
  });

  it('watches a saga wait on a failed message, replays it with the operator token (refused without), sees the saga finish live and the audit entry', async () => {
    await system.sql('billing', `create or replace function refuse_payments() returns trigger language plpgsql as $$ begin raise exception 'payments are switched off for this test'; end; $$;
      create trigger refuse_payments before insert on payments for each row execute function refuse_payments();`);
    const { productId, userId } = await shop.customerWithProduct();
    const orderId = await shop.placeAcceptedOrder(userId, [{ productId, quantity: 1, price: '5.00' }]);
    await page.goto(consoleUrl(`#/sagas/${orderId}`));
    const failedMessage = page.getByTestId('order-error').first();
    // The saga page reads the error queues with the saga; the message may land there after the page first loaded.
    for (let attempt = 0; attempt < 20 && !(await failedMessage.isVisible()); attempt += 1) {
      await page.waitForTimeout(500);
      await page.reload();
    }
    await failedMessage.waitFor();
    await expect(page.getByTestId('waiting-for').textContent()).resolves.toContain('domain.billing.PaymentProcessed');
    await expect(failedMessage.textContent()).resolves.toContain('payments are switched off');
    await screenshot(page, 'console-waiting');

    await failedMessage.getByTestId('replay-one').click();
    await page.getByTestId('replay-confirm').filter({ hasText: '1 message(s) would be replayed' }).waitFor();
    await page.getByTestId('replay-confirm-yes').click();
    await page.getByTestId('action-error').filter({ hasText: /operator token/i }).waitFor();

    await system.sql('billing', 'drop trigger refuse_payments on payments');
    await page.getByTestId('token-input').fill(TOKEN);
    await page.getByTestId('token-save').click();
    await page.getByTestId('token-state').filter({ hasText: 'unlocked' }).waitFor();
    // Unlocking redraws the page: start the replay again.
    await page.getByTestId('order-error').first().getByTestId('replay-one').click();
    await page.getByTestId('replay-confirm').filter({ hasText: '1 message(s) would be replayed' }).waitFor();
    await page.getByTestId('replay-confirm-yes').click();
    await page.getByTestId('replay-result').filter({ hasText: 'replayed 1 of 1' }).waitFor();
    await page.getByTestId('saga-status').filter({ hasText: 'Completed' }).first().waitFor();

    await page.goto(consoleUrl('#/audit'));
    const entry = page.getByTestId('audit-entry').first();
    await entry.waitFor();
    await expect(entry.textContent()).resolves.toMatch(/grace[\s\S]*console[\s\S]*replay/);
    await screenshot(page, 'console-audit');
  });

  it('shows the error queues and every service', async () => {
    await page.goto(consoleUrl('#/errors'));
    await page.locator('[data-testid="error-queue"][data-service="billing"]').waitFor();
    await page.goto(consoleUrl('#/services'));
    await page.locator('[data-testid="service-card"][data-service="shipping"]').waitFor();
    await expect(page.getByTestId('service-card').count()).resolves.toBe(4);
    await screenshot(page, 'console-services');
  });
});
