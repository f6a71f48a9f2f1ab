import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The pids of the broker connections whose name starts with `prefix` (services name theirs "<namespace>:<service>:<replica>"). */
async function connectionPids(prefix: string): Promise<string[]> {
  // The default tab-separated output prints pids in the form close_connection accepts (the JSON one does not).
  const { stdout } = await run('rabbitmqctl', ['list_connections', 'pid', 'client_properties', '--quiet', '--no-table-headers']);
  return stdout
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${prefix}`))
    .map((line) => line.split('\t')[0]!);
}

/** How many broker connections whose name starts with `prefix` are open. */
export async function countBrokerConnections(prefix: string): Promise<number> {
  return (await connectionPids(prefix)).length;
}

/**
 * Closes every broker connection whose name starts with `prefix`, through rabbitmqctl,
 * as a broker restart or network cut would. Other connections on the broker are left
 * alone. Returns how many it closed.
 */
export async function closeBrokerConnections(prefix: string): Promise<number> {
  const pids = await connectionPids(prefix);
  for (const pid of pids) await run('rabbitmqctl', ['close_connection', pid, 'closed by the fault suite', '--quiet']);
  return pids.length;
}
