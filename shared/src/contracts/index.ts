export * from './common';
export * as order from './order';
export * as inventory from './inventory';
export * as billing from './billing';
export * as shipping from './shipping';
export * from './countries';
