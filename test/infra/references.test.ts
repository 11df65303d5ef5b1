import { loadModule } from './check/module';
import { describeProblems, findings } from './check/problems';
import { checkReferences } from './check/references';
import { loadSchema } from './check/schema';
import { brokenCopy, infraDir } from './paths';

const schema = loadSchema();

describe('references in infra/', () => {
  it('all resolve, and every variable and local is used', async () => {
    const module = await loadModule(infraDir);

    expect(describeProblems(await checkReferences(module, schema))).toBe('no problems');
  });
});

describe('the reference check catches planted mistakes', () => {
  it('reports each planted reference, and none of the correct ones', async () => {
    const problems = await checkReferences(await loadModule(brokenCopy('references')), schema);

    expect(findings(problems)).toEqual([
      'duplicate-declaration google_pubsub_topic.events',
      'misplaced-reference google_pubsub_topic.each_without_for_each',
      'missing-index google_pubsub_subscription.block_without_index',
      'missing-index google_secret_manager_secret_iam_member.instance_without_key',
      'undeclared-reference google_pubsub_subscription.undeclared_resource',
      'undeclared-reference google_pubsub_topic.undeclared_data_source',
      'undeclared-reference google_pubsub_topic.undeclared_local',
      'undeclared-reference google_pubsub_topic.undeclared_variable',
      'unexpected-index google_pubsub_subscription.index_on_single',
      'unknown-attribute google_pubsub_subscription.unknown_attribute',
      'unused-declaration var.unused',
      'validation-scope var.region',
    ]);
  });

  it('names the reference and what is wrong with it', async () => {
    const problems = await checkReferences(await loadModule(brokenCopy('references')), schema);
    const message = (address: string) =>
      problems.find((problem) => problem.address === address)?.message;

    expect(message('google_pubsub_topic.undeclared_variable')).toBe('var.topic: no variable topic');
    expect(message('google_pubsub_topic.undeclared_data_source')).toMatch(
      /data\.google_project\.other is not declared/
    );
    expect(message('google_pubsub_subscription.unknown_attribute')).toMatch(
      /no attribute topic_name/
    );
    expect(message('google_pubsub_subscription.block_without_index')).toMatch(
      /service_config\[0\]/
    );
    expect(message('var.region')).toMatch(/var\.project_id/);
  });
});
