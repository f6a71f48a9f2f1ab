import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info', replica?: string): Logger {
  return pino({ level, base: replica === undefined ? { service } : { service, replica }, timestamp: pino.stdTimeFunctions.isoTime });
}
