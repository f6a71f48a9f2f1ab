import { billing } from '@saga/shared/contracts';
import { sagaReply } from './sagaReply';

export const onPaymentRefunded = sagaReply(billing.PaymentRefunded, ({ refundedAmount }, at) => ({ type: 'PaymentRefunded', at, refundedAmount }));
