import { finishOnThisVersion, SagaVersions, sagaVersion } from '@saga/shared';
import { order } from '@saga/shared/contracts';
import { orderSagaV1, orderSagaV2, type OrderSagaInput } from './orderSaga.definition';

/**
 * Every version of the order saga's definition, oldest first, and what becomes of its
 * sagas in flight when a newer version starts new sagas (ADR 16). A version is removed
 * only once `saga_in_flight_by_version` shows none of its sagas left.
 */
export const ORDER_SAGA_VERSIONS = [
  sagaVersion(
    1,
    orderSagaV1,
    finishOnThisVersion(
      'its orders were placed without an address, and it is version 2 minus the shipping step: finishing on it ships nothing, as a migration would, ' +
        'and keeps its history and metrics the ones it was promised',
    ),
  ),
  sagaVersion(2, orderSagaV2, finishOnThisVersion('the latest version; the next one says what becomes of these')),
];

export const LATEST_ORDER_SAGA_VERSION = ORDER_SAGA_VERSIONS.at(-1)!.version;

/** The order saga's versions, new sagas starting on `current` (the latest unless an operator holds them back). */
export const orderSagaVersions = (current: number = LATEST_ORDER_SAGA_VERSION) => new SagaVersions<OrderSagaInput>(ORDER_SAGA_VERSIONS, current);

/** Whether sagas of `version` ship orders (take a shipping address). */
export const shipsOrders = (version: number): boolean =>
  ORDER_SAGA_VERSIONS.some((declared) => declared.version === version && declared.definition.steps.some((step) => step.command.contract === order.ScheduleShipping));
