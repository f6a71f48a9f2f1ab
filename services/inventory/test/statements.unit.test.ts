import { inventoryStatements } from '../src/db/queries';

describe('writing inventory decisions', () => {
  it('given a decision, its writes become one prepared statement each, in the decided order', () => {
    const statements = inventoryStatements(
      [
        { type: 'orderReleased', orderId: 'o' },
        { type: 'stockReturned', productId: 'a', quantity: 1 },
        { type: 'stockReserved', productId: 'b', quantity: 2 },
        { type: 'reservationsRecorded', reservations: [{ id: 'r1', orderId: 'o', productId: 'a', quantity: 1 }, { id: 'r2', orderId: 'o', productId: 'b', quantity: 2 }] },
        { type: 'reservationsReleased', reservationIds: ['r1', 'r2'] },
      ],
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(statements.map((statement) => statement.label)).toEqual([
      'inventory_mark_released',
      'inventory_move_stock',
      'inventory_move_stock',
      'inventory_insert_reservations_2',
      'inventory_release_reservations',
    ]);
  });
});
