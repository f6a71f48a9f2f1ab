import { randomUUID } from 'node:crypto';

/** The clock and id source that domain code is given instead of reaching for them. */
export interface Runtime {
  now: () => Date;
  newId: () => string;
}

export const systemRuntime: Runtime = { now: () => new Date(), newId: () => randomUUID() };
