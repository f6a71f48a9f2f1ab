// The kernel's own tables, migrated by shared/drizzle (see db/migrate.ts).
export { inbox } from './inbox';
export { outbox, outboxDeadLetters } from './outbox';
