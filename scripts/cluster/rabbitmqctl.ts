import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { clusterEnv } from './environment';
import type { ClusterLayout, NodeLayout } from './layout';

export class RabbitmqctlError extends Error {
  override name = 'RabbitmqctlError';
}

/** What `rabbitmqctl cluster_status --formatter json` says (the fields used here). */
export interface ClusterView {
  disk_nodes: string[];
  ram_nodes?: string[];
  running_nodes: string[];
}

/** rabbitmqctl against one node of the cluster, with the cluster's cookie and epmd. */
export class Rabbitmqctl {
  constructor(private readonly layout: ClusterLayout) {}

  /** Runs `rabbitmqctl -n <node> ...args` and returns its stdout; fails with its stderr, or after `timeoutMs`. */
  run(node: NodeLayout, args: readonly string[], timeoutMs = 30_000): Promise<string> {
    const ctl = path.join(this.layout.sbin, 'rabbitmqctl');
    // Erlang would otherwise make up a cookie there, one no node of the cluster has.
    if (!existsSync(this.layout.cookieFile)) return Promise.reject(new RabbitmqctlError(`no cluster cookie at ${this.layout.cookieFile}: run npm run cluster -- up`));
    return new Promise((resolve, reject) => {
      execFile(ctl, ['-n', node.name, ...args], { env: clusterEnv(this.layout), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const why = error.killed ? `timed out after ${Math.round(timeoutMs / 1000)}s` : (stderr.trim().split('\n').find(Boolean) ?? error.message);
        reject(new RabbitmqctlError(`rabbitmqctl -n ${node.name} ${args.join(' ')}: ${why}`));
      });
    });
  }

  /** The cluster as `node` sees it. */
  async clusterView(node: NodeLayout, timeoutMs?: number): Promise<ClusterView> {
    return JSON.parse(await this.run(node, ['cluster_status', '--formatter', 'json'], timeoutMs)) as ClusterView;
  }
}
