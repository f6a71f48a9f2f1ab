import { buildSagaMachine, sagaOutputs } from '@saga/shared';
import { orderSaga, type OrderSagaInput } from './orderSaga.definition';

/** The order saga's state machine, built from its definition: pure (see buildSagaMachine). */
export const orderSagaMachine = buildSagaMachine(orderSaga);

/** Everything the saga sends: commands to other services and the order's own outcome events. */
export const orderSagaOutputs = sagaOutputs(orderSaga);

export type { OrderSagaInput };
