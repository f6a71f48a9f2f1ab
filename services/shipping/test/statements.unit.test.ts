import { shippingStatements } from '../src/db/queries';

describe('writing shipping decisions', () => {
  it('given a decision, its writes become one prepared statement each, in the decided order', () => {
    const statements = shippingStatements(
      [
        {
          type: 'shipmentRecorded',
          shipment: {
            id: 's',
            orderId: 'o',
            status: 'Scheduled',
            carrier: 'DHL',
            trackingNumber: 'DHL000000000000',
            address: { name: 'Ada', line1: '1 Street', city: 'Berlin', postalCode: '10115', country: 'DE' },
            items: [{ productId: 'p', quantity: 1 }],
            reason: null,
          },
        },
        { type: 'shipmentRecorded', shipment: { id: 't', orderId: 'o', status: 'Cancelled', carrier: null, trackingNumber: null, address: null, items: null, reason: 'Cancelled' } },
        { type: 'shipmentCancelled', shipmentId: 's' },
      ],
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(statements.map((statement) => statement.label)).toEqual(['shipping_insert_shipment_1', 'shipping_insert_shipment_1', 'shipping_mark_cancelled']);
  });
});
