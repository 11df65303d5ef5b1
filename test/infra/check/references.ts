/**
 * Checks that every reference resolves: variables, locals, resources and
 * data sources are declared, the attributes named exist in the provider's
 * schema, counted resources and nested blocks are indexed (and others are
 * not), and `each`, `count`, `self` and dynamic iterators appear only where
 * Terraform binds them. Also reports what is declared twice or never used.
 */
import { isIndex, referenceParts, referencesIn } from './expressions';
import {
  blocks,
  isBody,
  type Declaration,
  type HclBody,
  type HclValue,
  type TerraformModule,
} from './module';
import type { Problem } from './problems';
import type { AttributeSchema, BlockSchema, NestedBlockSchema, ProviderSchema } from './schema';

interface Scope {
  file: string;
  address: string;
  count: boolean;
  forEach: boolean;
  self: boolean;
  iterators: Set<string>;
  /** Inside a variable's validation: the only variable it may read. */
  validating?: string;
}

interface Context {
  module: TerraformModule;
  schema: ProviderSchema;
  declarations: Map<string, Declaration>;
  variables: Set<string>;
  locals: Set<string>;
  used: Set<string>;
  problems: Problem[];
}

const pathAttributes = new Set(['module', 'root', 'cwd']);

function report(context: Context, scope: Scope, rule: string, message: string): void {
  context.problems.push({ rule, file: scope.file, address: scope.address, message });
}

/** Follows attribute names (and indexes) through a schema. */
function checkAttributePath(
  context: Context,
  scope: Scope,
  reference: string,
  schema: BlockSchema,
  parts: string[]
): void {
  let block: BlockSchema | undefined = schema;
  let nested: Record<string, AttributeSchema> | undefined;

  for (let index = 0; index < parts.length; index++) {
    const part = parts[index];
    if (isIndex(part)) continue;

    if (block) {
      const attribute: AttributeSchema | undefined = block.attributes[part];
      const child: NestedBlockSchema | undefined = block.blocks[part];
      if (child) {
        if (index + 1 < parts.length && !isIndex(parts[index + 1])) {
          report(
            context,
            scope,
            'missing-index',
            `${reference}: block ${part} is a list; index it, as in ${part}[0]`
          );
          return;
        }
        block = child.block;
        continue;
      }
      if (!attribute) {
        report(context, scope, 'unknown-attribute', `${reference}: no attribute ${part}`);
        return;
      }
      block = undefined;
      nested = attribute.nested;
      if (!nested) return; // A plain value, list or map: any index may follow.
      continue;
    }

    if (nested) {
      const attribute: AttributeSchema | undefined = nested[part];
      if (!attribute) {
        report(context, scope, 'unknown-attribute', `${reference}: no attribute ${part}`);
        return;
      }
      nested = attribute.nested;
      if (!nested) return;
    }
  }
}

/** Checks a reference to a resource or data source. */
function checkDeclarationReference(
  context: Context,
  scope: Scope,
  reference: string,
  address: string,
  rest: string[]
): void {
  const declaration = context.declarations.get(address);
  if (!declaration) {
    report(context, scope, 'undeclared-reference', `${reference}: ${address} is not declared`);
    return;
  }

  const repeated = 'count' in declaration.body || 'for_each' in declaration.body;
  if (rest.length === 0) return;
  if (repeated && !isIndex(rest[0])) {
    report(
      context,
      scope,
      'missing-index',
      `${reference}: ${address} has count or for_each; name one instance, as in ${address}[...]`
    );
    return;
  }
  if (!repeated && isIndex(rest[0])) {
    report(context, scope, 'unexpected-index', `${reference}: ${address} is a single instance`);
    return;
  }

  const types = declaration.kind === 'data' ? context.schema.dataSources : context.schema.resources;
  const schema = types[declaration.type];
  // An unknown type is the schema check's to report.
  if (schema)
    checkAttributePath(context, scope, reference, schema, repeated ? rest.slice(1) : rest);
}

function checkReference(context: Context, scope: Scope, reference: string): void {
  const parts = referenceParts(reference);
  const [root, name] = parts;
  const misplaced = (message: string) =>
    report(context, scope, 'misplaced-reference', `${reference}: ${message}`);

  if (scope.validating && root !== 'var') {
    report(
      context,
      scope,
      'validation-scope',
      `${reference}: a validation may read only its variable`
    );
    return;
  }
  switch (root) {
    case 'var':
      context.used.add(`var.${name}`);
      if (!context.variables.has(name)) {
        report(context, scope, 'undeclared-reference', `${reference}: no variable ${name}`);
      } else if (scope.validating && name !== scope.validating) {
        report(
          context,
          scope,
          'validation-scope',
          `${reference}: Terraform before 1.9 lets a validation read only var.${scope.validating}`
        );
      }
      return;
    case 'local':
      context.used.add(`local.${name}`);
      if (!context.locals.has(name)) {
        report(context, scope, 'undeclared-reference', `${reference}: no local ${name}`);
      }
      return;
    case 'each':
      if (!scope.forEach) misplaced('each is only bound in a resource with for_each');
      else if (name !== 'key' && name !== 'value') misplaced('each has only key and value');
      return;
    case 'count':
      if (!scope.count) misplaced('count.index is only bound in a resource with count');
      else if (name !== 'index') misplaced('count has only index');
      return;
    case 'self':
      if (!scope.self) misplaced('self is only bound in postconditions and provisioners');
      return;
    case 'path':
      if (!pathAttributes.has(name)) misplaced('path has only module, root and cwd');
      return;
    case 'terraform':
      if (name !== 'workspace') misplaced('terraform has only workspace');
      return;
    case 'module':
      report(context, scope, 'undeclared-reference', `${reference}: this module calls no modules`);
      return;
    case 'data':
      checkDeclarationReference(
        context,
        scope,
        reference,
        parts.slice(0, 3).join('.'),
        parts.slice(3)
      );
      return;
  }

  if (scope.iterators.has(root)) {
    if (name !== 'key' && name !== 'value') misplaced(`${root} has only key and value`);
    return;
  }
  if (parts.length < 2) {
    report(context, scope, 'undeclared-reference', `${reference}: not a known name`);
    return;
  }
  checkDeclarationReference(context, scope, reference, `${root}.${name}`, parts.slice(2));
}

