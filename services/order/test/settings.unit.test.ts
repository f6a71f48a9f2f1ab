import { ConfigError } from '@saga/shared';
import { loadOrderSettings } from '../src/settings';

describe('the order service settings', () => {
  it('starts new sagas on the latest definition version unless told', () => {
    expect(loadOrderSettings({}).sagaVersion).toBe(2);
    expect(loadOrderSettings({ ORDER_SAGA_VERSION: '1' }).sagaVersion).toBe(1);
  });

  it.each(['3', '0', 'two', '1.5'])('refuses ORDER_SAGA_VERSION=%s, naming the variable and the versions it knows', (value) => {
    expect(() => loadOrderSettings({ ORDER_SAGA_VERSION: value })).toThrow(ConfigError);
    expect(() => loadOrderSettings({ ORDER_SAGA_VERSION: value })).toThrow(/ORDER_SAGA_VERSION/);
  });

  it('says which versions it knows', () => {
    expect(() => loadOrderSettings({ ORDER_SAGA_VERSION: '3' })).toThrow('must be a saga definition version this build knows: 1, 2');
  });
});
