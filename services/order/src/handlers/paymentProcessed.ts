import { billing } from '@saga/shared/contracts';
import { sagaReply } from './sagaReply';

export const onPaymentProcessed = sagaReply(billing.PaymentProcessed, ({ amount }, at) => ({ type: 'PaymentProcessed', at, amount }));
