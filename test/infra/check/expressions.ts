/**
 * What the checks need to know about expressions: which names they refer
 * to (found by HCL's own parser), and the value of the simple ones.
 */
import { getReferencesInExpression } from '@cdktf/hcl2json';

import { blocks, isBody, type HclBody, type HclValue, type TerraformModule } from './module';

const cache = new Map<string, Promise<string[]>>();

/** Returns true when a string holds an interpolation or a directive. */
export function isTemplate(value: string): boolean {
  return value.includes('${') || value.includes('%{');
}

/**
 * Returns the references in a string as hcl2json gives them: dotted, with
 * index keys as parts (`a.b.0.c`, `a.b."key".c`). Names bound inside the
 * expression, such as a for expression's variables, are not references.
 */
export function referencesIn(value: string): Promise<string[]> {
  if (!isTemplate(value)) return Promise.resolve([]);

  let found = cache.get(value);
  if (!found) {
    found = getReferencesInExpression('expression.tf', value).then((references) =>
      references.map((reference) => reference.value)
    );
    cache.set(value, found);
  }
  return found;
}

/** Splits a reference into its parts, keeping quoted keys whole. */
export function referenceParts(reference: string): string[] {
  return reference.match(/"(?:[^"\\]|\\.)*"|[^.]+/g) ?? [];
}

/** Returns true when a reference part is an index (`0`, `"key"`). */
export function isIndex(part: string): boolean {
  return /^\d+$/.test(part) || part.startsWith('"');
}

/** Returns every string in a value, at any depth. */
export function stringsIn(value: HclValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (isBody(value)) return Object.values(value).flatMap(stringsIn);
  return [];
}

/** Returns every reference in a value, at any depth. */
export async function referencesInValue(value: HclValue | undefined): Promise<string[]> {
  const found = await Promise.all(stringsIn(value).map(referencesIn));
  return found.flat();
}

/** Returns the resource or data source address a reference starts with. */
export function addressOf(reference: string): string | undefined {
  const parts = referenceParts(reference);
  if (parts[0] === 'data' && parts.length >= 3) return parts.slice(0, 3).join('.');
  const roots = ['var', 'local', 'each', 'count', 'path', 'terraform', 'self', 'module'];
  if (parts.length >= 2 && !roots.includes(parts[0])) return parts.slice(0, 2).join('.');
  return undefined;
}

/**
 * Returns the addresses of the resources a value refers to, directly or,
 * given the module, through its locals.
 */
export async function addressesIn(
  value: HclValue | undefined,
  module?: TerraformModule,
  seen: Set<string> = new Set()
): Promise<Set<string>> {
  const addresses = new Set<string>();
  for (const reference of await referencesInValue(value)) {
    const address = addressOf(reference);
    if (address) addresses.add(address);

    const [root, name] = referenceParts(reference);
    if (root !== 'local' || !module || seen.has(name)) continue;
    seen.add(name);
    for (const local of module.locals.filter((candidate) => candidate.name === name)) {
      for (const found of await addressesIn(local.value, module, seen)) addresses.add(found);
    }
  }
  return addresses;
}

/**
 * Returns a string with every `${local.NAME}` and `${var.NAME}` whose value
 * is a plain string (a local's value, a variable's default) put in its
 * place, repeatedly; other interpolations stay as they are.
 */
export function expandKnown(value: string, module: TerraformModule): string {
  const known = new Map<string, string>();
  for (const local of module.locals) {
    if (typeof local.value === 'string') known.set(`local.${local.name}`, local.value);
  }
  for (const variable of module.variables) {
    const fallback = variable.value.default;
    if (typeof fallback === 'string') known.set(`var.${variable.name}`, fallback);
  }

  let expanded = value;
  for (let round = 0; round < 10; round++) {
    const next = expanded.replace(
      /\$\{((?:local|var)\.[A-Za-z0-9_-]+)\}/g,
      (whole, name) => known.get(name) ?? whole
    );
    if (next === expanded) break;
    expanded = next;
  }
  return expanded;
}

/** Returns the single body of a nested block, such as `push_config`. */
export function block(body: HclBody | undefined, name: string): HclBody | undefined {
  return body ? blocks(body[name])[0] : undefined;
}

/** Returns a nested block's body by path, such as `push_config.oidc_token`. */
export function blockAt(body: HclBody, blockPath: string): HclBody | undefined {
  let current: HclBody | undefined = body;
  for (const name of blockPath.split('.')) current = block(current, name);
  return current;
}

/**
 * Returns the keys a map value sets: a literal map's keys, or the keys of
 * the map literals inside an expression such as `merge({ A = ... }, ...)`.
 */
export function keysSet(value: HclValue | undefined): string[] {
  if (typeof value === 'string') {
    return [...value.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)/g)].map((match) => match[1]);
  }
  return isBody(value) ? Object.keys(value) : [];
}
