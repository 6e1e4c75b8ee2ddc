import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const GENERATED = join(ROOT, 'libs/api/generated');

function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files.set(relative(dir, join(entry.parentPath, entry.name)), readFileSync(join(entry.parentPath, entry.name), 'utf8'));
  }
  return files;
}

test('the committed API types are what `make proto` generates from the proto today', () => {
  const options = /^PROTO_TYPE_OPTIONS = (.+)$/m.exec(readFileSync(join(ROOT, 'Makefile'), 'utf8'));
  assert.ok(options, 'the Makefile defines PROTO_TYPE_OPTIONS');
  const out = mkdtempSync(join(tmpdir(), 'ferry-api-types-'));
  try {
    execFileSync(
      join(ROOT, 'node_modules/.bin/proto-loader-gen-types'),
      [...options[1]!.split(/\s+/), '-I', 'proto', '-I', 'node_modules/google-proto-files', '-O', out, 'ferry/v1/jobs.proto'],
      { cwd: ROOT, stdio: 'pipe' },
    );
    rmSync(join(out, 'jobs.ts'));
    rmSync(join(out, 'google'), { recursive: true });
    const fresh = filesUnder(out);
    const committed = filesUnder(GENERATED);
    assert.deepEqual([...committed.keys()].sort(), [...fresh.keys()].sort(), 'the same files: run `make proto`');
    for (const [file, text] of fresh) assert.equal(committed.get(file), text, `${file} is out of date: run \`make proto\``);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
