import { billing } from '@saga/shared/contracts';
import { sagaReply } from './sagaReply';

export const onPaymentFailed = sagaReply(billing.PaymentFailed, ({ reason }, at) => ({ type: 'PaymentFailed', at, reason }));
