import type { MessageHandler } from '@saga/shared';
import type { ShippingSettings } from '../settings';
import { onCancelShipment } from './cancelShipment';
import { onScheduleShipping } from './scheduleShipping';

/** Everything the shipping service consumes; its queue bindings are derived from this list. */
export const shippingHandlers = (settings: ShippingSettings): MessageHandler[] => [onScheduleShipping(settings), onCancelShipment];
