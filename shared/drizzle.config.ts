import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/messaging/tables.ts',
  out: './drizzle',
});
