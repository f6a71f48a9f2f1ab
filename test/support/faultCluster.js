// Jest globalSetup and globalTeardown of the fault tier: the tier runs on the local
// three-node RabbitMQ cluster (docs/cluster.md), brought up here through `npm run cluster`
// unless a developer's is already up, and taken down afterwards only if it was started here.
const { execFileSync, spawnSync } = require('node:child_process');
const path = require('node:path');
const requireServices = require('./requireServices');

const root = path.resolve(__dirname, '..', '..');
const cluster = (...args) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cluster.ts', ...args], { cwd: root, encoding: 'utf8' });
const STARTED_HERE = 'SAGA_FAULT_CLUSTER_STARTED';

async function setup() {
  await requireServices();
  if (cluster('status').status === 0) return;
  process.env[STARTED_HERE] = '1';
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/cluster.ts', 'up'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function teardown() {
  if (process.env[STARTED_HERE] !== '1') return;
  const result = cluster('down');
  if (result.status !== 0) process.stderr.write(`The fault tier could not stop the broker cluster it started: ${result.stderr}\n`);
}

module.exports = setup;
module.exports.teardown = teardown;
