import type { SagaState } from '@saga/shared';

export type OrderStatus = 'Pending' | 'Completed' | 'Failed';

/** The order's status while its saga is in `saga`: Completed or Failed once it has ended, Pending until then. */
export function orderStatusOf(saga: Pick<SagaState, 'status' | 'terminal'>): OrderStatus {
  if (saga.status === 'Completed') return 'Completed';
  return saga.terminal ? 'Failed' : 'Pending';
}
