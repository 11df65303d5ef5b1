import * as fs from 'node:fs';
import * as path from 'node:path';

import { parse } from 'yaml';

import { checkCloudBuild, type Repository } from './check/cloudbuild';
import { describeProblems, findings } from './check/problems';
import { brokenCopy, repoRoot } from './paths';

const repository: Repository = {
  scripts: JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).scripts,
  exists: (relative) => fs.existsSync(path.join(repoRoot, relative)),
};
const source = fs.readFileSync(path.join(repoRoot, 'cloudbuild.yaml'), 'utf8');

interface Step {
  id: string;
  name: string;
  dir?: string;
  script?: string;
  args?: string[];
}
const config = parse(source) as { steps: Step[]; substitutions: Record<string, string> };
const commands = (step: Step) => [step.script ?? '', ...(step.args ?? [])].join(' ');

describe('cloudbuild.yaml', () => {
  it('parses, and every script, file and substitution it names exists', () => {
    expect(describeProblems(checkCloudBuild(source, repository))).toBe('no problems');
  });

  it('tests, packages and deploys in that order', () => {
    const order = [
      /npm ci\b/,
      /npm run lint\b/,
      /npm test\b/,
      /npm run build\b/,
      /npm run package:source\b/,
      /terraform init\b[^]*-backend-config="bucket=\$_TF_STATE_BUCKET"/,
      /terraform fmt -check\b/,
      /terraform validate\b/,
      /terraform plan\b[^]*-out=tfplan/,
      /terraform apply\b[^]*\btfplan\b/,
    ];
    const positions = order.map((pattern) =>
      config.steps.findIndex((step) => pattern.test(commands(step)))
    );

    expect(positions).not.toContain(-1);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('runs the tests beside the Pub/Sub emulator of the Cloud SDK emulators image', () => {
    const test = config.steps.find((step) => /npm test\b/.test(commands(step)));

    expect(test?.name).toMatch(
      /^gcr\.io\/google\.com\/cloudsdktool\/google-cloud-cli:[\d.]+-emulators$/
    );
  });

  it('runs Terraform in infra/ and applies only when _TF_APPLY is true', () => {
    const terraform = config.steps.filter((step) => /terraform /.test(commands(step)));
    const apply = terraform.find((step) => /terraform apply/.test(commands(step)));

    expect(terraform.every((step) => step.dir === 'infra')).toBe(true);
    expect(config.substitutions._TF_APPLY).toBe('false');
    expect(apply?.script).toMatch(/if \[ "\$_TF_APPLY" != "true" \]; then[^]*exit 0/);
  });

  it('has every substitution described in the deploy guide', () => {
    const guide = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

    for (const name of Object.keys(config.substitutions)) expect(guide).toContain(`\`${name}\``);
  });
});

describe('the Cloud Build check catches planted mistakes', () => {
  it('reports each planted step, and none of the correct ones', () => {
    const broken = fs.readFileSync(path.join(brokenCopy('cloudbuild'), 'cloudbuild.yaml'), 'utf8');

    expect(findings(checkCloudBuild(broken, repository))).toEqual([
      'build-steps step correct',
      'build-steps step script-and-args',
      'build-steps step waits-for-nothing',
      'gated-apply step ungated-apply',
      'gated-apply step ungated-apply',
      'named-file step missing-dir',
      'named-file step missing-file',
      'npm-script step unknown-script',
      'pinned-image step unpinned',
      'pinned-image step untagged',
      'substitutions step undeclared-substitution',
      'substitutions step unescaped-shell-variable',
      'substitutions substitutions.REGION',
      'substitutions substitutions._UNUSED',
    ]);
  });

  it('reports YAML that does not parse', () => {
    const invalid = fs.readFileSync(path.join(brokenCopy('cloudbuild'), 'invalid.yaml'), 'utf8');
    const problems = checkCloudBuild(invalid, repository);

    expect(problems.length).toBeGreaterThan(0);
    expect(new Set(problems.map((problem) => problem.rule))).toEqual(new Set(['yaml-syntax']));
  });
});
