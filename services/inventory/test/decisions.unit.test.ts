import { inventory } from '@saga/shared/contracts';
import { decideRelease } from '../src/domain/release';
import { decideReservation, type ReservationState } from '../src/domain/reservation';
import type { ProductStock } from '../src/domain/stock';
import { decideValidation } from '../src/domain/validation';

const orderId = '0a000000-0000-4000-8000-00000000000a';
const laptop: ProductStock = { id: '20000000-0000-4000-8000-000000000002', name: 'Laptop', stock: 3 };
const mouse: ProductStock = { id: '10000000-0000-4000-8000-000000000001', name: 'Mouse', stock: 10 };
const unknownId = '30000000-0000-4000-8000-000000000003';

/** Ids handed out in order: r1, r2, ... */
const ids = () => {
  let n = 0;
  return () => `r${++n}`;
};
const noIds = () => {
  throw new Error('no id should be needed');
};

describe('validating inventory', () => {
  it('given every product has the stock, when a validation arrives, it is validated and nothing is written', () => {
    const command = { orderId, items: [{ productId: laptop.id, quantity: 3 }, { productId: mouse.id, quantity: 1 }] };
    expect(decideValidation(command, { products: [mouse, laptop] })).toEqual({
      writes: [],
      reply: { contract: inventory.InventoryValidated, body: { orderId } },
    });
  });

  it('given a product does not exist, when a validation arrives, it fails with unknown_product naming it and nothing is written', () => {
    const command = { orderId, items: [{ productId: unknownId, quantity: 1 }, { productId: mouse.id, quantity: 1 }] };
    expect(decideValidation(command, { products: [mouse] })).toEqual({
      writes: [],
      reply: { contract: inventory.InventoryValidationFailed, body: { orderId, code: 'unknown_product', reason: `Unknown product: ${unknownId}` } },
    });
  });

  it('given a product is short once its lines are summed, when a validation arrives, it fails with insufficient_stock and nothing is written', () => {
    const command = { orderId, items: [{ productId: laptop.id, quantity: 2 }, { productId: laptop.id, quantity: 2 }] };
    expect(decideValidation(command, { products: [laptop] })).toEqual({
      writes: [],
      reply: {
        contract: inventory.InventoryValidationFailed,
        body: { orderId, code: 'insufficient_stock', reason: `Insufficient stock for Laptop (${laptop.id}): 3 available, 4 requested` },
      },
    });
  });
});

describe('reserving inventory', () => {
  const fresh: ReservationState = { released: false, reserved: false, products: [mouse, laptop] };
  const command = {
    orderId,
    items: [
      { productId: laptop.id, quantity: 1 },
      { productId: mouse.id, quantity: 2 },
      { productId: laptop.id, quantity: 2 },
    ],
  };

  it('given the stock covers every line, when a reservation arrives the first time, every product is reserved and recorded, in product id order', () => {
    expect(decideReservation(command, fresh, ids())).toEqual({
      writes: [
        { type: 'stockReserved', productId: mouse.id, quantity: 2 },
        { type: 'stockReserved', productId: laptop.id, quantity: 3 },
        {
          type: 'reservationsRecorded',
          reservations: [
            { id: 'r1', orderId, productId: mouse.id, quantity: 2 },
            { id: 'r2', orderId, productId: laptop.id, quantity: 3 },
          ],
        },
      ],
      reply: { contract: inventory.InventoryReserved, body: { orderId } },
    });
  });

  it('given the order is already reserved, when a reservation arrives again, it is answered as reserved and nothing is written', () => {
    expect(decideReservation(command, { ...fresh, reserved: true }, noIds)).toEqual({
      writes: [],
      reply: { contract: inventory.InventoryReserved, body: { orderId } },
    });
  });

  it('given the order was already released, when a reservation arrives, it is refused with order_released and nothing is written', () => {
    expect(decideReservation(command, { ...fresh, released: true }, noIds)).toEqual({
      writes: [],
      reply: {
        contract: inventory.InventoryReservationFailed,
        body: { orderId, code: 'order_released', reason: `Order ${orderId} was already released (compensated); the late reservation is refused` },
      },
    });
  });

  it('given the order was reserved and then released, when a reservation arrives, the release wins: it is refused with order_released', () => {
    expect(decideReservation(command, { ...fresh, reserved: true, released: true }, noIds).reply).toMatchObject({
      contract: inventory.InventoryReservationFailed,
      body: { code: 'order_released' },
    });
  });

  it('given one product is short, when a reservation arrives, the whole order is refused with insufficient_stock and nothing is written', () => {
    const short = { ...fresh, products: [mouse, { ...laptop, stock: 2 }] };
    expect(decideReservation(command, short, noIds)).toEqual({
      writes: [],
      reply: {
        contract: inventory.InventoryReservationFailed,
        body: { orderId, code: 'insufficient_stock', reason: `Insufficient stock for Laptop (${laptop.id}): 2 available, 3 requested` },
      },
    });
  });

  it('given a product does not exist, when a reservation arrives, it is refused with unknown_product and nothing is written', () => {
    const withUnknown = { orderId, items: [...command.items, { productId: unknownId, quantity: 1 }] };
    expect(decideReservation(withUnknown, fresh, noIds)).toEqual({
      writes: [],
      reply: { contract: inventory.InventoryReservationFailed, body: { orderId, code: 'unknown_product', reason: `Unknown product: ${unknownId}` } },
    });
  });
});

describe('releasing inventory', () => {
  it('given the order has active reservations, when a release arrives, it writes the tombstone, returns their stock, marks them released and answers the quantity', () => {
    const active = [
      { id: 'r1', productId: mouse.id, quantity: 2 },
      { id: 'r2', productId: laptop.id, quantity: 3 },
    ];
    expect(decideRelease({ orderId }, { active })).toEqual({
      writes: [
        { type: 'orderReleased', orderId },
        { type: 'stockReturned', productId: mouse.id, quantity: 2 },
        { type: 'stockReturned', productId: laptop.id, quantity: 3 },
        { type: 'reservationsReleased', reservationIds: ['r1', 'r2'] },
      ],
      reply: { contract: inventory.InventoryReleased, body: { orderId, releasedQuantity: 5 } },
    });
  });

  it('given the order has nothing reserved (never, or released before), when a release arrives, it still succeeds with 0 and writes the tombstone', () => {
    expect(decideRelease({ orderId }, { active: [] })).toEqual({
      writes: [{ type: 'orderReleased', orderId }],
      reply: { contract: inventory.InventoryReleased, body: { orderId, releasedQuantity: 0 } },
    });
  });
});
