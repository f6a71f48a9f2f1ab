import { z } from 'zod';
import { contract, MoneyString } from './common';

// Replies produced by the billing service.

export const PaymentProcessed = contract(
  'domain.billing.PaymentProcessed',
  z.object({ orderId: z.uuid(), paymentId: z.uuid(), amount: MoneyString }),
);
/** A refused charge: `reason` for people, `code` (bounded) for machines and metrics. */
export const PaymentFailed = contract(
  'domain.billing.PaymentFailed',
  z.object({ orderId: z.uuid(), reason: z.string().min(1), code: z.enum(['no_account', 'insufficient_funds', 'payment_cancelled']).optional() }),
);
export const PaymentRefunded = contract(
  'domain.billing.PaymentRefunded',
  z.object({ orderId: z.uuid(), refundedAmount: MoneyString }),
);
