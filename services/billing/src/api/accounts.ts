import { and, eq, sql } from 'drizzle-orm';
import type { Express } from 'express';
import { z } from 'zod';
import { badRequest, conflict, moneyInput, notFound, validate, type ServiceDeps } from '@saga/shared';
import { formatMoney, MAX_CENTS, parseMoney } from '@saga/shared/money';
import { accounts, payments } from '../db/schema';

const UserParams = z.object({ userId: z.uuid({ error: 'must be a uuid' }) });
const NewAccount = z.object({ userId: z.uuid({ error: 'must be a uuid' }), balance: moneyInput });
const Deposit = z.object({
  amount: moneyInput.refine((amount) => parseMoney(amount) > 0n, 'must be greater than 0'),
});

type AccountRow = typeof accounts.$inferSelect;
const toJson = (a: AccountRow) => ({ userId: a.userId, balance: a.balance, createdAt: a.createdAt, updatedAt: a.updatedAt });

export function accountRoutes(app: Express, { database: { db }, runtime }: ServiceDeps): void {
  app.post('/api/accounts', async (req, res) => {
    const body = validate(NewAccount, req.body, 'account');
    const now = runtime.now();
    const [created] = await db
      .insert(accounts)
      .values({ ...body, createdAt: now, updatedAt: now })
      .onConflictDoNothing()
      .returning();
    if (!created) throw conflict(`An account for user ${body.userId} already exists`);
    res.status(201).location(`/api/accounts/${created.userId}`).json(toJson(created));
  });

  app.get('/api/accounts/:userId', async (req, res) => {
    const { userId } = validate(UserParams, req.params, 'path');
    const [account] = await db.select().from(accounts).where(eq(accounts.userId, userId));
    if (!account) throw notFound(`No account for user ${userId}`);
    res.json(toJson(account));
  });

  /**
   * A deposit may not take the balance past NUMERIC(18,2), counting the charges that are
   * not refunded: each may still be refunded into the account, and a refund that did not
   * fit would fail for good and leave its saga compensating. Charges and refunds move money
   * between the two, so balance + unrefunded charges only grows by deposits, checked here
   * with the account row locked.
   */
  app.post('/api/accounts/:userId/deposits', async (req, res) => {
    const { userId } = validate(UserParams, req.params, 'path');
    const { amount } = validate(Deposit, req.body, 'deposit');
    const largest = formatMoney(MAX_CENTS);
    const account = await db.transaction(async (tx) => {
      const [locked] = await tx.select({ balance: accounts.balance }).from(accounts).where(eq(accounts.userId, userId)).for('update');
      if (!locked) throw notFound(`No account for user ${userId}`);
      const [charged] = await tx
        .select({ total: sql<string>`coalesce(sum(${payments.amount}), 0)` })
        .from(payments)
        .where(and(eq(payments.userId, userId), eq(payments.status, 'Completed')));
      if (parseMoney(locked.balance) + parseMoney(amount) + parseMoney(charged?.total ?? '0') > MAX_CENTS) {
        throw badRequest('Invalid deposit: amount', [
          { field: 'amount', message: `the balance would exceed ${largest}, the most an account holds (counting charges that may still be refunded)` },
        ]);
      }
      const [updated] = await tx
        .update(accounts)
        .set({ balance: sql`${accounts.balance} + ${amount}::numeric`, updatedAt: runtime.now() })
        .where(eq(accounts.userId, userId))
        .returning();
      return updated!;
    });
    res.json(toJson(account));
  });
}
