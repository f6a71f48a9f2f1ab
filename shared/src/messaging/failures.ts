import type { RejectionReason } from './errorQueue';

/** Thrown by a handler to ask for a later retry (the failure is expected to pass). */
export class TransientError extends Error {
  override name = 'TransientError';
}

/** Thrown by a handler that refuses a message for a named reason: it goes to the error queue at once with that reason. */
export class MessageRefused extends Error {
  override name = 'MessageRefused';

  constructor(
    readonly reason: RejectionReason,
    detail: string,
  ) {
    super(detail);
  }
}

// SQLSTATEs that a retry can outlive: connection loss, serialization and deadlock
// conflicts, lock timeouts, server shutdown or overload, a database closed to connections.
const TRANSIENT_SQLSTATE_CLASSES = ['08', '53', '57', '58'];
// 25006: read-only transaction, a standby after a failover, until connections reach the new primary.
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '55P03', '55006', '55000', '25006']);
// In a transient class but caused by the statement's values (08P01: a NUL byte in a
// parameter, say): retrying the same message can only fail the same way. Data exceptions
// (22) and constraint violations (23) are permanent as every class not listed above.
const PERMANENT_SQLSTATES = new Set(['08P01']);
const TRANSIENT_CODES = new Set([
  // Node sockets
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  // opossum: the circuit is open, or the call timed out
  'EOPENBREAKER',
]);

// node-postgres reports some connection failures without a code.
const TRANSIENT_MESSAGES = [
  /^Connection terminated/,
  /is not queryable/,
  /^timeout exceeded when trying to connect/,
  /^Client was closed and is not queryable/,
];

/**
 * Whether a handler failure may succeed later. Everything else (a contract or
 * programming error, a missing row that will stay missing) is permanent and goes
 * to the error queue at once. Walks the `cause` chain, since drizzle wraps driver errors.
 */
export function isTransient(error: unknown): boolean {
  for (const current of causesOf(error)) {
    if (current instanceof TransientError) return true;
    if (current instanceof MessageRefused) return false;
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof message === 'string' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) return true;
    if (typeof code === 'string') {
      if (PERMANENT_SQLSTATES.has(code)) return false;
      if (TRANSIENT_CODES.has(code) || TRANSIENT_SQLSTATES.has(code)) return true;
      if (/^[0-9A-Z]{5}$/.test(code) && TRANSIENT_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
    }
  }
  return false;
}

/** An error and its causes, outermost first (drizzle and others wrap the driver's error), at most five deep. */
export function* causesOf(error: unknown): Generator<object> {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth += 1) {
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

// What says the database cannot be reached or used now (shutdown, crash recovery, no connection
// slots, a standby), or not by this request now (a serialization failure, a deadlock, a lock
// timeout: the same request later succeeds). A cancelled query or a bug is not among them.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '25006', '40001', '40P01', '55P03']);
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'EAI_AGAIN']);

/**
 * Whether a request failed because its database (or the connection to it) is unavailable, or
 * busy with other work in a way the same request later gets past: what an HTTP API answers
 * with 503 and Retry-After. Narrower than isTransient: a cancelled query or an object in the
 * wrong state (55000, a bug) is a 500, not an invitation to retry.
 */
export function dependencyUnavailable(error: unknown): boolean {
  for (const current of causesOf(error)) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof message === 'string' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) return true;
    if (typeof code !== 'string') continue;
    if (CONNECTION_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
    if (code.startsWith('08') && !PERMANENT_SQLSTATES.has(code)) return true;
  }
  return false;
}

/**
 * The database's message when it refused a value a statement carried (a data exception,
 * class 22; a NUL byte, 08P01), from anywhere in the error's causes; undefined otherwise.
 */
export function valueRefusedByDatabase(error: unknown): string | undefined {
  for (const current of causesOf(error)) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (code.startsWith('22') || PERMANENT_SQLSTATES.has(code))) return typeof message === 'string' ? message : code;
  }
  return undefined;
}

/** The innermost message of an error chain: the driver's words, not drizzle's "Failed query: ..." wrapper. */
export function describeError(error: unknown): string {
  let text = String(error);
  for (const current of causesOf(error)) {
    const { message } = current as { message?: unknown };
    if (typeof message === 'string' && message) text = message;
  }
  return text;
}
