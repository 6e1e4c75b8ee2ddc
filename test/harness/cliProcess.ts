import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI_SCRIPT = fileURLToPath(new URL('../../services/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A CLI that never ends fails its test by its exit code, instead of hanging it until the runner's timeout. */
const CLI_TIMEOUT_MS = 120_000;

/**
 * Runs the built `ferry` CLI to completion as an operator's shell would, with PATH, HOME and only the
 * environment given (nothing of the test's own FERRY_* variables).
 */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_SCRIPT, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
