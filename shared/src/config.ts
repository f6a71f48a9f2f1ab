import { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Variables whose values an error message must not repeat. */
const SECRET = /TOKEN|PASSWORD|SECRET/i;

/**
 * Reads configuration once, at start-up, from environment variables.
 * Each key of the schema is the name of the variable it is read from, so a
 * wrong value stops the process with a message that names the variable.
 */
export function readConfig<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    // A URL's password (postgres://user:password@host) is hidden too.
    const shown = SECRET.test(name) ? '(hidden)' : JSON.stringify((env[name] ?? '').replace(/(\/\/[^/:@]*:)[^/@]*@/, '$1***@'));
    return `  ${issue.path.join('.')}=${shown}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
export const url = (fallback: string) => z.string().url().default(fallback);
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
export const logLevel = () =>
  z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');
