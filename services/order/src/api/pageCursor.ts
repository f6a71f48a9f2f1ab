import { z } from 'zod';
import { badRequest } from '@saga/shared';

/** Cursor of a page listed newest first: the (createdAt, id) of its last row. */
export const encodeCursor = (createdAt: Date, id: string) => Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url');

/** Only what encodeCursor makes: a four-digit-year instant (JavaScript accepts years PostgreSQL does not) and a uuid. */
const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f-]{36})$/;

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const match = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? CURSOR.exec(Buffer.from(cursor, 'base64url').toString('latin1')) : null;
  const createdAt = new Date(match?.[1] ?? '');
  const id = match?.[2];
  // Year 0000 parses in JavaScript but not in PostgreSQL.
  if (!id || !z.uuid().safeParse(id).success || Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== match?.[1] || createdAt.getUTCFullYear() < 1) {
    throw badRequest('Invalid cursor', [{ field: 'cursor', message: 'not a cursor returned by this API' }]);
  }
  return { createdAt, id };
}
