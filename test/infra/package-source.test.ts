import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { infraDir } from './paths';

const script = path.join(infraDir, 'package-source.js');
const created: string[] = [];
afterAll(() => created.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

interface Layout {
  root: string;
  out: string;
}

function write(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** A repository with a build: the functions, a CLI, and the manifests. */
function repositoryWithBuild(manifest: Record<string, unknown> = {}): Layout {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'package-source-'));
  created.push(root);
  write(
    path.join(root, 'package.json'),
    JSON.stringify({
      name: 'example',
      main: 'dist/functions/index.js',
      scripts: { build: 'tsc -p tsconfig.build.json', test: 'jest' },
      dependencies: { stripe: '^23.0.0' },
      devDependencies: { typescript: '^7.0.0' },
      ...manifest,
    })
  );
  write(path.join(root, 'package-lock.json'), '{"lockfileVersion": 3}\n');
  write(path.join(root, 'dist/functions/index.js'), 'exports.ok = true;\n');
  write(path.join(root, 'dist/functions/shared/config.js'), 'exports.config = {};\n');
  write(path.join(root, 'dist/cli/secrets.js'), 'exports.cli = true;\n');
  return { root, out: path.join(root, 'staged') };
}

function stage({ root, out }: Layout) {
  return spawnSync(process.execPath, [script, '--root', root, '--out', out], { encoding: 'utf8' });
}

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('package-source', () => {
  it('stages the manifests and the compiled functions, and nothing else', () => {
    const layout = repositoryWithBuild();
    write(path.join(layout.out, 'dist/functions/removed.js'), 'left from an older build');

    const result = stage(layout);

    expect(result.status).toBe(0);
    expect(listFiles(layout.out)).toEqual([
      'dist/functions/index.js',
      'dist/functions/shared/config.js',
      'package-lock.json',
      'package.json',
    ]);
    expect(fs.readFileSync(path.join(layout.out, 'package-lock.json'), 'utf8')).toBe(
      fs.readFileSync(path.join(layout.root, 'package-lock.json'), 'utf8')
    );
  });

  it('keeps the dependencies but replaces the scripts with an empty gcp-build', () => {
    const layout = repositoryWithBuild();

    stage(layout);
    const staged = JSON.parse(fs.readFileSync(path.join(layout.out, 'package.json'), 'utf8'));

    expect(staged.scripts).toEqual({ 'gcp-build': '' });
    expect(staged.main).toBe('dist/functions/index.js');
    expect(staged.dependencies).toEqual({ stripe: '^23.0.0' });
    expect(staged.devDependencies).toEqual({ typescript: '^7.0.0' });
  });

  it('refuses to stage before the build', () => {
    const layout = repositoryWithBuild();
    fs.rmSync(path.join(layout.root, 'dist'), { recursive: true });

    const result = stage(layout);

    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /dist\/functions\/index\.js is missing: run `npm run build` first/
    );
    expect(fs.existsSync(layout.out)).toBe(false);
  });

  it('refuses an entry point the package would not carry', () => {
    const result = stage(repositoryWithBuild({ main: 'dist/cli/secrets.js' }));

    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/main \(dist\/cli\/secrets\.js\) is not under dist\/functions/);
  });

  it('refuses a repository without a lock file', () => {
    const layout = repositoryWithBuild();
    fs.rmSync(path.join(layout.root, 'package-lock.json'));

    const result = stage(layout);

    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/package-lock\.json is missing/);
  });
});
