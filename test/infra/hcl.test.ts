import { checkFormat } from './check/format';
import { parseFiles, terraformFileNames } from './check/module';
import { describeProblems, findings } from './check/problems';
import { brokenCopy, infraDir } from './paths';

describe('infra/ parses and is in canonical format', () => {
  it('parses every file with the HCL parser', async () => {
    const { files, problems } = await parseFiles(infraDir);

    expect(describeProblems(problems)).toBe('no problems');
    expect(files.map((file) => file.name)).toEqual(terraformFileNames(infraDir));
    expect(files.length).toBeGreaterThan(5);
  });

  it('is already formatted as terraform fmt writes it', async () => {
    const { files } = await parseFiles(infraDir);

    expect(describeProblems(await checkFormat(files))).toBe('no problems');
  });
});

describe('the HCL checks catch planted mistakes', () => {
  it('reports a file that does not parse, and only that file', async () => {
    const { files, problems } = await parseFiles(brokenCopy('hcl-syntax'));

    expect(findings(problems)).toEqual(['hcl-syntax main.tf']);
    expect(problems[0].message).toMatch(/main\.tf:3/);
    expect(files.map((file) => file.name)).toEqual(['valid.tf']);
  });

  it('reports unaligned arguments, a lone interpolation and a quoted type', async () => {
    const { files } = await parseFiles(brokenCopy('format'));

    expect(findings(await checkFormat(files))).toEqual([
      'canonical-format interpolation.tf:8',
      'canonical-format main.tf:3',
      'canonical-format var.topic',
    ]);
  });
});
