/**
 * Which hosts webhooks may be sent to. A subscriber's URL names a host; the request goes
 * only where the operator allowed (WEBHOOK_ALLOWED_HOSTS), so an API caller cannot make
 * the service call an internal address (a metadata endpoint, a database admin page).
 *
 * Hosts are compared as the WHATWG URL parser writes them: lower case, IPv4 in dotted
 * decimal (so 0x7f.1 and 2130706433 are 127.0.0.1), IPv6 compressed and without its
 * brackets. Configured hosts go through the same parser, so "::1" matches "http://[::1]/".
 * An entry with a port ("localhost:9000", "[::1]:9000") allows that port only; one without
 * allows any port of the host. Names are not resolved: allow only names you control.
 */

const WITH_PORT = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/;

/**
 * The canonical form of an allowlist entry: a host (a name, an IPv4 or an IPv6 address,
 * bracketed or not), optionally with a port, or undefined if it is not one.
 */
export function canonicalHost(entry: string): string | undefined {
  if (entry.trim().endsWith(':')) return undefined;
  const withPort = WITH_PORT.exec(entry.trim());
  if (withPort) {
    const port = Number(withPort[2]);
    const host = canonicalBareHost(withPort[1]!);
    if (!host || port < 1 || port > 65535) return undefined;
    return `${host.includes(':') ? `[${host}]` : host}:${port}`;
  }
  return canonicalBareHost(entry);
}

function canonicalBareHost(host: string): string | undefined {
  const trimmed = host.trim();
  if (!trimmed || /[\s/?#@\\]/.test(trimmed)) return undefined;
  const bracketed = trimmed.includes(':') && !trimmed.startsWith('[') ? `[${trimmed}]` : trimmed;
  try {
    const parsed = new URL(`http://${bracketed}/`);
    if (parsed.port !== '') return undefined;
    return unbracket(parsed.hostname).replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

const unbracket = (hostname: string) => (hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname).toLowerCase();

/** The host of a parsed URL in canonical form. */
export const hostOf = (url: URL): string => unbracket(url.hostname).replace(/\.$/, '');

export const MAX_URL_LENGTH = 2048;

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * Whether `raw` may be a subscriber's URL: absolute http(s), at most 2048 characters, no
 * user:password@, no #fragment, and its host in `allowedHosts` (canonical forms).
 */
export function checkWebhookUrl(raw: string, allowedHosts: readonly string[]): UrlCheck {
  if (raw.length > MAX_URL_LENGTH) return { ok: false, reason: `must be at most ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'must be an absolute http: or https: URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'must be an absolute http: or https: URL' };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'must not carry a user name or password (user:password@)' };
  if (url.hash !== '' || raw.includes('#')) return { ok: false, reason: 'must not have a fragment (#...)' };
  const host = hostOf(url);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const hostAndPort = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (!allowedHosts.includes(host) && !allowedHosts.includes(hostAndPort)) return { ok: false, reason: notAllowed(host, port, allowedHosts) };
  return { ok: true, url };
}

const notAllowed = (host: string, port: string, allowedHosts: readonly string[]) =>
  `host ${host} is not allowed on port ${port}: webhooks may only go to ${allowedHosts.length ? allowedHosts.join(', ') : '(no host)'} (set WEBHOOK_ALLOWED_HOSTS to allow others)`;
