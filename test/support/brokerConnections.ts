import { BrokerAdmin } from '@saga/shared';

interface ConnectionInfo {
  name: string;
  node: string;
  client_properties?: { connection_name?: string };
}

/** The connections whose own name starts with `prefix` (services name theirs "<namespace>:<service>:<replica>"), on every node. */
async function connectionsOf(adminUrl: string, prefix: string): Promise<ConnectionInfo[]> {
  const connections = ((await new BrokerAdmin(adminUrl).request('GET', 'connections?columns=name,node,client_properties')) ?? []) as ConnectionInfo[];
  return connections.filter((c) => c.client_properties?.connection_name?.startsWith(prefix));
}

/** The broker's names of those connections. */
async function connectionsNamed(adminUrl: string, prefix: string): Promise<string[]> {
  return (await connectionsOf(adminUrl, prefix)).map((c) => c.name);
}

/** The node (its Erlang name) holding most of those connections: the one whose loss hurts most. */
export async function busiestNode(adminUrl: string, prefix: string): Promise<string | undefined> {
  const perNode = new Map<string, number>();
  for (const { node } of await connectionsOf(adminUrl, prefix)) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  return [...perNode].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** How many broker connections whose name starts with `prefix` are open. */
export async function countBrokerConnections(adminUrl: string, prefix: string): Promise<number> {
  return (await connectionsNamed(adminUrl, prefix)).length;
}

/**
 * Closes every broker connection whose name starts with `prefix`, through the management
 * API (on whichever node holds it), as a broker restart or network cut would. Other
 * connections are left alone. Returns how many it closed.
 */
export async function closeBrokerConnections(adminUrl: string, prefix: string): Promise<number> {
  const names = await connectionsNamed(adminUrl, prefix);
  const admin = new BrokerAdmin(adminUrl);
  for (const name of names) await admin.request('DELETE', `connections/${encodeURIComponent(name)}`, undefined, { missingOk: true });
  return names.length;
}
