import type { JetStreamClient } from 'nats';
import { encodeJson } from './codec.js';
import { publishDurably } from './publish.js';
import { subjects } from './subjects.js';

/** What a lister is asked to do: list the source for one run of one job, or (`kind: 'delete'`) run a mirror run's delete phase. */
export interface ListTask {
  job_id: string;
  run: number;
  kind?: 'delete';
}

/**
 * Asks a lister to list a run. Control (at a start), the scheduler (at an admission) and the projector's
 * reconciler (after a crash between the two) may each ask for the same run: one message id per run makes
 * every ask after the first a duplicate the broker drops.
 */
export async function publishListTask(js: JetStreamClient, task: ListTask): Promise<void> {
  await publishDurably(js, subjects.listTask(task.job_id), encodeJson(task), { msgID: `${task.job_id}:${task.run}:list` });
}

/**
 * Asks a lister to run a mirror run's delete phase, once every copy outcome is in. The projector's
 * reconciler asks (again after a restart): one message id per run makes a repeat a duplicate.
 */
export async function publishDeleteTask(js: JetStreamClient, task: { job_id: string; run: number }): Promise<void> {
  const message: ListTask = { ...task, kind: 'delete' };
  await publishDurably(js, subjects.listTask(task.job_id), encodeJson(message), { msgID: `${task.job_id}:${task.run}:delete` });
}
