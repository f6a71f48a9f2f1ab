import { shipping, type ShippingAddress } from '@saga/shared/contracts';
import { CANCEL_BEFORE_SCHEDULE_REASON, decideCancel } from '../src/domain/cancel';
import type { StoredShipment } from '../src/domain/decision';
import { decideSchedule, SCHEDULE_AFTER_CANCEL_REASON, type ScheduleState } from '../src/domain/schedule';

const orderId = '0a000000-0000-4000-8000-00000000000a';
const shipmentId = '0c000000-0000-4000-8000-00000000000c';
const newShipmentId = '0d000000-0000-4000-8000-9a2c3d4e5f60';
const items = [{ productId: '10000000-0000-4000-8000-000000000001', quantity: 2 }];
const address = (country: string): ShippingAddress => ({ name: 'Ada Lovelace', line1: '12 Example Street', city: 'Berlin', postalCode: '10115', country });
const command = (country = 'DE') => ({ orderId, items, address: address(country) });

const newId = () => newShipmentId;
const noIds = () => {
  throw new Error('no id should be needed');
};
const stored = (status: StoredShipment['status'], fields: Partial<StoredShipment> = {}): StoredShipment => ({
  id: shipmentId,
  status,
  carrier: null,
  trackingNumber: null,
  reason: null,
  ...fields,
});

describe('scheduling a shipment', () => {
  const fresh: ScheduleState = { shipment: undefined, countries: new Set(['DE', 'US', 'JP']) };

  it('given the shop ships to the destination, when a schedule arrives, it records a Scheduled shipment with its carrier and tracking number and answers scheduled', () => {
    expect(decideSchedule(command('DE'), fresh, newId)).toEqual({
      writes: [
        {
          type: 'shipmentRecorded',
          shipment: { id: newShipmentId, orderId, status: 'Scheduled', carrier: 'DHL', trackingNumber: 'DHL9A2C3D4E5F60', address: address('DE'), items, reason: null },
        },
      ],
      reply: { contract: shipping.ShipmentScheduled, body: { orderId, shipmentId: newShipmentId, carrier: 'DHL', trackingNumber: 'DHL9A2C3D4E5F60' } },
    });
  });

  it.each([
    ['US', 'UPS', 'UPS9A2C3D4E5F60'],
    ['JP', 'FedEx', 'FEDEX9A2C3D4E5F60'],
  ])('given the destination is %s, when a schedule arrives, it goes with %s', (country, carrier, trackingNumber) => {
    expect(decideSchedule(command(country), fresh, newId).reply).toEqual({
      contract: shipping.ShipmentScheduled,
      body: { orderId, shipmentId: newShipmentId, carrier, trackingNumber },
    });
  });

  it('given the shop does not ship to the destination, when a schedule arrives, it records a Refused shipment and answers unsupported_destination', () => {
    const reason = 'We do not ship to BR';
    expect(decideSchedule(command('BR'), fresh, newId)).toEqual({
      writes: [
        {
          type: 'shipmentRecorded',
          shipment: { id: newShipmentId, orderId, status: 'Refused', carrier: null, trackingNumber: null, address: address('BR'), items, reason },
        },
      ],
      reply: { contract: shipping.ShipmentSchedulingFailed, body: { orderId, reason, code: 'unsupported_destination' } },
    });
  });

  it('given the order was scheduled before, when the schedule arrives again, it answers the earlier shipment and writes nothing', () => {
    const scheduled = stored('Scheduled', { carrier: 'UPS', trackingNumber: 'UPS00000000000C' });
    expect(decideSchedule(command('DE'), { ...fresh, shipment: scheduled }, noIds)).toEqual({
      writes: [],
      reply: { contract: shipping.ShipmentScheduled, body: { orderId, shipmentId, carrier: 'UPS', trackingNumber: 'UPS00000000000C' } },
    });
  });

  it('given the schedule was refused before, when it arrives again, it answers the earlier reason as unsupported_destination and writes nothing', () => {
    const reason = 'We do not ship to BR';
    expect(decideSchedule(command('BR'), { ...fresh, shipment: stored('Refused', { reason }) }, noIds)).toEqual({
      writes: [],
      reply: { contract: shipping.ShipmentSchedulingFailed, body: { orderId, reason, code: 'unsupported_destination' } },
    });
  });

  it('given a cancel came first and left its tombstone, when the late schedule arrives, it is refused as shipment_cancelled and nothing is written', () => {
    const tombstone = stored('Cancelled', { reason: CANCEL_BEFORE_SCHEDULE_REASON });
    expect(decideSchedule(command('DE'), { ...fresh, shipment: tombstone }, noIds)).toEqual({
      writes: [],
      reply: { contract: shipping.ShipmentSchedulingFailed, body: { orderId, reason: SCHEDULE_AFTER_CANCEL_REASON, code: 'shipment_cancelled' } },
    });
  });

  it('given the shipment was scheduled and then cancelled, when the schedule arrives again, it is refused as shipment_cancelled and nothing is written', () => {
    const cancelled = stored('Cancelled', { carrier: 'DHL', trackingNumber: 'DHL00000000000C' });
    expect(decideSchedule(command('DE'), { ...fresh, shipment: cancelled }, noIds)).toEqual({
      writes: [],
      reply: { contract: shipping.ShipmentSchedulingFailed, body: { orderId, reason: `Shipment ${shipmentId} was cancelled`, code: 'shipment_cancelled' } },
    });
  });
});

describe('cancelling a shipment', () => {
  it('given a scheduled shipment, when a cancel arrives, it marks the shipment cancelled and answers cancelled', () => {
    const scheduled = stored('Scheduled', { carrier: 'DHL', trackingNumber: 'DHL00000000000C' });
    expect(decideCancel({ orderId }, { shipment: scheduled }, noIds)).toEqual({
      writes: [{ type: 'shipmentCancelled', shipmentId }],
      reply: { contract: shipping.ShipmentCancelled, body: { orderId } },
    });
  });

  it('given no shipment yet, when a cancel arrives, it records a Cancelled shipment for the order as a tombstone and answers cancelled', () => {
    expect(decideCancel({ orderId }, { shipment: undefined }, newId)).toEqual({
      writes: [
        {
          type: 'shipmentRecorded',
          shipment: { id: newShipmentId, orderId, status: 'Cancelled', carrier: null, trackingNumber: null, address: null, items: null, reason: 'Cancelled before it was scheduled' },
        },
      ],
      reply: { contract: shipping.ShipmentCancelled, body: { orderId } },
    });
  });

  it.each([['Cancelled'], ['Refused']] as const)('given the shipment is already %s, when a cancel arrives, nothing changes and it answers cancelled', (status) => {
    expect(decideCancel({ orderId }, { shipment: stored(status, { reason: 'We do not ship to BR' }) }, noIds)).toEqual({
      writes: [],
      reply: { contract: shipping.ShipmentCancelled, body: { orderId } },
    });
  });
});
