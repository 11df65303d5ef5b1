/**
 * Checks a Cloud Build configuration without Cloud Build: it parses, its
 * steps are well formed, images are pinned, every npm script and file it
 * names exists, its substitutions are declared and used, and applying is
 * behind a substitution that is off by default.
 */
import { parseDocument } from 'yaml';

import type { Problem } from './problems';

/** What the check needs to know about the repository. */
export interface Repository {
  scripts: Record<string, string>;
  exists(relativePath: string): boolean;
}

interface Step {
  id?: string;
  name?: unknown;
  args?: unknown;
  script?: unknown;
  entrypoint?: unknown;
  dir?: unknown;
  env?: unknown;
  waitFor?: unknown;
}

// What Cloud Build itself substitutes.
const builtIns = new Set([
  'PROJECT_ID',
  'PROJECT_NUMBER',
  'BUILD_ID',
  'LOCATION',
  'TRIGGER_NAME',
  'TRIGGER_BUILD_CONFIG_PATH',
  'COMMIT_SHA',
  'SHORT_SHA',
  'REVISION_ID',
  'REPO_NAME',
  'REPO_FULL_NAME',
  'BRANCH_NAME',
  'TAG_NAME',
  'REF_NAME',
  'SERVICE_ACCOUNT',
  'SERVICE_ACCOUNT_EMAIL',
  '_HEAD_BRANCH',
  '_BASE_BRANCH',
  '_HEAD_REPO_URL',
  '_PR_NUMBER',
]);

/** Paths a build creates, which need not exist in the repository. */
const generated = ['dist/', 'node_modules/', 'infra/build/', '.cloudbuild/'];

/** A repository path with a file extension, standing alone in a command. */
const pathLike = new RegExp(
  String.raw`(?:^|[\s'"=(])((?:\./)?[\w.-]+(?:/[\w.-]+)*` +
    String.raw`\.(?:js|mjs|cjs|ts|sh|json|tf|ya?ml))(?=$|[\s'";)])`,
  'g'
);

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  return [];
}

/** Returns the names a text substitutes: `$NAME` and `${NAME}`, not `$$`. */
function substituted(source: string): string[] {
  const names: string[] = [];
  for (const match of source.matchAll(
    /\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g
  )) {
    if (match[1] === '$') continue;
    names.push(match[2] ?? match[3]);
  }
  return names;
}

/** Returns the npm scripts a command line runs. */
function npmScripts(source: string): string[] {
  const scripts: string[] = [];
  for (const match of source.matchAll(
    /\bnpm\s+(?:run(?:-script)?\s+(?:--\S+\s+)*([A-Za-z0-9:_-]+)|(test|start)\b)/g
  )) {
    scripts.push(match[1] ?? match[2]);
  }
  return scripts;
}

function tagOf(image: string): { tag?: string; digest: boolean } {
  if (image.includes('@sha256:')) return { digest: true };
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  return { tag: colon === -1 ? undefined : lastSegment.slice(colon + 1), digest: false };
}

interface Build {
  declared: Record<string, unknown>;
  automapped: boolean;
  repository: Repository;
  /** Substitutions some field or script uses. */
  used: Set<string>;
  /** Step ids so far, and files earlier steps write. */
  ids: Set<string>;
  created: Set<string>;
  report(rule: string, address: string, message: string): void;
}

function checkShape(build: Build, step: Step, address: string): void {
  if (step.id !== undefined) {
    if (build.ids.has(step.id)) {
      build.report('build-steps', address, 'its id is used by an earlier step');
    }
    build.ids.add(step.id);
  }
  for (const waited of strings(step.waitFor)) {
    if (waited !== '-' && !build.ids.has(waited)) {
      build.report('build-steps', address, `waits for ${waited}, which is no earlier step`);
    }
  }
  if (step.script !== undefined && (step.args !== undefined || step.entrypoint !== undefined)) {
    build.report(
      'build-steps',
      address,
      'a step with a script may have neither args nor entrypoint'
    );
  }

  const { tag, digest } = tagOf(String(step.name));
  if (!digest && (tag === undefined || tag === 'latest')) {
    build.report('pinned-image', address, `${step.name} is not pinned to a version`);
  }
}

