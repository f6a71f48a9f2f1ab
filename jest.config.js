// Test tiers by file suffix: *.unit.test.ts (pure, no I/O), *.int.test.ts (real
// PostgreSQL and RabbitMQ), *.e2e.test.ts (all the services over HTTP), *.fault.test.ts
// (the services as processes, replicas of each on a local three-node RabbitMQ cluster,
// with crashes, outages and duplicates injected),
// *.adversarial.test.ts (hostile messages and requests against the running system),
// *.browser.test.ts (the console in headless Chromium against the running system).
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { target: 'es2022', parser: { syntax: 'typescript' }, keepClassNames: true }, module: { type: 'commonjs' } },
  ],
};
const common = { testEnvironment: 'node', transform, roots: ['<rootDir>/shared', '<rootDir>/services', '<rootDir>/tools', '<rootDir>/test'] };

/** @type {import('jest').Config} */
module.exports = {
  // Generous: waits poll real services until a deadline of their own; the test timeout is only a backstop.
  testTimeout: 120_000,
  reporters: ['default', '<rootDir>/test/support/summaryReporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.unit.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['**/*.int.test.ts'], globalSetup: '<rootDir>/test/support/requireServices.js' },
    { ...common, displayName: 'e2e', testMatch: ['**/*.e2e.test.ts'], globalSetup: '<rootDir>/test/support/requireServices.js' },
    { ...common, displayName: 'adversarial', testMatch: ['**/*.adversarial.test.ts'], globalSetup: '<rootDir>/test/support/requireServices.js' },
    {
      ...common,
      displayName: 'fault',
      testMatch: ['**/*.fault.test.ts'],
      globalSetup: '<rootDir>/test/support/faultCluster.js',
      globalTeardown: '<rootDir>/test/support/faultClusterTeardown.js',
    },
    { ...common, displayName: 'browser', testMatch: ['**/*.browser.test.ts'], globalSetup: '<rootDir>/test/support/requireServices.js' },
  ],
};
