import { loadModule } from './check/module';
import { describeProblems, findings } from './check/problems';
import { checkSchema, loadSchema } from './check/schema';
import { brokenCopy, infraDir } from './paths';

const schema = loadSchema();

describe("infra/ against the providers' schemas", () => {
  it('uses only types, arguments and blocks the providers have, as they require', async () => {
    const module = await loadModule(infraDir);

    expect(describeProblems(checkSchema(module, schema))).toBe('no problems');
  });

  it('is checked against every type it declares', async () => {
    const module = await loadModule(infraDir);
    const resourceTypes = new Set(module.resources.map((resource) => resource.type));
    const dataTypes = new Set(module.dataSources.map((data) => data.type));

    for (const type of resourceTypes) expect(schema.resources).toHaveProperty([type]);
    for (const type of dataTypes) expect(schema.dataSources).toHaveProperty([type]);
    expect(resourceTypes.size).toBeGreaterThan(10);
  });

  it('comes from the google provider 6.50', () => {
    expect(schema.providers.google).toMatchObject({
      source: 'hashicorp/google',
      version: '6.50.0',
    });
  });
});

describe('the schema check catches planted mistakes', () => {
  it('reports each planted mistake, and nothing in the correct resource', async () => {
    const problems = checkSchema(await loadModule(brokenCopy('schema')), schema);

    expect(findings(problems)).toEqual([
      'schema data.google_projekt.misspelt_data_source',
      'schema google_cloudfunctions2_function.computed_attribute',
      'schema google_cloudfunctions2_function.unknown_dynamic_block',
      'schema google_pubsub_subscription.block_as_attribute',
      'schema google_pubsub_subscription.missing_required',
      'schema google_pubsub_subscription.repeated_block',
      'schema google_pubsub_subscription.unknown_nested_block',
      'schema google_pubsub_topic.unknown_argument',
      'schema google_pubsub_topic.unknown_lifecycle_argument',
      'schema google_pubsub_topicc.misspelt_type',
      'schema google_secret_manager_secret.missing_required_block',
      'schema provider.google',
    ]);
  });

  it('says what is wrong with each', async () => {
    const problems = checkSchema(await loadModule(brokenCopy('schema')), schema);
    const message = (address: string) =>
      problems.find((problem) => problem.address === address)?.message;

    expect(message('provider.google')).toMatch(/regin is not an argument/);
    expect(message('google_pubsub_topicc.misspelt_type')).toMatch(/not a resource type/);
    expect(message('google_pubsub_topic.unknown_argument')).toMatch(/message_retention is not/);
    expect(message('google_pubsub_subscription.missing_required')).toMatch(/topic is required/);
    expect(message('google_pubsub_subscription.repeated_block')).toMatch(
      /retry_policy may appear once/
    );
    expect(message('google_pubsub_subscription.block_as_attribute')).toMatch(
      /retry_policy is a block/
    );
    expect(message('google_pubsub_subscription.unknown_nested_block')).toMatch(
      /push_config\.oidc is not/
    );
    expect(message('google_secret_manager_secret.missing_required_block')).toMatch(
      /block replication is required/
    );
    expect(message('google_cloudfunctions2_function.computed_attribute')).toMatch(
      /url is computed/
    );
    expect(message('google_cloudfunctions2_function.unknown_dynamic_block')).toMatch(
      /dynamic "service_config\.secret_environment_variable"/
    );
    expect(message('google_pubsub_topic.unknown_lifecycle_argument')).toMatch(
      /lifecycle\.prevent_destroi/
    );
    expect(message('data.google_projekt.misspelt_data_source')).toMatch(/not a data source type/);
  });
});