// Cloud Build replaces $NAME in every field but scripts; scripts read the
// substitutions from the environment when they are automapped.
function checkSubstitutions(build: Build, step: Step, address: string): void {
  const fields = [step.name, step.args, step.dir, step.env, step.entrypoint].flatMap(strings);
  for (const name of fields.flatMap(substituted)) {
    build.used.add(name);
    if (builtIns.has(name) || name in build.declared) continue;
    const hint = name.startsWith('_') ? 'declare it' : 'write $$ for a shell variable';
    build.report('substitutions', address, `$${name} is not a substitution: ${hint}`);
  }

  for (const name of strings(step.script).flatMap(substituted)) {
    if (!name.startsWith('_') && !builtIns.has(name)) continue; // The shell's own.
    build.used.add(name);
    if (!builtIns.has(name) && !(name in build.declared)) {
      build.report('substitutions', address, `$${name} is not declared under substitutions`);
    } else if (!build.automapped) {
      build.report('substitutions', address, `$${name} is read, but automapSubstitutions is off`);
    }
  }
}

function checkNamed(build: Build, step: Step, address: string, commands: string): void {
  for (const script of npmScripts(commands)) {
    if (!(script in build.repository.scripts)) {
      build.report('npm-script', address, `runs npm script "${script}", which is not defined`);
    }
  }

  const dir = typeof step.dir === 'string' ? step.dir : '';
  if (dir && !build.repository.exists(dir)) {
    build.report('named-file', address, `its dir ${dir} does not exist`);
  }
  const inRepository = (named: string) => {
    const relative = named.replace(/^\.\//, '');
    return dir ? `${dir}/${relative}` : relative;
  };
  // A file a step writes (`> file`) need not exist before it.
  for (const match of commands.matchAll(/>>?\s*([\w./-]+)/g)) {
    build.created.add(inRepository(match[1]));
  }
  for (const match of commands.matchAll(pathLike)) {
    const named = inRepository(match[1]);
    if (build.created.has(named) || generated.some((prefix) => named.startsWith(prefix))) continue;
    if (!build.repository.exists(named)) {
      build.report('named-file', address, `names ${named}, which does not exist`);
    }
  }
}

function checkApply(build: Build, address: string, commands: string): void {
  if (!/\bterraform\s+apply\b/.test(commands)) return;

  const off = ['', 'false', '0', 'no'];
  const gates = substituted(commands).filter((name) =>
    off.includes(String(build.declared[name] ?? 'undeclared'))
  );
  if (gates.length === 0) {
    build.report('gated-apply', address, 'applies without a substitution that is off by default');
  }
  if (/\bterraform\s+apply\b(?![^\n]*\s[\w./-]*plan\b)/.test(commands)) {
    build.report('gated-apply', address, 'applies something other than the saved plan');
  }
}

/** Returns every problem of a Cloud Build configuration. */
export function checkCloudBuild(
  source: string,
  repository: Repository,
  file = 'cloudbuild.yaml'
): Problem[] {
  const problems: Problem[] = [];
  const report = (rule: string, address: string, message: string) =>
    problems.push({ rule, file, address, message });

  const document = parseDocument(source, { uniqueKeys: true });
  if (document.errors.length > 0) {
    for (const error of document.errors) report('yaml-syntax', file, error.message);
    return problems;
  }
  const config = (document.toJS() ?? {}) as Record<string, unknown>;
  const steps = Array.isArray(config.steps) ? (config.steps as Step[]) : [];
  if (steps.length === 0) {
    report('build-steps', file, 'there are no steps');
    return problems;
  }

  const declared = (config.substitutions ?? {}) as Record<string, unknown>;
  const options = (config.options ?? {}) as Record<string, unknown>;
  const build: Build = {
    declared,
    automapped: options.automapSubstitutions === true,
    repository,
    used: new Set(),
    ids: new Set(),
    created: new Set(),
    report,
  };

  steps.forEach((step, index) => {
    const address = `step ${step.id ?? index + 1}`;
    if (typeof step.name !== 'string' || step.name === '') {
      report('build-steps', address, 'has no image (name)');
      return;
    }
    const commands = [...strings(step.args), ...strings(step.script)].join('\n');

    checkShape(build, step, address);
    checkSubstitutions(build, step, address);
    checkNamed(build, step, address, commands);
    checkApply(build, address, commands);
  });

  for (const name of Object.keys(declared)) {
    const address = `substitutions.${name}`;
    if (!name.startsWith('_'))
      report('substitutions', address, 'a user substitution starts with _');
    if (!build.used.has(name)) report('substitutions', address, 'is declared but never used');
  }
  return problems;
}
