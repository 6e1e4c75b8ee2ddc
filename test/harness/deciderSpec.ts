import assert from 'node:assert/strict';
import { decide, foldJob, type JobCommand, type JobEvent } from '../../libs/domain/index.js';

/** given(events).when(command).then(events) / .thenThrows(code), as in emmett's DeciderSpecification. */
export function given(jobId: string, events: JobEvent[]) {
  return {
    when(command: JobCommand) {
      const run = () => decide(command, foldJob(jobId, events));
      return {
        then(expected: JobEvent[]) {
          assert.deepEqual(run(), expected);
        },
        thenThrows(code: string, message?: RegExp) {
          assert.throws(run, (err: { code?: string; message: string }) => {
            assert.equal(err.code, code);
            if (message) assert.match(err.message, message);
            return true;
          });
        },
      };
    },
  };
}
