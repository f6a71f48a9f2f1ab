import path from 'node:path';
import type { ClusterLayout, NodeLayout } from './layout';

const LOOPBACK_DIST = '-kernel inet_dist_use_interface {127,0,0,1}';

/**
 * The environment of every RabbitMQ process of the cluster, nodes and rabbitmqctl alike.
 *
 * The cookie: HOME is the state dir, which holds the cluster's own .erlang.cookie (0400).
 * On 3.10 both the server (erl reads $HOME/.erlang.cookie) and rabbitmqctl (the same, or
 * --erlang-cookie) honour it; RABBITMQ_ERLANG_COOKIE still works but the CLI prints that it
 * is deprecated, and `-setcookie` in RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS / RABBITMQ_CTL_ERL_ARGS
 * would put the cookie on the command line of every process, for any local user's `ps`.
 * Without HOME set, rabbitmqctl would instead create a cookie in the caller's home, hence
 * no call ever goes without this environment.
 */
export function clusterEnv(layout: ClusterLayout): NodeJS.ProcessEnv {
  // RabbitMQ and Erlang variables of the caller's (a developer's RABBITMQ_NODENAME, say) would leak into the nodes.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(RABBITMQ_|ERL_)/.test(key)));
  return {
    ...inherited,
    HOME: layout.stateDir,
    RABBITMQ_CONF_ENV_FILE: layout.envConfFile,
    ERL_EPMD_PORT: String(layout.epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_CTL_DIST_PORT_MIN: String(layout.ctlDistPorts.min),
    RABBITMQ_CTL_DIST_PORT_MAX: String(layout.ctlDistPorts.max),
    RABBITMQ_CTL_ERL_ARGS: LOOPBACK_DIST,
  };
}

/** A node's environment: its name, ports and files (variable names as rabbit_env of 3.10 reads them). */
export function nodeEnv(layout: ClusterLayout, node: NodeLayout): NodeJS.ProcessEnv {
  return {
    ...clusterEnv(layout),
    RABBITMQ_NODENAME: node.name,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(node.amqpPort),
    RABBITMQ_DIST_PORT: String(node.distPort),
    RABBITMQ_MNESIA_BASE: path.join(node.dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.dirname(node.logFile),
    RABBITMQ_CONFIG_FILE: node.configFile,
    // None exists: they keep /etc/rabbitmq/advanced.config, conf.d and motd out.
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(node.dir, 'advanced.config'),
    RABBITMQ_CONFIG_FILES: path.join(node.dir, 'conf.d'),
    RABBITMQ_MOTD_FILE: path.join(node.dir, 'motd'),
    RABBITMQ_ENABLED_PLUGINS_FILE: node.pluginsFile,
    RABBITMQ_PID_FILE: node.pidFile,
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: LOOPBACK_DIST,
    // Unbound schedulers: three VMs binding theirs to the same cores would queue behind each other.
    RABBITMQ_SCHEDULER_BIND_TYPE: 'u',
  };
}
