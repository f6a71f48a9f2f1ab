/**
 * The local three-node RabbitMQ cluster for tests (docs/cluster.md). The one implementation
 * is the class `npm run cluster` drives, so a cluster a developer started with
 * `npm run cluster -- up` is the very one `ensureUp()` finds and reuses.
 */
export { BrokerCluster, type ClusterStatus, type NodeStatus } from '../../scripts/cluster/brokerCluster';
export { clusterLayout, type ClusterLayout, type NodeLayout } from '../../scripts/cluster/layout';
