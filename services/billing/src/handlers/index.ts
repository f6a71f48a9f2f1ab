import type { MessageHandler } from '@saga/shared';
import { onProcessPayment } from './processPayment';
import { onRefundPayment } from './refundPayment';

/** Everything the billing service consumes; its queue bindings are derived from this list. */
export const billingHandlers: MessageHandler[] = [onProcessPayment, onRefundPayment];
