import type { JetStreamClient } from 'nats';
import { encodeJson } from './codec.js';
import { publishDurably } from './publish.js';
import { subjects } from './subjects.js';

/**
 * What a lister is asked to do for one run of one job: list its source (and split it first, when it is
 * large), list one range of a split run (`kind: 'range'`), run a mirror run's delete phase
 * (`kind: 'delete'`), or write the completion report of the ended run (`kind: 'report'`). All travel on
 * `ferry.task.list.<job>` and are leased the same way.
 */
export type ListTask =
  | { job_id: string; run: number; kind?: undefined }
  | { job_id: string; run: number; kind: 'range'; range: number }
  | { job_id: string; run: number; kind: 'delete' | 'report' };

/**
 * Asks a lister to list a run. Control (at a start), the scheduler (at an admission) and the projector's
 * reconciler (after a crash between the two) may each ask for the same run: one message id per run makes
 * every ask after the first a duplicate the broker drops.
 */
export async function publishListTask(js: JetStreamClient, task: ListTask): Promise<void> {
  await publishDurably(js, subjects.listTask(task.job_id), encodeJson(task), { msgID: `${task.job_id}:${task.run}:list` });
}

/**
 * Asks listers to list the ranges of a split run, one task each. The lister that split the run asks,
 * and again whoever takes the run's listing task after a crash: one message id per range makes a
 * repeat a duplicate, and a lister drops the task of a range already listed.
 */
export async function publishRangeTasks(js: JetStreamClient, task: { job_id: string; run: number }, ranges: readonly number[]): Promise<void> {
  await Promise.all(
    ranges.map((range) => {
      const payload: ListTask = { job_id: task.job_id, run: task.run, kind: 'range', range };
      return publishDurably(js, subjects.listTask(task.job_id), encodeJson(payload), { msgID: `${task.job_id}:${task.run}:range:${range}` });
    }),
  );
}

/**
 * Asks a lister to run a mirror run's delete phase, once every copy outcome is in. The projector's
 * reconciler asks (again after a restart): one message id per run makes a repeat a duplicate.
 */
export async function publishDeleteTask(js: JetStreamClient, task: { job_id: string; run: number }): Promise<void> {
  const message: ListTask = { ...task, kind: 'delete' };
  await publishDurably(js, subjects.listTask(task.job_id), encodeJson(message), { msgID: `${task.job_id}:${task.run}:delete` });
}

/**
 * Asks a lister to write an ended run's completion report. The projector's reconciler asks again after a
 * restart; the message id drops repeats within the duplicate window, and the lister drops a task whose
 * report is already recorded.
 */
export async function publishReportTask(js: JetStreamClient, task: { job_id: string; run: number }): Promise<void> {
  const payload: ListTask = { job_id: task.job_id, run: task.run, kind: 'report' };
  await publishDurably(js, subjects.listTask(task.job_id), encodeJson(payload), { msgID: `${task.job_id}:${task.run}:report` });
}
