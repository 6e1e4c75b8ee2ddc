import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The code block under "## The flow" in ARCHITECTURE.md. */
function flowDiagram(): string {
  const doc = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
  const section = /^## The flow\n([\s\S]*?)^## /m.exec(doc);
  assert.ok(section, 'ARCHITECTURE.md has a "## The flow" section');
  const block = /```\n([\s\S]*?)```/.exec(section[1]!);
  assert.ok(block, 'the flow section holds a diagram in a code block');
  return block[1]!;
}

function serviceFolders(): string[] {
  const services = join(ROOT, 'services');
  const folders: string[] = [];
  for (const name of readdirSync(services)) {
    if (!statSync(join(services, name)).isDirectory()) continue;
    folders.push(`services/${name}`);
    for (const inner of readdirSync(join(services, name))) {
      if (statSync(join(services, name, inner)).isDirectory()) folders.push(`services/${name}/${inner}`);
    }
  }
  return folders.sort();
}

test('the flow diagram names every service folder', () => {
  const diagram = flowDiagram();
  const folders = serviceFolders();
  assert.ok(folders.length >= 7, `found the services (${folders.join(', ')})`);
  const missing = folders.filter((folder) => !new RegExp(`${folder}(?![\\w/])`).test(diagram));
  assert.deepEqual(missing, [], 'each service folder appears in ARCHITECTURE.md\'s flow diagram');
});

test('every folder the flow diagram names exists', () => {
  const named = [...flowDiagram().matchAll(/\b(?:services|libs)\/[\w/]+/g)].map((m) => m[0].replace(/\/$/, ''));
  assert.ok(named.length > 0);
  const absent = [...new Set(named)].filter((folder) => !existsSync(join(ROOT, folder)));
  assert.deepEqual(absent, [], 'no box names a folder that is not in the repository');
});

test('the table of folders has a row for every library and service', () => {
  const doc = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
  const rows = new Set([...doc.matchAll(/^\| `((?:libs|services)\/[\w/]+)` \|/gm)].map((m) => m[1]));
  const libs = readdirSync(join(ROOT, 'libs')).filter((name) => statSync(join(ROOT, 'libs', name)).isDirectory()).map((name) => `libs/${name}`);
  const missing = [...libs, ...serviceFolders()].filter((folder) => !rows.has(folder));
  assert.deepEqual(missing, []);
});
