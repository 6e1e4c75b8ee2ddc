import type { NatsConnection, ObjectStore } from 'nats';
import { OBJECT_STORES } from '../../libs/nats/index.js';
import { ProjectorState, type Snapshot } from './projectorState.js';

const SNAPSHOT_NAME = 'projector-state';

/** Projector checkpoints: the whole state at a stream sequence, so a restart replays only the tail. */
export class SnapshotStore {
  private constructor(private readonly os: ObjectStore) {}

  static async open(nc: NatsConnection): Promise<SnapshotStore> {
    return new SnapshotStore(await nc.jetstream().views.os(OBJECT_STORES.projector));
  }

  async load(): Promise<ProjectorState | undefined> {
    const blob = await this.os.getBlob(SNAPSHOT_NAME);
    if (!blob) return undefined;
    return ProjectorState.fromSnapshot(JSON.parse(Buffer.from(blob).toString('utf8')) as Snapshot);
  }

  async save(state: ProjectorState): Promise<void> {
    await this.os.putBlob({ name: SNAPSHOT_NAME }, Buffer.from(JSON.stringify(state.toSnapshot())));
  }

  async drop(): Promise<void> {
    await this.os.delete(SNAPSHOT_NAME); // no snapshot yet: resolves with success false
  }
}
