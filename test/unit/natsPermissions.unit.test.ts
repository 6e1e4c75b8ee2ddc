import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { STREAMS, consumers, subjects } from '../../libs/nats/index.js';
import { NOTIFIER_CONSUMER } from '../../services/notifier/notifier.js';

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url));
const SERVICES = ['control', 'projector', 'lister', 'copier', 'notifier'] as const;
type Service = (typeof SERVICES)[number];

interface Permissions {
  publish: { allow: string[]; deny?: string[] };
  subscribe: { allow: string[]; deny?: string[] };
  allow_responses?: boolean;
}
interface User {
  user: string;
  password: string;
  permissions: Permissions;
}

/** deploy/nats/ferry-accounts.conf, read as the JSON it is written in; `$VAR` references become "VAR". */
function confAccounts(): Record<string, { jetstream: string; users: User[] }> {
  const text = readFileSync(join(DEPLOY, 'nats/ferry-accounts.conf'), 'utf8')
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .join('\n')
    .replace(/^accounts:/m, '"accounts":')
    .replace(/(?<!")\$([A-Z_]+)/g, '"$1"');
  return (JSON.parse(`{${text}}`) as { accounts: Record<string, { jetstream: string; users: User[] }> }).accounts;
}

/** deploy/nats-values.yaml's accounts for the Helm chart; `<< $VAR >>` becomes "VAR". */
function helmValues(): any {
  const values = parse(readFileSync(join(DEPLOY, 'nats-values.yaml'), 'utf8'));
  for (const account of Object.values(values.config.merge.accounts as Record<string, { users: User[] }>)) {
    for (const user of account.users) user.password = user.password.replace(/^<< \$([A-Z_]+) >>$/, '$1');
  }
  return values;
}

/** NATS subject matching: `*` one token, `>` one or more at the end. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

/** What nats-server decides: allowed by a pattern of `allow` and by none of `deny`. */
const permits = (rules: { allow: string[]; deny?: string[] }, subject: string) => rules.allow.some((a) => matches(a, subject)) && !(rules.deny ?? []).some((d) => matches(d, subject));

const users = () => new Map(confAccounts().FERRY!.users.map((u) => [u.user.replace('ferry-', '') as Service, u]));
const whoMay = (operation: 'publish' | 'subscribe', subject: string) => SERVICES.filter((s) => permits(users().get(s)!.permissions[operation], subject));

describe('NATS users and permissions (deploy/nats)', () => {
  it('has one user per service in a JetStream account, each with its password from its own variable', () => {
    const { FERRY } = confAccounts();
    assert.equal(FERRY!.jetstream, 'enabled');
    assert.deepEqual(FERRY!.users.map((u) => u.user), SERVICES.map((s) => `ferry-${s}`));
    for (const s of SERVICES) assert.equal(users().get(s)!.password, `FERRY_NATS_${s.toUpperCase()}_PASSWORD`);
  });

  it('gives the Helm chart the same users and permissions, and each password from the Secret Ferry reads it from', () => {
    const values = helmValues();
    assert.deepEqual(values.config.merge.accounts, confAccounts());
    for (const s of SERVICES) {
      assert.deepEqual(values.container.env[`FERRY_NATS_${s.toUpperCase()}_PASSWORD`], { valueFrom: { secretKeyRef: { name: 'ferry-nats-users', key: `${s}-password` } } });
    }
    assert.equal(values.config.nats.tls.enabled, true);
    assert.equal(values.config.nats.tls.merge.verify, true, 'clients must present a certificate');
    assert.equal(values.tlsCA.enabled, true);
  });

  it('lets each service read only its own replies', () => {
    for (const s of SERVICES) assert.deepEqual(whoMay('subscribe', `_INBOX.${s}.abc.1`), [s]);
    assert.deepEqual(whoMay('subscribe', '_INBOX.abc'), [], 'nobody reads the default inbox');
    assert.deepEqual(whoMay('subscribe', subjects.workerCommand('j')), ['control']);
    assert.deepEqual(whoMay('subscribe', subjects.job('j')), []);
    assert.deepEqual(
      SERVICES.filter((s) => users().get(s)!.permissions.allow_responses),
      ['control'],
      'only control answers requests',
    );
  });

  // Who may publish what: the table deploy/README.md's "NATS users and permissions" describes.
  const table: Array<[string, string, Service[]]> = [
    ['append to a job log', subjects.job('j'), ['control', 'projector', 'lister']],
    // The projector appends a running run's mid-run checkpoint (OutcomesCheckpointed) among its outcome batches.
    ['publish outcomes', subjects.outcome('j'), ['projector', 'lister', 'copier']],
    ['publish a run summary', subjects.summary('j'), ['projector']],
    ["mark the events stream's blocks", subjects.blockMarker('j'), ['projector']],
    ['publish work items', subjects.work('j', 1), ['lister']],
    ['ask for a listing', subjects.listTask('j'), ['control', 'projector']],
    ["ask control for a copier's command", subjects.workerCommand('j'), ['copier']],
    ['create or update the streams', `$JS.API.STREAM.CREATE.${STREAMS.events}`, ['control']],
    ['update a stream', `$JS.API.STREAM.UPDATE.${STREAMS.work}`, ['control']],
    ['delete a stream', `$JS.API.STREAM.DELETE.${STREAMS.events}`, []],
    ['purge the events stream', `$JS.API.STREAM.PURGE.${STREAMS.events}`, ['projector']],
    ['delete an event', `$JS.API.STREAM.MSG.DELETE.${STREAMS.events}`, ['projector']],
    ["purge a run's work", `$JS.API.STREAM.PURGE.${STREAMS.work}`, ['control', 'projector']],
    ["delete a run's work consumer", `$JS.API.CONSUMER.DELETE.${STREAMS.work}.${consumers.work('j', 1)}`, ['control', 'projector']],
    ["pull a run's work", `$JS.API.CONSUMER.MSG.NEXT.${STREAMS.work}.${consumers.work('j', 1)}`, ['copier']],
    ['acknowledge work', `$JS.ACK.${STREAMS.work}.${consumers.work('j', 1)}.1.2.3.4.5`, ['copier']],
    ["create or change a run's work consumer (UpdateJob's concurrency)", `$JS.API.CONSUMER.CREATE.${STREAMS.work}.${consumers.work('j', 1)}.${subjects.work('j', 1)}`, ['control', 'lister', 'copier']],
    ['pull a listing task', `$JS.API.CONSUMER.MSG.NEXT.${STREAMS.tasks}.${consumers.lister}`, ['lister']],
    ['acknowledge a listing task', `$JS.ACK.${STREAMS.tasks}.${consumers.lister}.1.2.3.4.5`, ['lister']],
    ["create or change the lister's consumer", `$JS.API.CONSUMER.CREATE.${STREAMS.tasks}.${consumers.lister}.${subjects.allListTasks}`, ['lister']],
    ["pull the notifier's events", `$JS.API.CONSUMER.MSG.NEXT.${STREAMS.events}.${NOTIFIER_CONSUMER}`, ['notifier']],
    ["acknowledge the notifier's events", `$JS.ACK.${STREAMS.events}.${NOTIFIER_CONSUMER}.1.2.3.4.5`, ['notifier']],
    ["create or change the notifier's consumer", `$JS.API.CONSUMER.CREATE.${STREAMS.events}.${NOTIFIER_CONSUMER}.${subjects.allJobs}`, ['notifier']],
    ["delete the notifier's consumer", `$JS.API.CONSUMER.DELETE.${STREAMS.events}.${NOTIFIER_CONSUMER}`, []],
    ["read a job's log", `$JS.API.CONSUMER.CREATE.${STREAMS.events}.abc_1.${subjects.job('j')}`, ['control', 'projector', 'lister', 'copier', 'notifier']],
    ['read the whole events stream', `$JS.API.CONSUMER.CREATE.${STREAMS.events}.abc_1`, ['projector']],
    ['write the read model', '$KV.ferry_jobs.j', ['projector']],
    ["write a job's data key", '$KV.ferry_secrets.j', ['control']],
    ["read a job's data key", '$JS.API.DIRECT.GET.KV_ferry_secrets.$KV.ferry_secrets.j', ['control', 'lister', 'copier', 'notifier']],
    ['take from a rate limit', '$KV.ferry_ratelimits.j', ['copier']],
    ["record a multipart upload's parts", '$KV.ferry_uploads.j.1.7', ['copier']],
    ["read a multipart upload's record", '$JS.API.DIRECT.GET.KV_ferry_uploads.$KV.ferry_uploads.j.1.7', ['copier']],
    ["purge a finished upload's record", '$JS.API.STREAM.PURGE.KV_ferry_uploads', ['copier']],
    ['create the upload records bucket', '$JS.API.STREAM.CREATE.KV_ferry_uploads', ['control']],
    ['create the copied versions bucket', '$JS.API.STREAM.CREATE.KV_ferry_versions', ['control']],
    ["forget a deleted job's copied versions", '$JS.API.STREAM.PURGE.KV_ferry_versions', ['control']],
    ["record a key's copied versions", '$KV.ferry_versions.j.abc', ['copier']],
    ["read a key's copied versions", '$JS.API.DIRECT.GET.KV_ferry_versions.$KV.ferry_versions.j.abc', ['lister', 'copier']],
    ['change the scheduler slots', '$KV.ferry_scheduler.slots', ['control']],
    ['write a delivery record', '$KV.ferry_notifications.j.000000000000001', ['notifier']],
    ['write a projector snapshot', '$O.ferry_projector.C.abc', ['projector']],
  ];
  for (const [what, subject, expected] of table) {
    it(`${what} (${subject}): ${expected.length ? expected.join(', ') : 'nobody'}`, () => {
      assert.deepEqual(whoMay('publish', subject), expected);
    });
  }
});
