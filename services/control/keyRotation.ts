import type { RequestOf, ResponseOf } from '../../libs/api/index.js';
import { FerryError } from '../../libs/domain/index.js';
import type { Logger } from '../../libs/log/logger.js';
import type { SecretSealer } from '../../libs/secrets/index.js';
import type { ServiceHandlers } from '../../libs/transport/index.js';

/**
 * RotateKeys: control re-seals the data keys itself, with the keys it already holds (every process that
 * opens secrets holds every key still in use), so the operator needs no NATS access and no key material,
 * only the admin token.
 */
export function keyHandlers(sealer: SecretSealer, log: Logger): ServiceHandlers {
  const RotateKeys = async ({ to_key_id }: RequestOf<'RotateKeys'>): Promise<ResponseOf<'RotateKeys'>> => {
    const ring = sealer.masterKeys;
    if (to_key_id && to_key_id !== ring.currentId) {
      throw new FerryError(
        'FAILED_PRECONDITION',
        `this control process seals new data keys under master key "${ring.currentId}", not "${to_key_id}": restart it with ferry.secret_key_current (FERRY_SECRET_KEY_CURRENT) set to ${to_key_id}, then rotate again`,
      );
    }
    log.info({ current_key_id: ring.currentId, key_ids: ring.ids }, 'key rotation started');
    const report = await sealer.rotate();
    for (const { jobId, error } of report.failed) log.warn({ job_id: jobId, err: error }, 'data key not re-sealed');
    const counts = { resealed: report.resealed, already_current: report.alreadyCurrent, gone: report.gone };
    log.info({ current_key_id: report.currentKeyId, ...counts, failed: report.failed.length }, 'key rotation done');
    return { current_key_id: report.currentKeyId, key_ids: ring.ids, ...counts, failed: report.failed.map(({ jobId, error }) => ({ job_id: jobId, error })) };
  };
  return { RotateKeys };
}
