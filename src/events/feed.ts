/**
 * The live side of event delivery: one feed per gateway instance tails the
 * event log from its head and hands every new event to the subscribers here
 * whose scope matches. A NOTIFY on tributary_events (sent by the appending
 * transaction, delivered at its commit, by whichever instance wrote) wakes
 * it; it then reads what is new in batches, so a batch costs one query
 * however many subscribers there are.
 */
import { headEventId, matches, readEvents, type EventRow, type EventScope } from './outbox';
import { Channels } from './notifier';
import type { Runtime } from '../runtime';

/** Events one feed query reads at most. */
const FEED_BATCH = 1_000;
/**
 * Safety poll while subscribers exist, in ms: a notification sent while the
 * LISTEN connection was down is lost, so the feed also looks now and then.
 */
const FEED_POLL_MS = 1_000;

export interface FeedMember {
  readonly scope: EventScope;
  /** Receives the events with id > the position `join` returned, in id order. Runs synchronously in dispatch. */
  push(event: EventRow): void;
}

export class EventFeed {
  private readonly members = new Set<FeedMember>();
  /** Every event with id <= position has been read and dispatched. */
  private position = 0;
  /** Bumped on each start and stop, so a read begun by an earlier life of the feed is dropped. */
  private epoch = 0;
  private starting: Promise<void> | null = null;
  private running = false;
  private reading = false;
  private again = false;
  private unlisten: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly rt: Runtime) {}

  get subscribers(): number {
    return this.members.size;
  }

  /**
   * Adds a member and returns the feed's position at that moment: the member
   * is sent exactly the events after it. What lies between the member's own
   * cursor and this position it reads from the log itself (see stream.ts).
   */
  async join(member: FeedMember): Promise<number> {
    while (!this.running) {
      this.starting ??= this.start();
      await this.starting;
    }
    this.members.add(member);
    return this.position;
  }

  leave(member: FeedMember): void {
    if (this.members.delete(member) && this.members.size === 0) this.stop();
  }

  private async start(): Promise<void> {
    const epoch = ++this.epoch;
    try {
      const notifier = this.rt.notifier;
      this.unlisten = notifier.on(Channels.events, () => this.wake());
      // LISTEN first, head second: a commit after the head read then always wakes the feed.
      await notifier.listening?.(Channels.events);
      const head = await headEventId(this.rt);
      if (epoch !== this.epoch) return;
      this.position = head;
      this.running = true;
      this.timer = setInterval(() => this.wake(), FEED_POLL_MS);
      this.timer.unref();
    } catch (err) {
      if (epoch === this.epoch) this.stop();
      throw err;
    } finally {
      this.starting = null;
    }
  }

  private stop(): void {
    this.epoch++;
    this.running = false;
    // A read in flight belongs to the old epoch and will be dropped; a new life starts its own.
    this.reading = false;
    this.again = false;
    this.unlisten?.();
    this.unlisten = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reads until caught up; a wake-up during a read makes it read once more rather than run twice at once. */
  private wake(): void {
    if (!this.running) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    void this.drain();
  }

  private async drain(): Promise<void> {
    const epoch = this.epoch;
    this.reading = true;
    try {
      for (;;) {
        this.again = false;
        const batch = await readEvents(this.rt, this.position, null, {}, FEED_BATCH);
        if (epoch !== this.epoch) return;
        for (const event of batch) {
          this.position = event.id;
          for (const member of this.members) if (matches(member.scope, event)) member.push(event);
        }
        if (batch.length < FEED_BATCH && !this.again) return;
      }
    } catch (err) {
      // The position is unchanged: the next wake-up or poll reads the same events again.
      if (epoch === this.epoch) this.rt.log.error({ err }, 'reading new record events failed; retrying on the next poll');
    } finally {
      if (epoch === this.epoch) this.reading = false;
    }
  }
}

const feeds = new WeakMap<Runtime, EventFeed>();

/** The instance's feed, created on first use; it tails the log only while someone subscribes. */
export function eventFeed(rt: Runtime): EventFeed {
  let feed = feeds.get(rt);
  if (!feed) {
    feed = new EventFeed(rt);
    feeds.set(rt, feed);
  }
  return feed;
}
