/** One thing wrong with a configuration, named by the rule that found it. */
export interface Problem {
  rule: string;
  /** The file, relative to the checked directory. */
  file: string;
  /** What it is about: a resource address, a variable, a build step. */
  address: string;
  message: string;
}

/** Returns the problems as lines a failing test can print. */
export function describeProblems(problems: Problem[]): string {
  if (problems.length === 0) return 'no problems';
  return problems
    .map((problem) => `${problem.file}: ${problem.address}: [${problem.rule}] ${problem.message}`)
    .join('\n');
}

/** Returns "rule address" for each problem, sorted: what tests compare. */
export function findings(problems: Problem[]): string[] {
  return problems.map((problem) => `${problem.rule} ${problem.address}`).sort();
}
