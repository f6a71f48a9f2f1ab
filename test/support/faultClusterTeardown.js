// Jest globalTeardown of the fault tier (see faultCluster.js).
module.exports = require('./faultCluster').teardown;
