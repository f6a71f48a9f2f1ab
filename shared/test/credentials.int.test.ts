import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serviceAmqpUrl, servicePasswords } from '../src/broker/credentials';

// The broker passwords of the services, on the real file system.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'credentials-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('service broker passwords', () => {
  it('neither reads nor writes the credentials file when every user has its password in the environment', () => {
    const file = path.join(dir, 'nested', 'broker-credentials.json');
    const env = { BROKER_CREDENTIALS_FILE: file, ORDER_AMQP_PASSWORD: 'o-secret', BILLING_AMQP_PASSWORD: 'b-secret' };
    expect(servicePasswords(['order', 'billing'], env)).toEqual({ order: 'o-secret', billing: 'b-secret' });
    expect(serviceAmqpUrl('amqp://127.0.0.1:5672/saga', 'order', env, ['order', 'billing'])).toBe('amqp://order:o-secret@127.0.0.1:5672/saga');
    expect(existsSync(file)).toBe(false);
  });

  it('makes passwords only for the users without one in the environment, and keeps them', () => {
    const file = path.join(dir, 'broker-credentials.json');
    const env = { BROKER_CREDENTIALS_FILE: file, ORDER_AMQP_PASSWORD: 'o-secret' };
    const first = servicePasswords(['order', 'billing'], env);
    expect(first.order).toBe('o-secret');
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')))).toEqual(['billing']);
    expect(servicePasswords(['order', 'billing'], env)).toEqual(first);
  });

  it('says what to set when the file cannot be written', () => {
    const notADirectory = path.join(dir, 'a-file');
    writeFileSync(notADirectory, '');
    const env = { BROKER_CREDENTIALS_FILE: path.join(notADirectory, 'broker-credentials.json') };
    expect(() => servicePasswords(['order'], env)).toThrow(/BROKER_CREDENTIALS_FILE .*_AMQP_PASSWORD/);
  });
});
