// Prints one plain line per jest run ("jest: 94 passed, 0 failed, 0 skipped") that CI can read;
// a test file that could not even run (a syntax error, a failing import) is counted too, as it
// has no tests to fail.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const unrun = results.numRuntimeErrorTestSuites;
    process.stdout.write(`jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped${unrun ? `, ${unrun} test files failed to run` : ''}\n`);
  }
}
module.exports = SummaryReporter;
