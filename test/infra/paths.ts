import * as path from 'node:path';

export const repoRoot = path.join(__dirname, '..', '..');
export const infraDir = path.join(repoRoot, 'infra');

/** Returns the directory of a small broken copy that plants mistakes. */
export function brokenCopy(name: string): string {
  return path.join(__dirname, 'broken', name);
}
