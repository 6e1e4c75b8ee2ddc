import { ErrorCode, consumerOpts, type JetStreamClient, type JetStreamPullSubscription, type JsMsg, type NatsError } from 'nats';

/** How long past its own expiry a pull may stay unanswered before it is given up (its server may have died). */
const GRACE_MS = 5000;

export interface PullResult {
  /** Items handed to the pull's onMessage. */
  received: number;
  /** Set when the server refused or cut the pull (consumer deleted, leader changed, no responders). */
  refused?: string;
}

interface OpenPull {
  wanted: number;
  received: number;
  onMessage: (msg: JsMsg) => void;
  guard: NodeJS.Timeout;
  settle: (result: PullResult) => void;
}

/**
 * Pulls a run's work items through the client's pull subscription: one subscription
 * for the worker's life, and per pull one request for exactly as many items as the
 * worker has free slots (so no item waits in a buffer on the job's max_ack_pending or
 * its ack wait). consumer.fetch() would set up and tear down a subscription, an
 * iterator, a heartbeat monitor and timers per pull, and consumer.consume() pulls ahead
 * of free slots; measured on Ferry's copier (ARCHITECTURE.md, "The NATS client"), both
 * cost more per item. The client ends each pull with a status it hands over as a
 * NatsError: 404 (nothing to deliver) and 408 (expired) end it as expected, anything else
 * (409 consumer deleted or leadership change, 503 no responders) is a refusal. An item
 * arriving while no pull is open (the answer to a pull given up on) goes to `onLate`.
 *
 * js.pullSubscribe() is marked deprecated in nats 2.29 in favour of the consumer API,
 * and the modular client (@nats-io/jetstream) has no equivalent: moving there means
 * choosing between those two costs.
 */
export class WorkPuller {
  private open: OpenPull | undefined;

  private constructor(
    private readonly subscription: JetStreamPullSubscription,
    private readonly onLate: (msg: JsMsg) => void,
  ) {}

  /** Binds to the run's durable consumer (`subject`: its filter subject); fails when the consumer does not exist. */
  static async bind(js: JetStreamClient, stream: string, consumer: string, subject: string, onLate: (msg: JsMsg) => void): Promise<WorkPuller> {
    let puller: WorkPuller | undefined;
    const opts = consumerOpts()
      .bind(stream, consumer)
      .manualAck()
      .callback((err, msg) => puller?.arrived(err, msg));
    puller = new WorkPuller(await js.pullSubscribe(subject, opts), onLate);
    return puller;
  }

  /** Asks for up to `wanted` items, handing each to `onMessage` as it arrives; settles when the pull is filled, expires or is refused. */
  pull(wanted: number, expiresMs: number, onMessage: (msg: JsMsg) => void): Promise<PullResult> {
    if (this.open) throw new Error('a pull is already open');
    return new Promise((settle) => {
      const guard = setTimeout(() => this.end(), expiresMs + GRACE_MS);
      this.open = { wanted, received: 0, onMessage, guard, settle };
      try {
        this.subscription.pull({ batch: wanted, expires: expiresMs });
      } catch (err) {
        this.end(String((err as Error).message ?? err));
      }
    });
  }

  /** Stops listening; a pull still open settles with what it got. */
  stop(): void {
    this.end();
    this.subscription.unsubscribe();
  }

  private end(refused?: string): void {
    const open = this.open;
    if (!open) return; // the status of a pull already given up on
    this.open = undefined;
    clearTimeout(open.guard);
    open.settle(refused === undefined ? { received: open.received } : { received: open.received, refused });
  }

  private arrived(err: NatsError | null, msg: JsMsg | null): void {
    if (err) return this.end(err.code === ErrorCode.JetStream404NoMessages || err.code === ErrorCode.JetStream408RequestTimeout ? undefined : `${err.code} ${err.message}`);
    if (!msg) return;
    const open = this.open;
    if (!open) return this.onLate(msg);
    open.received++;
    open.onMessage(msg);
    if (open.received >= open.wanted) this.end();
  }
}
