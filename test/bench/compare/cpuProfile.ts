/**
 * Preloaded into each Ferry process by `run.js --ferry-cpu-prof DIR` (NODE_OPTIONS
 * refuses --cpu-prof on Node 20, --import is allowed): profiles the whole process with
 * the in-process inspector and writes DIR/<target>-<pid>.cpuprofile on exit, which a
 * SIGTERM from the harness reaches through Ferry's clean shutdown.
 */
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.FERRY_CPU_PROF_DIR;
if (dir) {
  const targetAt = process.argv.indexOf('--target');
  const target = targetAt >= 0 ? process.argv[targetAt + 1] : 'process';
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  // An in-process session answers synchronously, so this completes inside the exit handler.
  process.on('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${target}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
