import { spawn } from 'node:child_process';
import path from 'node:path';
import { dropTestDatabase, TEST_POSTGRES_URL, uniqueName } from '@saga/shared/testing';

const root = path.resolve(__dirname, '..', '..');

/** Runs a service's main.ts as `npm start` would, and returns its exit code and stderr. */
function runService(service: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'services', service, 'src', 'main.ts')], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('start-up without its infrastructure', () => {
  it('exits with a message naming the PostgreSQL URL and the variable to set', async () => {
    const result = await runService('order', { ORDER_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/orders', ORDER_PORT: '0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Cannot reach PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/orders .*set ORDER_DATABASE_URL/);
  });

  it('exits with a message naming the RabbitMQ URL and the variable to set', async () => {
    const database = new URL(TEST_POSTGRES_URL);
    database.pathname = `/${uniqueName('startup')}`;
    const result = await runService('billing', {
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:1',
      BILLING_DATABASE_URL: database.toString(),
      BILLING_PORT: '0',
    });
    expect(result.code).toBe(1);
    await dropTestDatabase(database.toString());
    expect(result.stderr).toMatch(/Cannot reach RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1 .*set AMQP_URL/);
  });

  it('exits naming a configuration variable with a wrong value', async () => {
    const result = await runService('inventory', { INVENTORY_PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/INVENTORY_PORT="eighty"/);
  });

  it('exits on an operator token too short to be a secret, naming the variable without repeating the value', async () => {
    const result = await runService('order', { OPERATOR_TOKEN: 'hunter2', ORDER_PORT: '0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/OPERATOR_TOKEN=\(hidden\): must be 16 to 512 printable ASCII/);
    expect(result.stderr).not.toContain('hunter2');
  });
});
