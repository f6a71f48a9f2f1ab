import { BrokerAdmin } from '@saga/shared';

/** A connection as the management API lists it (on every node of a cluster). */
interface ConnectionInfo {
  /** The broker's name for it. */
  name: string;
  node: string;
  client_properties?: { connection_name?: string };
}

/** The connections whose own name starts with `prefix` (services name theirs "<namespace>:<service>:<replica>"). */
async function connectionsOf(adminUrl: string, prefix: string): Promise<ConnectionInfo[]> {
  const connections = ((await new BrokerAdmin(adminUrl).request('GET', 'connections?columns=name,node,client_properties')) ?? []) as ConnectionInfo[];
  return connections.filter((c) => c.client_properties?.connection_name?.startsWith(prefix));
}

/**
 * The processes (connection names) with a connection listed that is not among `gone`. The
 * management API lists connections a few seconds late, and a closed one for a while after.
 */
export async function connectedProcesses(adminUrl: string, prefix: string, gone: ReadonlySet<string> = new Set()): Promise<Set<string>> {
  return new Set((await connectionsOf(adminUrl, prefix)).filter((c) => !gone.has(c.name)).map((c) => c.client_properties!.connection_name!));
}

/**
 * Closes every connection whose own name starts with `prefix` and is not among `gone`,
 * through the management API (on whichever node holds it), as a broker restart or network
 * cut would. Other connections are left alone. Returns the broker's names of those it closed
 * and the processes they belonged to.
 */
export async function closeBrokerConnections(adminUrl: string, prefix: string, gone: ReadonlySet<string> = new Set()): Promise<{ names: string[]; processes: Set<string> }> {
  const closing = (await connectionsOf(adminUrl, prefix)).filter((c) => !gone.has(c.name));
  const admin = new BrokerAdmin(adminUrl);
  for (const { name } of closing) await admin.request('DELETE', `connections/${encodeURIComponent(name)}`, undefined, { missingOk: true });
  return { names: closing.map((c) => c.name), processes: new Set(closing.map((c) => c.client_properties!.connection_name!)) };
}

/** The node (its Erlang name) holding most of those connections: the one whose loss hurts most. */
export async function busiestNode(adminUrl: string, prefix: string): Promise<string | undefined> {
  const perNode = new Map<string, number>();
  for (const { node } of await connectionsOf(adminUrl, prefix)) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  return [...perNode].sort((a, b) => b[1] - a[1])[0]?.[0];
}
