/** Prints the plain closing line CI reads ("jest: N passed, N failed, N skipped"), after jest's own summary. */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests } = results;
    process.stdout.write(`jest: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests} skipped\n`);
  }
}
module.exports = SummaryReporter;
