import { and, eq, sql } from 'drizzle-orm';
import type { Express } from 'express';
import { z } from 'zod';
import { badRequest, conflict, moneyInput, notFound, validate, type ServiceDeps } from '@saga/shared';
import { formatMoney, MAX_CENTS, parseMoney } from '@saga/shared/money';
import { accounts } from '../db/schema';

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

  app.post('/api/accounts/:userId/deposits', async (req, res) => {
    const { userId } = validate(UserParams, req.params, 'path');
    const { amount } = validate(Deposit, req.body, 'deposit');
    const largest = formatMoney(MAX_CENTS);
    const [account] = await db
      .update(accounts)
      .set({ balance: sql`${accounts.balance} + ${amount}::numeric`, updatedAt: runtime.now() })
      .where(and(eq(accounts.userId, userId), sql`${accounts.balance} + ${amount}::numeric <= ${largest}::numeric`))
      .returning();
    if (!account) {
      const [exists] = await db.select({ userId: accounts.userId }).from(accounts).where(eq(accounts.userId, userId));
      if (!exists) throw notFound(`No account for user ${userId}`);
      throw badRequest('Invalid deposit: amount', [{ field: 'amount', message: `the balance would exceed ${largest}, the most an account holds` }]);
    }
    res.json(toJson(account));
  });
}
