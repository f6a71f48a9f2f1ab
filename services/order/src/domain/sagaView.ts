import type { SnapshotFrom } from 'xstate';
import type { orderSagaMachine, SagaStatus } from './orderSaga.machine';

type SagaSnapshot = SnapshotFrom<typeof orderSagaMachine>;
type StateName = SagaSnapshot['value'];

const STATUS: Record<StateName, SagaStatus> = {
  ValidateInventory: 'Started',
  ReserveInventory: 'InProgress',
  ProcessPayment: 'InProgress',
  Compensating: 'Compensating',
  Completed: 'Completed',
  Failed: 'Failed',
  Compensated: 'Compensated',
};

export type OrderStatus = 'Pending' | 'Completed' | 'Failed';

export interface SagaView {
  status: SagaStatus;
  /** The step under way, the compensation under way, or the terminal status. */
  currentStep: string;
  orderStatus: OrderStatus;
  terminal: boolean;
}

/** Reads what the API and the saga row show from a machine snapshot. */
export function viewSaga(snapshot: SagaSnapshot): SagaView {
  const state = snapshot.value;
  const status = STATUS[state];
  const currentStep = state === 'Compensating' ? (snapshot.context.compensations.at(-1) ?? state) : state;
  const orderStatus: OrderStatus = status === 'Completed' ? 'Completed' : snapshot.status === 'done' ? 'Failed' : 'Pending';
  return { status, currentStep, orderStatus, terminal: snapshot.status === 'done' };
}
