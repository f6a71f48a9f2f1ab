// The JSON contract, shared with the backend. Types only: nothing is bundled from it.
export type * from '../../src/console/consoleApi';
