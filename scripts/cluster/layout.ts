import path from 'node:path';

/** How many nodes the local cluster has: the smallest that keeps a quorum with one node down. */
export const CLUSTER_SIZE = 3;

export interface NodeLayout {
  /** 1, 2 or 3. */
  index: number;
  /** Erlang node name, e.g. saga-c1@localhost. */
  name: string;
  amqpPort: number;
  managementPort: number;
  /** Erlang distribution (inter-node and CLI) port. */
  distPort: number;
  /** The node's own directory under the state dir: config, data, logs, pid file. */
  dir: string;
  configFile: string;
  pluginsFile: string;
  pidFile: string;
  /** RabbitMQ's log. */
  logFile: string;
  /** What the node printed before its logger started (boot failures land here). */
  stdoutFile: string;
}

/** Where and on which ports the local cluster runs. */
export interface ClusterLayout {
  stateDir: string;
  /** Holds the cluster's Erlang cookie: HOME of the nodes and of every rabbitmqctl call. */
  cookieFile: string;
  /** An empty rabbitmq-env.conf of our own, so /etc/rabbitmq/rabbitmq-env.conf (the default broker's) is not read. */
  envConfFile: string;
  nodes: readonly NodeLayout[];
  /** epmd of the cluster's own, so `down` can stop it and the default broker's epmd is never involved. */
  epmdPort: number;
  /** Distribution ports rabbitmqctl calls may take (RabbitMQ's default 35672-35682 is shared with every rabbitmqctl on the machine). */
  ctlDistPorts: { min: number; max: number };
  /** Directory of rabbitmq-server and rabbitmqctl (not /usr/sbin: its wrappers switch to the rabbitmq user and its cookie). */
  sbin: string;
  /** How long one operation (up, start, stop-all...) may wait for nodes, in ms. */
  timeoutMs: number;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535 - CLUSTER_SIZE) throw new Error(`${name} must be a port number, not ${JSON.stringify(raw)}`);
  return value;
}

/**
 * The cluster's layout, from the environment:
 *   CLUSTER_STATE_DIR             state dir (default <repo>/.saga/cluster)
 *   CLUSTER_BASE_PORT             AMQP port of node 1; nodes 2 and 3 take the next ones (default 5673)
 *   CLUSTER_MANAGEMENT_BASE_PORT  management port of node 1 (default CLUSTER_BASE_PORT + 10000)
 *   CLUSTER_DIST_BASE_PORT        distribution port of node 1 (default CLUSTER_BASE_PORT + 20000); rabbitmqctl
 *                                 calls take ports from 10 to 40 above it
 *   CLUSTER_EPMD_PORT             the cluster's epmd (default 4370; 4369 is the machine's)
 *   CLUSTER_NODE_PREFIX           node names <prefix><n>@localhost (default saga-c)
 *   CLUSTER_RABBITMQ_SBIN         RabbitMQ's scripts (default /usr/lib/rabbitmq/bin, Debian's rabbitmq-server)
 *   CLUSTER_TIMEOUT_MS            how long an operation waits for nodes (default 120000)
 */
export function clusterLayout(env: NodeJS.ProcessEnv = process.env): ClusterLayout {
  const stateDir = path.resolve(env.CLUSTER_STATE_DIR || path.join(REPO_ROOT, '.saga', 'cluster'));
  const amqp = port(env, 'CLUSTER_BASE_PORT', 5673);
  const management = port(env, 'CLUSTER_MANAGEMENT_BASE_PORT', amqp + 10000);
  const dist = port(env, 'CLUSTER_DIST_BASE_PORT', amqp + 20000);
  const prefix = env.CLUSTER_NODE_PREFIX || 'saga-c';
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(prefix)) throw new Error(`CLUSTER_NODE_PREFIX must be letters, digits, - or _, not ${JSON.stringify(prefix)}`);
  const timeoutMs = Number(env.CLUSTER_TIMEOUT_MS || 120_000);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error(`CLUSTER_TIMEOUT_MS must be a positive number of milliseconds, not ${JSON.stringify(env.CLUSTER_TIMEOUT_MS)}`);
  const nodes = Array.from({ length: CLUSTER_SIZE }, (_, i): NodeLayout => {
    // localhost, not the machine's hostname: it always resolves, to the loopback the nodes listen on.
    const name = `${prefix}${i + 1}@localhost`;
    const dir = path.join(stateDir, `node${i + 1}`);
    return {
      index: i + 1,
      name,
      amqpPort: amqp + i,
      managementPort: management + i,
      distPort: dist + i,
      dir,
      configFile: path.join(dir, 'rabbitmq.conf'),
      pluginsFile: path.join(dir, 'enabled_plugins'),
      pidFile: path.join(dir, 'pid'),
      logFile: path.join(dir, 'log', `${name}.log`),
      stdoutFile: path.join(dir, 'stdout.log'),
    };
  });
  return {
    stateDir,
    cookieFile: path.join(stateDir, '.erlang.cookie'),
    envConfFile: path.join(stateDir, 'rabbitmq-env.conf'),
    nodes,
    epmdPort: port(env, 'CLUSTER_EPMD_PORT', 4370),
    ctlDistPorts: { min: dist + 10, max: dist + 40 },
    sbin: env.CLUSTER_RABBITMQ_SBIN || '/usr/lib/rabbitmq/bin',
    timeoutMs,
  };
}
