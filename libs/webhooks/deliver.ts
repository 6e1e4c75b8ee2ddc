import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { hostOf, resolveChecked, webhookAddressPolicy } from '../net/index.js';

export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface DeliveryOptions {
  timeoutMs: number;
  allowPrivateNetworks: boolean;
}

export type DeliveryResult =
  | { outcome: 'delivered'; statusCode: number }
  /** `retryable: false` when trying again cannot help (a refused address, a malformed URL). */
  | { outcome: 'failed'; retryable: boolean; statusCode?: number; error: string };

/**
 * Resolves the host, refuses it if any address is private (unless allowed), then
 * connects to the address that was checked, so a DNS answer cannot change between
 * the check and the connection. Redirects are not followed: 3xx is a failure.
 */
export async function postWebhook(url: string, headers: Record<string, string>, body: string, options: DeliveryOptions): Promise<DeliveryResult> {
  const target = URL.parse(url);
  if (target?.protocol !== 'http:' && target?.protocol !== 'https:') {
    return { outcome: 'failed', retryable: false, error: `not an http(s) URL: ${url}` };
  }
  const host = hostOf(target);
  const resolved = await resolveChecked(host, webhookAddressPolicy(options.allowPrivateNetworks), options.timeoutMs);
  if (!resolved.ok) return { outcome: 'failed', retryable: !resolved.refused, error: resolved.error };
  const addresses = resolved.addresses;
  const chosen = addresses[0];
  if (!chosen) return { outcome: 'failed', retryable: true, error: `cannot resolve ${host}` };
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [chosen]);
    else callback(null, chosen.address, chosen.family);
  };
  return send(target, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body, pinned, options.timeoutMs);
}

function send(target: URL, headers: Record<string, string>, body: string, pinned: LookupFunction, timeoutMs: number): Promise<DeliveryResult> {
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: DeliveryResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = client.request(target, { method: 'POST', headers: { 'user-agent': 'ferry-webhooks/1', ...headers }, lookup: pinned, agent: false });
    const timer = setTimeout(() => {
      finish({ outcome: 'failed', retryable: true, error: `timed out after ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (err) => finish({ outcome: 'failed', retryable: true, error: err.message }));
    req.on('response', (res) => {
      const statusCode = res.statusCode ?? 0;
      let received = 0;
      const chunks: Buffer[] = [];
      const done = () => {
        const excerpt = Buffer.concat(chunks).toString('utf8').slice(0, 200);
        if (statusCode >= 200 && statusCode < 300) finish({ outcome: 'delivered', statusCode });
        else finish({ outcome: 'failed', retryable: true, statusCode, error: `HTTP ${statusCode}${excerpt ? `: ${excerpt}` : ''}` });
      };
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received <= MAX_RESPONSE_BYTES) chunks.push(chunk);
        else {
          done();
          res.destroy();
        }
      });
      res.on('end', done);
      res.on('error', done);
    });
    req.end(body);
  });
}
