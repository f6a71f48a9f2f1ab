import { handler, type MessageHandler } from '@saga/shared';
import type { BodyOf, Contract } from '@saga/shared/contracts';
import type { OrderSagaEvent } from '../domain/orderSaga.machine';
import { advanceOrderSaga } from '../saga/orderSagaStore';
import { sagaMetricsOf } from '../saga/sagaMetrics';
import type { SagaTimeouts } from '../settings';

/**
 * A handler that turns one reply message into one saga event and advances the order's
 * saga with it. Built with the saga's timeouts, which set the next step's deadline.
 */
export function sagaReply<C extends Contract>(
  contract: C,
  toEvent: (body: BodyOf<C>, at: string) => OrderSagaEvent,
): (timeouts: SagaTimeouts) => MessageHandler {
  return (timeouts) => handler(contract, async ({ tx, body, envelope, send, runtime, logger, metrics, afterCommit }) => {
    const now = runtime.now();
    const result = await advanceOrderSaga(tx, envelope.correlationId, toEvent(body, now.toISOString()), now, timeouts);
    if (!result.changed) {
      logger.info('reply does not apply to the saga in its current state; ignored');
      return;
    }
    await send(...result.messages);
    const failureCode = (body as { code?: string }).code;
    afterCommit(() => sagaMetricsOf(metrics)?.progressed({ ...result.progress, failureCode }));
  }) as MessageHandler;
}
