import { ConfigError } from '@saga/shared';
import { sagaTrace } from '../src/console/sagaTrace';
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

  it('links traces only where TRACE_UI_URL says, an http(s) URL with {traceId} in it', () => {
    expect(loadOrderSettings({}).traceUiUrl).toBeUndefined();
    expect(loadOrderSettings({ TRACE_UI_URL: '' }).traceUiUrl).toBeUndefined();
    expect(loadOrderSettings({ TRACE_UI_URL: 'http://localhost:16686/trace/{traceId}' }).traceUiUrl).toBe('http://localhost:16686/trace/{traceId}');
  });

  it.each([
    ['no {traceId}', 'http://localhost:16686/search', /must contain \{traceId\} once/],
    ['{traceId} twice', 'http://x/{traceId}/{traceId}', /must contain \{traceId\} once/],
    ['a javascript: URL', 'javascript:alert(1)//{traceId}', /must be an http or https URL/],
    ['no URL at all', '{traceId}', /must be an http or https URL/],
  ])('refuses a TRACE_UI_URL with %s, naming the variable', (_name, value, reason) => {
    expect(() => loadOrderSettings({ TRACE_UI_URL: value })).toThrow(/TRACE_UI_URL/);
    expect(() => loadOrderSettings({ TRACE_UI_URL: value })).toThrow(reason);
  });
});

describe("a saga's trace in the console", () => {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('is its trace id, linked when TRACE_UI_URL is set', () => {
    expect(sagaTrace(traceparent, undefined)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', url: null });
    expect(sagaTrace(traceparent, 'http://localhost:16686/trace/{traceId}')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      url: 'http://localhost:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736',
    });
  });

  it('is none for a saga placed without tracing, or whose stored context is not well formed', () => {
    expect(sagaTrace(null, 'http://localhost:16686/trace/{traceId}')).toBeNull();
    expect(sagaTrace('"><script>', 'http://localhost:16686/trace/{traceId}')).toBeNull();
  });
});
