import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { startNatsServer, type RunningNatsServer } from '../../libs/embedded/index.js';
import { startFerry, type FerryProcess } from '../harness/ferryProcess.js';
import { makeTempDir } from '../harness/tempDir.js';
import { waitFor } from '../harness/waitFor.js';
import { createServer, type Server } from 'node:net';
import { pino } from 'pino';
import { startOperationalServer } from '../../libs/observability/health.js';
import { createLogger } from '../../libs/log/logger.js';

describe('the operational server on a port another process holds', () => {
  it('fails the start naming the address, instead of an unhandled error event', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(holder.address() as { port: number }).port}`;
    try {
      await assert.rejects(startOperationalServer(address, {}, createLogger('silent')), new RegExp(`cannot serve metrics on ${address}: .*EADDRINUSE`));
    } finally {
      holder.close();
    }
  });
});

describe('an operational route that fails', () => {
  it('answers 500 and logs the error with the path', async () => {
    const lines: string[] = [];
    const log = pino({ base: undefined }, { write: (line: string) => void lines.push(line) });
    const server = await startOperationalServer(
      '127.0.0.1:0',
      {
        '/broken': () => {
          throw new Error('the route broke');
        },
      },
      log,
    );
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/broken`);
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), { error: { code: 'INTERNAL', message: 'internal error' } });
      const logged = lines.map((line) => JSON.parse(line) as { msg: string; path: string; err: { message: string } });
      assert.ok(logged.some((l) => l.msg === 'operational route failed' && l.path === '/broken' && l.err.message === 'the route broke'), lines.join(''));
    } finally {
      await server.stop();
    }
  });
});

describe('health endpoints of a projector process', () => {
  const tmp = makeTempDir('health');
  const storeDir = join(tmp.path, 'nats');
  let nats: RunningNatsServer | undefined;
  let ferry: FerryProcess;
  let metricsPort: number;

  before(async () => {
    nats = await startNatsServer({ storeDir });
    ferry = await startFerry('projector', {
      natsUrl: nats.url,
      sourceEndpoint: 'http://127.0.0.1:9',
      dataDir: join(tmp.path, 'ferry'),
      extraEnv: { FERRY_METRICS_ADDR: '127.0.0.1:0' },
    });
    metricsPort = ferry.metricsPort!;
  });

  after(async () => {
    await ferry?.stop();
    await nats?.stop();
    tmp.remove();
  });

  const status = async (path: string) => (await fetch(`http://127.0.0.1:${metricsPort}${path}`)).status;
  const until = (path: string, code: number) =>
    waitFor(`${path} answering ${code}`, async () => ((await status(path)) === code ? true : undefined), 120_000, 200);

  it('is ready with NATS, not ready without it, and ready again by itself when NATS returns', async () => {
    assert.equal(await status('/healthz'), 200);
    assert.equal(await status('/readyz'), 200);
    assert.equal(await status('/nope'), 404);

    const port = nats!.port;
    await nats!.stop();
    nats = undefined;
    await until('/readyz', 503);
    assert.equal(await status('/healthz'), 200, 'alive while NATS is away');

    nats = await startNatsServer({ storeDir, port });
    await until('/readyz', 200);
    assert.equal(await status('/healthz'), 200);
    assert.equal(ferry.child.exitCode, null, 'the process never exited');
  });
});
