import { join } from 'node:path';
import { startNatsServer, startS3rver, type RunningNatsServer, type RunningS3rver } from '../../libs/embedded/index.js';
import { makeTempDir } from './tempDir.js';

export interface TestEnv {
  dir: string;
  nats: RunningNatsServer;
  s3: RunningS3rver[];
  stop(): Promise<void>;
}

/** A real nats-server and `s3Count` real s3rver instances on free loopback ports, in one temp dir removed on stop. */
export async function startTestEnv(name: string, s3Count = 1): Promise<TestEnv> {
  const tmp = makeTempDir(name);
  const nats = await startNatsServer({ storeDir: join(tmp.path, 'nats') });
  const s3 = await Promise.all(Array.from({ length: s3Count }, (_, i) => startS3rver({ directory: join(tmp.path, `s3-${i}`) })));
  return {
    dir: tmp.path,
    nats,
    s3,
    async stop() {
      await Promise.all(s3.map((s) => s.stop()));
      await nats.stop();
      tmp.remove();
    },
  };
}
