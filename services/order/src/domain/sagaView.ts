import { sagaStatus, type SagaContext, type SagaStatus } from '@saga/shared';
import { orderSaga, type OrderSagaInput } from './orderSaga.definition';

export type OrderStatus = 'Pending' | 'Completed' | 'Failed';

export interface SagaView {
  status: SagaStatus;
  /** The step under way, the compensation under way, or the terminal status. */
  currentStep: string;
  orderStatus: OrderStatus;
  terminal: boolean;
}

/** What the API and the saga row show of a machine snapshot. */
export function viewSaga(snapshot: { value: unknown; status: string; context: SagaContext<OrderSagaInput> }): SagaView {
  const state = String(snapshot.value);
  const status = sagaStatus(orderSaga, state);
  const currentStep = state === 'Compensating' ? (snapshot.context.compensations.at(-1) ?? state) : state;
  const orderStatus: OrderStatus = status === 'Completed' ? 'Completed' : snapshot.status === 'done' ? 'Failed' : 'Pending';
  return { status, currentStep, orderStatus, terminal: snapshot.status === 'done' };
}
