#!/usr/bin/env node
// Standalone entry point: runs the TypeScript CLI through tsx.
require('tsx/cjs');
require('../src/cli.ts').main();
