#!/usr/bin/env node
/** `ferry`: the operator's CLI, a gRPC client of control. Exit 2 for usage errors, 1 for server errors. */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { status } from '@grpc/grpc-js';
import { loadFerryProto } from '../../libs/transport/loadProto.js';
import { parseCliArgs, UsageError, USAGE, type CliArgs } from './args.js';
import { connectFerry, ServerError, type ClientTls } from './client.js';
import { JOB_COMMANDS, KEY_COMMANDS, PROJECTOR_REBUILD_HINT, type Command } from './commands.js';

// grpc-js names an IP address as the TLS server name, which Node warns about once per process (DEP0123):
// noise on an operator's terminal, for nothing they can change.
process.noDeprecation = true;

async function run(argv: string[]): Promise<number> {
  const args = parseCliArgs(argv, process.env);
  // `ferry check ID` is `ferry jobs check ID`, and `ferry verify ID` is `ferry jobs verify ID`.
  const words = args.words[0] === 'check' || args.words[0] === 'verify' ? ['jobs', ...args.words] : args.words;
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
  const client = connectFerry(proto, args.server, args.token, readTlsFiles(args.tls));
  try {
    return await command(
      {
        client,
        output: args.output,
        file: args.file,
        status: args.status,
        dryRun: args.dryRun,
        writeProbe: args.writeProbe,
        ...(args.checksumAlgorithm === undefined ? {} : { checksumAlgorithm: args.checksumAlgorithm }),
        ...(args.versions === undefined ? {} : { versions: args.versions }),
        changes: args.changes,
        to: args.to,
        jobSpecFields: proto.schema.get('ferry.v1.JobSpec')?.fields.keys() ?? [],
        print: (text) => process.stdout.write(`${text}\n`),
      },
      id,
    );
  } catch (err) {
    throw withConnectionHint(err, args);
  } finally {
    client.close();
  }
}

/** The --ca, --cert and --key files, read and checked before any call so that a bad one is named. */
function readTlsFiles(tls: CliArgs['tls']): ClientTls | undefined {
  if (!tls) return undefined;
  const read = (flag: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new UsageError(`cannot read ${flag} ${path}: ${(err as Error).message}`);
    }
  };
  const files: ClientTls = { ca: read('--ca', tls.ca), cert: read('--cert', tls.cert), key: read('--key', tls.key), serverName: tls.serverName };
  try {
    if (files.ca) createSecureContext({ ca: files.ca });
  } catch (err) {
    throw new UsageError(`--ca ${tls.ca} is not a PEM CA certificate: ${(err as Error).message}`);
  }
  try {
    if (files.cert) createSecureContext({ cert: files.cert, key: files.key });
  } catch (err) {
    throw new UsageError(`--cert ${tls.cert} and --key ${tls.key} are not a PEM certificate and its key: ${(err as Error).message}`);
  }
  return files;
}

/**
 * A call that never reached the server fails as UNAVAILABLE with the TLS stack's words; this adds what
 * to change, for the failures a TLS set-up has: a certificate not trusted, TLS against a plain-text port.
 */
function withConnectionHint(err: unknown, args: CliArgs): unknown {
  if (!(err instanceof ServerError) || err.code !== status.UNAVAILABLE) return err;
  const hints: string[] = [];
  if (/certificate (?:has expired|is not yet valid)|self[- ]signed certificate|unable to (?:verify|get (?:local )?issuer)|altnames|Hostname\/IP does not match/i.test(err.message)) {
    hints.push(`the server's certificate is not trusted${args.tls?.ca ? ` with --ca ${args.tls.ca}` : ' by the system CAs'}: give the CA that signed it with --ca FILE (FERRY_CA), and an address its certificate names (or --server-name NAME)`);
  } else if (args.tls && /wrong version number|packet length too long|unexpected eof|record layer failure/i.test(err.message)) {
    hints.push(`no TLS answered at ${args.server}: if the server serves plain text, drop grpcs://, --ca, --cert and --key`);
  } else if (args.tls && /alert certificate required|alert (?:unknown ca|bad certificate|certificate unknown)/i.test(err.message)) {
    hints.push('the server requires a client certificate: give one with --cert FILE --key FILE (FERRY_CERT, FERRY_KEY)');
  }
  return hints.length === 0 ? err : new ServerError(err.code, err.message, [...err.details, ...hints]);
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
