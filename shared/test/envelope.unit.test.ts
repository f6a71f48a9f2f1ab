import { fromProperties, toPublishOptions, type Envelope } from '../src/messaging/envelope';

const envelope: Envelope = {
  messageId: 'a5b7d1c2-0f1e-4c3b-9a8d-7e6f5a4b3c2d',
  messageType: 'domain.order.ReserveInventory',
  correlationId: '6f1c1e3a-7d55-4a8e-9a3b-2b0c8d7f4e11',
  causationId: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f',
  conversationId: '6f1c1e3a-7d55-4a8e-9a3b-2b0c8d7f4e11',
  sentAt: '2026-11-21T10:00:00.000Z',
  source: 'order',
};

describe('envelope', () => {
  it('survives the trip through AMQP properties and headers', () => {
    const options = toPublishOptions(envelope);
    expect(options.persistent).toBe(true);
    expect(fromProperties(options)).toEqual(envelope);
  });

  it('names what is missing when a message has no id, type or correlation id', () => {
    expect(fromProperties({ type: 'x', correlationId: 'y' })).toEqual({ invalid: 'missing message-id property' });
    expect(fromProperties({ messageId: 'm', correlationId: 'y' })).toEqual({ invalid: 'missing type property' });
    expect(fromProperties({ messageId: 'm', type: 'x' })).toEqual({ invalid: 'missing correlation-id property' });
  });
});
