'use strict';
// Ends the run's output with one plain line, `jest: N passed, N failed,
// N skipped`, that reads the same whatever jest's own summary looks like.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(
      `jest: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`
    );
  }
}

module.exports = SummaryReporter;
