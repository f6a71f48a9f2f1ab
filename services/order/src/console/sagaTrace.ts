import { traceHeadersFrom, traceIdOf } from '@saga/shared';
import type { SagaTraceJson } from './consoleApi';

/** A saga's trace as the console shows it: its id, and a link to it where TRACE_UI_URL says (a template with `{traceId}`). */
export function sagaTrace(traceContext: string | null, traceUiUrl: string | undefined): SagaTraceJson | null {
  const headers = traceHeadersFrom(traceContext, undefined);
  if (!headers) return null;
  const traceId = traceIdOf(headers);
  return { traceId, url: traceUiUrl ? traceUiUrl.replace('{traceId}', traceId) : null };
}
