#!/usr/bin/env node
/** `ferry`: the operator's CLI, a gRPC client of control. Exit 2 for usage errors, 1 for server errors. */
import { loadFerryProto } from '../../libs/transport/loadProto.js';
import { parseCliArgs, UsageError, USAGE } from './args.js';
import { connectFerry, ServerError } from './client.js';
import { JOB_COMMANDS, KEY_COMMANDS, PROJECTOR_REBUILD_HINT, type Command } from './commands.js';

async function run(argv: string[]): Promise<number> {
  const args = parseCliArgs(argv, process.env);
  // `ferry check ID` is `ferry jobs check ID`.
  const words = args.words[0] === 'check' ? ['jobs', ...args.words] : args.words;
  const [group, name, id, ...extra] = words;
  if (args.help || !group) {
    (args.help ? process.stdout : process.stderr).write(USAGE);
    return args.help ? 0 : 2;
  }
  if (group === 'projector' && name === 'rebuild') {
    process.stdout.write(`${PROJECTOR_REBUILD_HINT}\n`);
    return 0;
  }
  const groups: Record<string, Record<string, Command>> = { jobs: JOB_COMMANDS, keys: KEY_COMMANDS };
  const commands = Object.hasOwn(groups, group) ? groups[group] : undefined;
  if (!commands) throw new UsageError(`unknown command: ${args.words.join(' ')}`);
  const command = name === undefined ? undefined : commands[name];
  if (!command) throw new UsageError(`unknown ${group} command: ${name ?? '(none)'}`);
  // keys commands name no job.
  if (group === 'keys' && id !== undefined) extra.unshift(id);
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  if (args.to !== undefined && !(group === 'keys' && name === 'rotate')) throw new UsageError('--to goes with keys rotate only');

  const proto = loadFerryProto();
  const client = connectFerry(proto, args.server, args.token);
  try {
    return await command(
      {
        client,
        output: args.output,
        file: args.file,
        status: args.status,
        dryRun: args.dryRun,
        writeProbe: args.writeProbe,
        changes: args.changes,
        to: args.to,
        jobSpecFields: proto.schema.get('ferry.v1.JobSpec')?.fields.keys() ?? [],
        print: (text) => process.stdout.write(`${text}\n`),
      },
      id,
    );
  } finally {
    client.close();
  }
}

function report(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`ferry: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (err instanceof ServerError) {
    process.stderr.write(`ferry: ${err.codeName}: ${err.message}\n${err.details.map((d) => `  ${d}\n`).join('')}`);
    return 1;
  }
  process.stderr.write(`ferry: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => process.exit(report(err)),
);
