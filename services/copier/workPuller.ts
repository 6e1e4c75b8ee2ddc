import { createInbox, type JsMsg, type Msg, type NatsConnection, type Subscription } from 'nats';
import { toJsMsg } from 'nats/lib/jetstream/jsmsg.js';

/** How long past its own expiry a pull may stay unanswered before it is given up (its server may have died). */
const GRACE_MS = 5000;
const encoder = new TextEncoder();

export interface PullResult {
  /** Items handed to the pull's onMessage. */
  received: number;
  /** Set when the server refused or cut the pull (consumer deleted, leader changed, no responders). */
  refused?: string;
}

interface OpenPull {
  id: number;
  wanted: number;
  received: number;
  onMessage: (msg: JsMsg) => void;
  guard: NodeJS.Timeout;
  settle: (result: PullResult) => void;
}

/**
 * Pulls a run's work items over one inbox subscription kept for the worker's life,
 * one pull request at a time as consumer.fetch() does, but without a subscription,
 * iterator and timers set up and torn down per fetch (which cost about as much as
 * copying a small object). An item arriving while no pull is open (the answer to a
 * pull given up on) goes to `onLate`.
 */
export class WorkPuller {
  private readonly inbox = createInbox();
  private readonly nextSubject: string;
  private readonly subscription: Subscription;
  private open: OpenPull | undefined;
  private nextId = 0;

  constructor(
    private readonly nc: NatsConnection,
    stream: string,
    consumer: string,
    private readonly onLate: (msg: JsMsg) => void,
  ) {
    this.nextSubject = `$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`;
    this.subscription = nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => (err ? undefined : this.arrived(msg)) });
  }

  /** Asks for up to `wanted` items, handing each to `onMessage` as it arrives; settles when the pull is filled, expires or is refused. */
  pull(wanted: number, expiresMs: number, onMessage: (msg: JsMsg) => void): Promise<PullResult> {
    if (this.open) throw new Error('a pull is already open');
    return new Promise((settle) => {
      const id = ++this.nextId;
      const guard = setTimeout(() => this.end(id), expiresMs + GRACE_MS);
      this.open = { id, wanted, received: 0, onMessage, guard, settle };
      try {
        const request = JSON.stringify({ batch: wanted, expires: expiresMs * 1_000_000 });
        this.nc.publish(this.nextSubject, encoder.encode(request), { reply: `${this.inbox}.${id}` });
      } catch (err) {
        this.end(id, String((err as Error).message ?? err));
      }
    });
  }

  /** Stops listening; a pull still open settles with what it got. */
  stop(): void {
    if (this.open) this.end(this.open.id);
    this.subscription.unsubscribe();
  }

  private end(id: number, refused?: string): void {
    const open = this.open;
    if (!open || open.id !== id) return; // the status of a pull already given up on
    this.open = undefined;
    clearTimeout(open.guard);
    open.settle(refused === undefined ? { received: open.received } : { received: open.received, refused });
  }

  private arrived(msg: Msg): void {
    if (msg.subject.startsWith(this.inbox)) return this.status(msg);
    const item = toJsMsg(msg);
    const open = this.open;
    if (!open) return this.onLate(item);
    open.received++;
    open.onMessage(item);
    if (open.received >= open.wanted) this.end(open.id);
  }

  private status(msg: Msg): void {
    const code = msg.headers?.code ?? 0;
    if (code === 100) return; // an idle heartbeat (none are asked for)
    const id = Number(msg.subject.slice(this.inbox.length + 1));
    // 404 (no messages) and 408 (expired) end a pull as expected; anything else is a refusal.
    this.end(id, code === 404 || code === 408 ? undefined : `${code} ${msg.headers?.description ?? ''}`.trim());
  }
}
