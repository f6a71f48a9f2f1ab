import { canonicalHost, checkWebhookUrl } from '../src/webhooks/allowlist';
import { loadWebhookSettings } from '../src/webhooks/settings';

const allowed = loadWebhookSettings({}).allowedHosts;
const reasonOf = (url: string, hosts = allowed) => {
  const check = checkWebhookUrl(url, hosts);
  return check.ok ? undefined : check.reason;
};

describe('the webhook host allowlist', () => {
  it('allows localhost, 127.0.0.1 and ::1 by default', () => {
    expect(allowed).toEqual(['localhost', '127.0.0.1', '::1']);
    for (const url of ['http://localhost:8080/hook', 'https://127.0.0.1/x?y=1', 'http://[::1]:9000/', 'http://LOCALHOST/', 'http://localhost./']) {
      expect(reasonOf(url)).toBeUndefined();
    }
  });

  it('refuses hosts outside it, naming the allowed ones and the variable', () => {
    for (const url of ['http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/', 'http://example.com/', 'http://127.0.0.2/', 'http://[::2]/']) {
      expect(reasonOf(url)).toMatch(/is not allowed.*localhost, 127\.0\.0\.1, ::1.*WEBHOOK_ALLOWED_HOSTS/);
    }
  });

  it('compares addresses as the URL parser writes them, so other spellings of an address do not slip through or get refused', () => {
    expect(reasonOf('http://0x7f.1/')).toBeUndefined(); // 127.0.0.1
    expect(reasonOf('http://2130706433/')).toBeUndefined(); // 127.0.0.1
    expect(reasonOf('http://[0:0:0:0:0:0:0:1]/')).toBeUndefined(); // ::1
    expect(reasonOf('http://0xa9.0xfe.0xa9.0xfe/')).toMatch(/169\.254\.169\.254 is not allowed/);
    expect(reasonOf('http://[::ffff:127.0.0.1]/')).toMatch(/not allowed/); // not ::1, not 127.0.0.1 as a host name
    expect(reasonOf('http://localhost.evil.example/')).toMatch(/not allowed/);
  });

  it('refuses what is not an absolute http(s) URL, user information, fragments and overlong URLs', () => {
    expect(reasonOf('/relative')).toMatch(/absolute http/);
    expect(reasonOf('ftp://localhost/')).toMatch(/absolute http/);
    expect(reasonOf('file:///etc/passwd')).toMatch(/absolute http/);
    expect(reasonOf('http://user:pass@localhost/')).toMatch(/user name or password/);
    expect(reasonOf('http://user@localhost/')).toMatch(/user name or password/);
    expect(reasonOf('http://localhost/#top')).toMatch(/fragment/);
    expect(reasonOf('http://localhost/#')).toMatch(/fragment/);
    expect(reasonOf(`http://localhost/${'a'.repeat(2048)}`)).toMatch(/2048/);
  });

  it('reads WEBHOOK_ALLOWED_HOSTS into canonical hosts, and refuses entries that are not hosts', () => {
    expect(loadWebhookSettings({ WEBHOOK_ALLOWED_HOSTS: ' Hooks.Example.COM , [::1], 0:0::1, 127.0.0.1 ' }).allowedHosts).toEqual(['hooks.example.com', '::1', '127.0.0.1']);
    expect(reasonOf('https://hooks.example.com/in', ['hooks.example.com'])).toBeUndefined();
    expect(() => loadWebhookSettings({ WEBHOOK_ALLOWED_HOSTS: 'http://example.com/' })).toThrow(/WEBHOOK_ALLOWED_HOSTS.*not a host name/);
    expect(loadWebhookSettings({ WEBHOOK_ALLOWED_HOSTS: 'example.com:8080' }).allowedHosts).toEqual(['example.com:8080']);
    expect(canonicalHost('user@host')).toBeUndefined();
  });

  it('reads the other settings with their defaults', () => {
    expect(loadWebhookSettings({})).toEqual({
      allowedHosts: ['localhost', '127.0.0.1', '::1'],
      maxAttempts: 12,
      retryBaseMs: 1000,
      retryMaxMs: 3_600_000,
      timeoutMs: 10_000,
      pollIntervalMs: 1000,
      secretGraceMs: 86_400_000,
    });
    expect(() => loadWebhookSettings({ WEBHOOK_MAX_ATTEMPTS: '0' })).toThrow(/WEBHOOK_MAX_ATTEMPTS/);
  });
});

describe('allowlist entries with a port', () => {
  it('allow that port only', () => {
    const allowed = ['localhost:9000', '[::1]:9443'].map((entry) => canonicalHost(entry)!);
    expect(allowed).toEqual(['localhost:9000', '[::1]:9443']);
    expect(checkWebhookUrl('http://localhost:9000/hooks', allowed).ok).toBe(true);
    expect(checkWebhookUrl('http://LOCALHOST:9000/hooks', allowed).ok).toBe(true);
    expect(checkWebhookUrl('http://localhost:9001/hooks', allowed).ok).toBe(false);
    expect(checkWebhookUrl('http://localhost/hooks', allowed).ok).toBe(false);
    expect(checkWebhookUrl('http://[::1]:9443/', allowed).ok).toBe(true);
    expect(checkWebhookUrl('http://[::1]:15672/', allowed).ok).toBe(false);
  });

  it('count a default port as the port it is', () => {
    expect(checkWebhookUrl('http://127.0.0.1/hooks', [canonicalHost('127.0.0.1:80')!]).ok).toBe(true);
    expect(checkWebhookUrl('https://127.0.0.1/hooks', [canonicalHost('127.0.0.1:80')!]).ok).toBe(false);
  });

  it('refuse what is not a host and port', () => {
    for (const entry of ['localhost:0', 'localhost:70000', 'a:b:c:9000', 'localhost:', '[::1]:']) expect(canonicalHost(entry)).toBeUndefined();
  });
});
