import type { JetStreamClient } from 'nats';
import { encodeJson } from './codec.js';
import { publishDurably } from './publish.js';
import { subjects } from './subjects.js';

/** What a lister is asked to do: list the source for one run of one job. */
export interface ListTask {
  job_id: string;
  run: number;
}

/**
 * Asks a lister to list a run. Control (at a start), the scheduler (at an admission) and the projector's
 * reconciler (after a crash between the two) may each ask for the same run: one message id per run makes
 * every ask after the first a duplicate the broker drops.
 */
export async function publishListTask(js: JetStreamClient, task: ListTask): Promise<void> {
  await publishDurably(js, subjects.listTask(task.job_id), encodeJson(task), { msgID: `${task.job_id}:${task.run}:list` });
}
