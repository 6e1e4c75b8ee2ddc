import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { makeTempDir } from '../harness/tempDir.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

interface Ran {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/**
 * The README runs the CLI as `npx ferry ...` inside the repo. A build that writes dist/ anew must leave
 * the bin entry executable, or npx answers `ferry: Permission denied`. The build runs in a copy of the
 * sources, so this repo's own dist/ (which the other tests run from) is left alone.
 */
describe('the CLI after a clean build', () => {
  const dir = makeTempDir('cli-build');
  after(() => dir.remove());

  it('npm run build makes dist/services/cli/main.js executable and `npx ferry --help` runs it', async () => {
    for (const file of ['package.json', 'package-lock.json', 'tsconfig.json']) copyFileSync(join(REPO, file), join(dir.path, file));
    for (const tree of ['libs', 'services', 'proto']) cpSync(join(REPO, tree), join(dir.path, tree), { recursive: true });
    symlinkSync(join(REPO, 'node_modules'), join(dir.path, 'node_modules'));

    const built = await run('npm', ['run', 'build'], dir.path);
    assert.equal(built.code, 0, built.output);
    const mode = statSync(join(dir.path, 'dist/services/cli/main.js')).mode;
    assert.ok((mode & 0o111) === 0o111, `the CLI entry is executable (mode ${mode.toString(8)})`);

    // --no: never fetch a package of that name; the project's own bin is what runs ('--' keeps npx from taking --help).
    const help = await run('npx', ['--no', 'ferry', '--', '--help'], dir.path);
    assert.equal(help.code, 0, help.output);
    assert.match(help.output, /^Usage: ferry /m);
    const usageError = await run('npx', ['--no', 'ferry', 'jobs', 'frobnicate'], dir.path);
    assert.equal(usageError.code, 2, `a usage error exits 2, as the README says: ${usageError.output}`);
  });
});