async function checkValue(context: Context, scope: Scope, value: HclValue): Promise<void> {
  if (typeof value === 'string') {
    for (const reference of await referencesIn(value)) checkReference(context, scope, reference);
  } else if (Array.isArray(value)) {
    for (const item of value) await checkValue(context, scope, item);
  } else if (isBody(value)) {
    await checkBody(context, scope, value);
  }
}

function iteratorName(instance: HclBody, blockName: string): string {
  const iterator = instance.iterator;
  if (typeof iterator !== 'string') return blockName;
  return iterator.replace(/^\$\{(.*)\}$/, '$1');
}

async function checkBody(context: Context, scope: Scope, body: HclBody): Promise<void> {
  for (const [key, value] of Object.entries(body)) {
    if (key === 'provider') continue; // Names a provider configuration, not a value.

    if (key === 'lifecycle') {
      for (const lifecycle of blocks(value)) {
        for (const [name, argument] of Object.entries(lifecycle)) {
          // ignore_changes names the resource's own arguments.
          if (name === 'ignore_changes') continue;
          const inPostcondition = { ...scope, self: scope.self || name === 'postcondition' };
          await checkValue(context, inPostcondition, argument);
        }
      }
      continue;
    }

    if (key === 'dynamic' && isBody(value)) {
      for (const [name, instances] of Object.entries(value)) {
        for (const instance of blocks(instances)) {
          await checkValue(context, scope, instance.for_each ?? null);
          const iterators = new Set([...scope.iterators, iteratorName(instance, name)]);
          for (const content of blocks(instance.content)) {
            await checkBody(context, { ...scope, iterators }, content);
          }
        }
      }
      continue;
    }

    await checkValue(context, scope, value);
  }
}

function reportDuplicates(
  context: Context,
  kind: string,
  entries: { name: string; file: string }[]
): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.name)) {
      context.problems.push({
        rule: 'duplicate-declaration',
        file: entry.file,
        address: entry.name,
        message: `${kind} ${entry.name} is declared more than once`,
      });
    }
    seen.add(entry.name);
  }
}

/** Returns every reference problem of a module. */
export async function checkReferences(
  module: TerraformModule,
  schema: ProviderSchema
): Promise<Problem[]> {
  const all = [...module.resources, ...module.dataSources];
  const context: Context = {
    module,
    schema,
    declarations: new Map(all.map((declaration) => [declaration.address, declaration])),
    variables: new Set(module.variables.map((variable) => variable.name)),
    locals: new Set(module.locals.map((local) => local.name)),
    used: new Set(),
    problems: [],
  };
  const plain = { count: false, forEach: false, self: false, iterators: new Set<string>() };

  reportDuplicates(
    context,
    'resource',
    all.map((d) => ({ name: d.address, file: d.file }))
  );
  reportDuplicates(context, 'variable', module.variables);
  reportDuplicates(context, 'local', module.locals);
  reportDuplicates(context, 'output', module.outputs);

  for (const declaration of all) {
    await checkBody(
      context,
      {
        ...plain,
        file: declaration.file,
        address: declaration.address,
        count: 'count' in declaration.body,
        forEach: 'for_each' in declaration.body,
      },
      declaration.body
    );
  }
  for (const variable of module.variables) {
    const scope = { ...plain, file: variable.file, address: `var.${variable.name}` };
    for (const validation of blocks(variable.value.validation)) {
      await checkBody(context, { ...scope, validating: variable.name }, validation);
    }
  }
  for (const local of module.locals) {
    await checkValue(
      context,
      { ...plain, file: local.file, address: `local.${local.name}` },
      local.value
    );
  }
  for (const output of module.outputs) {
    await checkBody(
      context,
      { ...plain, file: output.file, address: `output.${output.name}` },
      output.value
    );
  }
  for (const provider of module.providers) {
    const scope = { ...plain, file: provider.file, address: `provider.${provider.name}` };
    await checkBody(context, scope, provider.value);
  }

  const declared = [
    ...module.variables.map((variable) => ({ kind: 'var', ...variable })),
    ...module.locals.map((local) => ({ kind: 'local', ...local })),
  ];
  for (const { kind, name, file } of declared) {
    if (!context.used.has(`${kind}.${name}`)) {
      context.problems.push({
        rule: 'unused-declaration',
        file,
        address: `${kind}.${name}`,
        message: `${kind}.${name} is never used`,
      });
    }
  }
  return context.problems;
}
