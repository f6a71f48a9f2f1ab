import type { orders } from '../db/schema';

export type OrderRow = typeof orders.$inferSelect;

export function orderJson(order: OrderRow) {
  return {
    id: order.id,
    userId: order.userId,
    status: order.status,
    items: order.items,
    shippingAddress: order.shippingAddress,
    totalAmount: order.totalAmount,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}

export type OrderJson = ReturnType<typeof orderJson>;
