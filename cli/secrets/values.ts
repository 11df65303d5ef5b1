/**
 * Where each credential's value comes from: a `.env` file, else the
 * environment. A value is never printed; only where it came from and
 * whether it can be used.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEnv } from 'node:util';

import type { Credential } from './credentials';
import { CliError } from './errors';

type Env = Record<string, string | undefined>;

export type Reading =
  | { kind: 'value'; value: string; source: string }
  | { kind: 'missing'; looked: string }
  | { kind: 'empty'; source: string }
  | { kind: 'malformed'; source: string; expected: string };

export interface ValueSources {
  /** The file read, if any. */
  file?: { path: string; values: Record<string, string | undefined> };
  env: Env;
}

/** Reads the file named, or `.env` where it exists; throws CliError. */
export function readSources(env: Env, envFile: string | undefined, cwd: string): ValueSources {
  const file = envFile ?? (fs.existsSync(path.join(cwd, '.env')) ? '.env' : undefined);
  if (file === undefined) return { env };

  let text: string;
  try {
    text = fs.readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return { file: { path: file, values: parseEnv(text) }, env };
}

/** Returns a credential's value and where it came from, or why there is none. */
export function readValue(credential: Credential, sources: ValueSources): Reading {
  const { name } = credential;
  const fromFile = sources.file?.values[name];
  const fromEnv = sources.env[name];

  // The file is what the operator pointed at, so it wins.
  let raw: string | undefined;
  let source: string;
  if (fromFile !== undefined) {
    raw = fromFile;
    source = sources.file!.path;
  } else {
    raw = fromEnv;
    source = 'the environment';
  }

  if (raw === undefined) {
    const looked = sources.file ? `${sources.file.path} or the environment` : 'the environment';
    return { kind: 'missing', looked };
  }
  const value = raw.trim();
  if (value === '') return { kind: 'empty', source };
  if (credential.shape && !credential.shape.pattern.test(value)) {
    return { kind: 'malformed', source, expected: credential.shape.description };
  }
  return { kind: 'value', value, source };
}
