import type { MessageHandler } from '@saga/shared';
import type { SagaTimeouts } from '../settings';
import { onInventoryReleased } from './inventoryReleased';
import { onInventoryReservationFailed } from './inventoryReservationFailed';
import { onInventoryReserved } from './inventoryReserved';
import { onInventoryValidated } from './inventoryValidated';
import { onInventoryValidationFailed } from './inventoryValidationFailed';
import { onPaymentFailed } from './paymentFailed';
import { onPaymentProcessed } from './paymentProcessed';
import { onPaymentRefunded } from './paymentRefunded';

/** Every reply the order saga takes in; the order queue's bindings are derived from this list. */
export const orderHandlers = (timeouts: SagaTimeouts): MessageHandler[] =>
  [
    onInventoryValidated,
    onInventoryValidationFailed,
    onInventoryReserved,
    onInventoryReservationFailed,
    onInventoryReleased,
    onPaymentProcessed,
    onPaymentFailed,
    onPaymentRefunded,
  ].map((build) => build(timeouts));
