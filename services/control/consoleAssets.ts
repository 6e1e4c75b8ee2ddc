import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Logger } from '../../libs/log/logger.js';
import type { ExtraRoute } from '../../libs/transport/httpGateway.js';

/** Where `make build` writes the console (services/console/build.ts), next to the compiled services. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../console/', import.meta.url));
export const CONSOLE_PATH = '/console/';

/**
 * No inline script or style, nothing from another origin: the bundle and its stylesheet, and fetch() to this
 * origin's API. Styles set through the CSSOM (uPlot's, Preact's style props) are not inline styles to CSP.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface Asset {
  body: Buffer;
  gzip?: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
}

/**
 * The console's files, read once at start: index.html is revalidated on every load (it names the bundle),
 * assets/ holds content-hashed names and is cached for a year.
 */
export function loadConsoleAssets(dir: string = CONSOLE_DIST): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(join(dir, 'index.html'))) return assets;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const path = relative(dir, file).split(sep).join('/');
    const type = TYPES[extname(path)];
    if (type === undefined) continue;
    const body = readFileSync(file);
    const compressible = type.startsWith('text/') || type.startsWith('application/json') || type === 'image/svg+xml';
    assets.set(path, {
      body,
      gzip: compressible && body.length > 1024 ? gzipSync(body) : undefined,
      type,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      cacheControl: path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  }
  return assets;
}

/** GET /console redirects to /console/, which serves index.html; /console/assets/* the bundle. Nothing needs a token: the API calls the page makes do. */
export function consoleRoutes(log: Logger, dir: string = CONSOLE_DIST): Record<string, ExtraRoute> {
  const assets = loadConsoleAssets(dir);
  if (assets.size === 0) log.warn({ dir }, 'web console not built (run make build): /console/ answers 503');
  else log.info({ path: CONSOLE_PATH, files: assets.size }, 'web console served');
  const route = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/console') {
      res.writeHead(301, { location: CONSOLE_PATH, 'content-length': 0 });
      res.end();
      return;
    }
    if (!path.startsWith(CONSOLE_PATH)) return notFound(res);
    if (assets.size === 0) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
      res.end('The web console was not built: run `make build`, then restart control.\n');
      return;
    }
    const name = path.slice(CONSOLE_PATH.length) || 'index.html';
    const asset = assets.get(name);
    if (!asset) return notFound(res);
    serve(req, res, asset);
  };
  return { '/console': route };
}

function serve(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const headers: Record<string, string | number> = {
    'content-type': asset.type,
    'cache-control': asset.cacheControl,
    etag: asset.etag,
    vary: 'accept-encoding',
    ...SECURITY_HEADERS,
  };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const gzip = asset.gzip !== undefined && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  const body = gzip ? asset.gzip! : asset.body;
  res.writeHead(200, { ...headers, ...(gzip ? { 'content-encoding': 'gzip' } : {}), 'content-length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
  res.end('not found\n');
}
