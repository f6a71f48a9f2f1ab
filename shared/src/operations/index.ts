// What operators use to repair the system, shared by the DLQ command line (tools/dlq) and the console.
export * from './audit';
export * from './deadMessage';
export * from './errorQueues';
export * from './outboxDeadLetters';
