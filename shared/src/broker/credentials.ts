import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brokerUrls, mapBrokerUrls } from './addresses';

/**
 * Where `npm start` keeps the passwords it gave the services' broker users: a file
 * outside git (mode 0600) at the repository's root, made on first use and reused after.
 */
export const DEFAULT_CREDENTIALS_FILE = path.resolve(__dirname, '..', '..', '..', '.saga', 'broker-credentials.json');

export type BrokerPasswords = Record<string, string>;

const newPassword = () => randomBytes(24).toString('base64url');

function read(file: string): BrokerPasswords | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as BrokerPasswords) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The password of each user in `users`, from the credentials file; users it lacks get a
 * new random password, written back. Safe when processes race to create the file: the
 * first one's passwords win and the others read them.
 */
export function brokerPasswords(users: readonly string[], file = DEFAULT_CREDENTIALS_FILE): BrokerPasswords {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const existing = read(file);
    if (existing && users.every((user) => typeof existing[user] === 'string' && existing[user])) return existing;
    const passwords: BrokerPasswords = { ...existing };
    for (const user of users) if (!passwords[user]) passwords[user] = newPassword();
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(temporary, `${JSON.stringify(passwords, null, 2)}\n`, { mode: 0o600 });
      if (existing) renameSync(temporary, file);
      else linkSync(temporary, file); // fails if another process created it meanwhile: read theirs
      if (!existing) unlinkSync(temporary);
      // Read back: a process that added users at the same time may have replaced ours.
      const written = read(file);
      if (written && users.every((user) => written[user])) return written;
    } catch {
      try {
        unlinkSync(temporary);
      } catch {
        // already gone
      }
    }
  }
  throw new Error(`Cannot create the broker credentials file ${file}: set BROKER_CREDENTIALS_FILE to a writable path, or each service's <SERVICE>_AMQP_PASSWORD`);
}

/**
 * Each user's password: `<USER>_AMQP_PASSWORD` if set, else the credentials file's (made if
 * missing). The file is not read, nor written, when every user has one in the environment.
 */
export function servicePasswords(users: readonly string[], env: NodeJS.ProcessEnv = process.env): BrokerPasswords {
  const fromEnv = Object.fromEntries(users.flatMap((user) => (env[`${user.toUpperCase()}_AMQP_PASSWORD`] ? [[user, env[`${user.toUpperCase()}_AMQP_PASSWORD`]!]] : [])));
  const missing = users.filter((user) => !(user in fromEnv));
  const fromFile = missing.length > 0 ? brokerPasswords(missing, env.BROKER_CREDENTIALS_FILE || DEFAULT_CREDENTIALS_FILE) : {};
  return { ...fromFile, ...fromEnv };
}

/**
 * The URL a service connects to the broker with (each address of a list alike). A URL that names a user is taken as it
 * is (a deployment gives each service its own); otherwise the service connects as the
 * user named after it, with `<SERVICE>_AMQP_PASSWORD` or the credentials file's password.
 */
export function serviceAmqpUrl(baseUrl: string, service: string, env: NodeJS.ProcessEnv = process.env, users: readonly string[] = [service]): string {
  let password: string | undefined;
  return mapBrokerUrls(baseUrl, (address) => {
    const url = new URL(address);
    if (url.username) return address;
    password ??= servicePasswords(users, env)[service]!;
    url.username = encodeURIComponent(service);
    url.password = encodeURIComponent(password);
    return url.toString();
  });
}

/** The virtual host named by an AMQP URL's path ("/" when it names none); of the first address of a list. */
export function vhostOf(amqpUrl: string): string {
  const pathname = new URL(brokerUrls(amqpUrl)[0] ?? amqpUrl).pathname;
  return pathname.length > 1 ? decodeURIComponent(pathname.slice(1)) : '/';
}
