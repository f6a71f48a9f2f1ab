// Jest globalSetup of the integration and e2e tiers: fails at once, naming the URL and the
// variable to set, when the PostgreSQL or RabbitMQ the tests use cannot be reached.
const net = require('node:net');

function reachable(url, defaultPort) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || defaultPort) });
    socket.setTimeout(3000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

module.exports = async function requireServices() {
  const services = [
    ['PostgreSQL', process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', 5432, 'TEST_POSTGRES_URL'],
    ['RabbitMQ', process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', 5672, 'AMQP_URL'],
  ];
  const missing = [];
  for (const [name, url, port, variable] of services) {
    if (!(await reachable(url, port))) missing.push(`${name} is not reachable at ${url.replace(/:[^:@/]+@/, ':***@')}; start it or set ${variable}`);
  }
  if (missing.length > 0) throw new Error(`These tests need real services:\n  ${missing.join('\n  ')}`);
};
