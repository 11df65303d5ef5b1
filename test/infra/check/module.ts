/**
 * Reads a Terraform directory with HashiCorp's HCL parser (compiled to
 * WebAssembly in @cdktf/hcl2json) into the declarations the checks walk.
 *
 * hcl2json gives each block as a list of bodies and each attribute as its
 * value, with expressions as strings wrapped in `${...}`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { parse } from '@cdktf/hcl2json';

import type { Problem } from './problems';

export type HclValue = string | number | boolean | null | HclValue[] | HclBody;
export interface HclBody {
  [key: string]: HclValue;
}

export interface SourceFile {
  /** Relative to the module's directory. */
  name: string;
  text: string;
  body: HclBody;
}

/** A resource or data source block. */
export interface Declaration {
  kind: 'resource' | 'data';
  type: string;
  name: string;
  /** `type.name`, or `data.type.name`: how expressions refer to it. */
  address: string;
  body: HclBody;
  file: string;
}

/** A named top-level block or value: a variable, local or output. */
export interface Named<T = HclBody> {
  name: string;
  value: T;
  file: string;
}

export interface TerraformModule {
  dir: string;
  files: SourceFile[];
  resources: Declaration[];
  dataSources: Declaration[];
  variables: Named[];
  locals: Named<HclValue>[];
  outputs: Named[];
  providers: Named[];
  /** `terraform` blocks. */
  settings: Named[];
}

export function isBody(value: HclValue | undefined): value is HclBody {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns a block's bodies: hcl2json lists every block's instances. */
export function blocks(value: HclValue | undefined): HclBody[] {
  return Array.isArray(value) ? value.filter(isBody) : [];
}

/** Returns the `.tf` files of a directory (not of its subdirectories). */
export function terraformFileNames(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.tf'))
    .sort();
}

/**
 * Parses every `.tf` file of a directory; a file that does not parse is a
 * problem of the `hcl-syntax` rule and is left out of the files.
 */
export async function parseFiles(
  dir: string
): Promise<{ files: SourceFile[]; problems: Problem[] }> {
  const files: SourceFile[] = [];
  const problems: Problem[] = [];

  for (const name of terraformFileNames(dir)) {
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    try {
      files.push({ name, text, body: (await parse(name, text)) as HclBody });
    } catch (error) {
      problems.push({
        rule: 'hcl-syntax',
        file: name,
        address: name,
        message: `does not parse: ${(error as Error).message}`,
      });
    }
  }
  return { files, problems };
}

function declarations(files: SourceFile[], kind: 'resource' | 'data'): Declaration[] {
  const found: Declaration[] = [];
  for (const file of files) {
    const byType = file.body[kind];
    if (!isBody(byType)) continue;

    for (const [type, byName] of Object.entries(byType)) {
      if (!isBody(byName)) continue;
      for (const [name, bodies] of Object.entries(byName)) {
        for (const body of blocks(bodies)) {
          const address = kind === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
          found.push({ kind, type, name, address, body, file: file.name });
        }
      }
    }
  }
  return found;
}

function namedBlocks(files: SourceFile[], key: string): Named[] {
  const found: Named[] = [];
  for (const file of files) {
    const byName = file.body[key];
    if (!isBody(byName)) continue;
    for (const [name, bodies] of Object.entries(byName)) {
      for (const value of blocks(bodies)) found.push({ name, value, file: file.name });
    }
  }
  return found;
}

/** Builds the module from parsed files. */
export function moduleOf(dir: string, files: SourceFile[]): TerraformModule {
  const locals: Named<HclValue>[] = [];
  const settings: Named[] = [];
  for (const file of files) {
    for (const body of blocks(file.body.locals)) {
      for (const [name, value] of Object.entries(body)) {
        locals.push({ name, value, file: file.name });
      }
    }
    for (const body of blocks(file.body.terraform)) {
      settings.push({ name: 'terraform', value: body, file: file.name });
    }
  }

  return {
    dir,
    files,
    resources: declarations(files, 'resource'),
    dataSources: declarations(files, 'data'),
    variables: namedBlocks(files, 'variable'),
    locals,
    outputs: namedBlocks(files, 'output'),
    providers: namedBlocks(files, 'provider'),
    settings,
  };
}

/** Parses a directory into a module; throws if any file does not parse. */
export async function loadModule(dir: string): Promise<TerraformModule> {
  const { files, problems } = await parseFiles(dir);
  if (problems.length > 0) {
    throw new Error(problems.map((problem) => problem.message).join('\n'));
  }
  return moduleOf(dir, files);
}
