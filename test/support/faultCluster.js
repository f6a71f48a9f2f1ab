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

/** The machine's PostgreSQL back, if a scenario that stopped it could not restore it (a jest timeout skips its finally). */
function ensurePostgresRuns() {
  const url = new URL(process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const port = url.port || '5432';
  if (spawnSync('pg_isready', ['-h', url.hostname, '-p', port, '-q']).status === 0) return;
  const listed = spawnSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' }).stdout ?? '';
  const fields = listed.split('\n').map((line) => line.trim().split(/\s+/)).find((each) => each[2] === port);
  if (!fields) return process.stderr.write(`PostgreSQL on port ${port} does not answer and pg_lsclusters does not list it\n`);
  process.stderr.write(`The fault tier left PostgreSQL ${fields[0]}/${fields[1]} stopped: starting it\n`);
  spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', fields[0], fields[1], 'start'], { stdio: 'inherit' });
}

async function teardown() {
  ensurePostgresRuns();
  if (process.env[STARTED_HERE] !== '1') return;
  const result = cluster('down');
  if (result.status !== 0) process.stderr.write(`The fault tier could not stop the broker cluster it started: ${result.stderr}\n`);
}

module.exports = setup;
module.exports.teardown = teardown;
