/**
 * One subscriber's stream of record events: a replay from the log when it
 * asks for one, then the instance's shared feed.
 *
 * The hand-off: the stream replays on its own until it reaches what was the
 * head, then joins the feed, which answers with its position P and from then
 * on pushes every matching event with id > P. The stream reads (cursor, P]
 * from the log, then serves what the feed pushed, skipping ids it already
 * delivered (the feed may be behind the stream's cursor). Ids become visible
 * in increasing order (see outbox.ts), so nothing falls between the two and
 * nothing comes twice.
 */
import type { RecordEventType } from '../domain';
import { AppError, ErrorCode } from '../errors';
import type { Runtime } from '../runtime';
import { eventFeed, type EventFeed, type FeedMember } from './feed';
import { assertReplayable, parseAfter, readEvents, type EventRow, type EventScope } from './outbox';

export type { EventRow } from './outbox';

export interface EventRequest {
  collectionId?: string | null;
  types?: readonly RecordEventType[] | null;
  /** Event id to resume after; "0" replays every kept event; absent: only events from now on. */
  after?: string | null;
}

export interface StreamOptions {
  /**
   * Events the feed may hold for a subscriber that has not taken them yet
   * (it reads slower than events come). Past it the subscriber is dropped
   * with SLOW_CONSUMER, so it never holds memory or the other subscribers
   * back. Default 10,000.
   */
  maxBuffered?: number;
}

export const DEFAULT_MAX_BUFFERED = 10_000;
/** Events one replay query reads at most. */
const REPLAY_BATCH = 500;

const streamOptions = new WeakMap<Runtime, StreamOptions>();

/** Overrides the stream options of one gateway instance (tests use a small buffer). */
export function configureEventStreams(rt: Runtime, options: StreamOptions): void {
  streamOptions.set(rt, { ...streamOptions.get(rt), ...options });
}

/**
 * Checks the request (a malformed `after` is BAD_USER_INPUT, a pruned one
 * EVENTS_PRUNED) before anything is streamed, then returns the stream.
 */
export async function openEventStream(rt: Runtime, request: EventRequest): Promise<AsyncIterableIterator<EventRow>> {
  const scope: EventScope = { collectionId: request.collectionId ?? null, types: request.types ?? null };
  const after = request.after == null ? null : parseAfter(request.after);
  if (after !== null) await assertReplayable(rt, after);
  const maxBuffered = streamOptions.get(rt)?.maxBuffered ?? DEFAULT_MAX_BUFFERED;
  const stream = new EventStream(rt, eventFeed(rt), scope, after ?? 0, maxBuffered);
  // Without `after`, the stream starts at the feed's position now: it gets
  // every event committed after it subscribed, and none before.
  if (after === null) await stream.joinLive();
  return stream;
}

export function slowConsumer(lastDelivered: number, maxBuffered: number): AppError {
  return new AppError(
    ErrorCode.SLOW_CONSUMER,
    `this subscription fell more than ${maxBuffered} events behind and was closed; ` +
      `subscribe again with after: "${lastDelivered}" to get everything after the last event it delivered`,
    { lastEventId: String(lastDelivered), resumeAfter: String(lastDelivered) },
  );
}

type Phase = 'replay' | 'catch-up' | 'live' | 'done';

class EventStream implements AsyncIterableIterator<EventRow>, FeedMember {
  private phase: Phase;
  /** The last id handed to the consumer. */
  private delivered: number;
  /** The last id read from the log (replayed events wait in `replayed`). */
  private cursor: number;
  private replayed: EventRow[] = [];
  private joinedAt = 0;
  /** Pushed by the feed, not yet taken; `head` is the next to take. */
  private queue: EventRow[] = [];
  private head = 0;
  private failure: AppError | null = null;
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly rt: Runtime,
    private readonly feed: EventFeed,
    readonly scope: EventScope,
    after: number,
    private readonly maxBuffered: number,
  ) {
    this.phase = 'replay';
    this.delivered = this.cursor = after;
  }

  async joinLive(): Promise<void> {
    await this.join();
    this.cursor = this.delivered = this.joinedAt;
    if (this.phase !== 'done') this.phase = 'live';
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  push(event: EventRow): void {
    if (this.phase === 'done' || this.failure) return;
    this.queue.push(event);
    if (this.queue.length - this.head > this.maxBuffered) {
      this.failure = slowConsumer(this.delivered, this.maxBuffered);
      this.rt.log.warn({ lastEventId: this.delivered, maxBuffered: this.maxBuffered }, 'record event subscriber too slow; dropped');
      this.feed.leave(this);
      this.queue = [];
      this.head = 0;
      this.replayed = [];
    }
    this.wake();
  }

  async next(): Promise<IteratorResult<EventRow>> {
    try {
      return await this.pull();
    } catch (err) {
      // Whatever broke the stream, it no longer belongs to the feed.
      this.finish();
      throw err;
    }
  }

  private async pull(): Promise<IteratorResult<EventRow>> {
    for (;;) {
      if (this.phase === 'done') return { done: true, value: undefined };
      if (this.failure) throw this.failure;
      const replayed = this.replayed.shift();
      if (replayed) return this.deliver(replayed);
      if (this.phase === 'replay' || this.phase === 'catch-up') {
        await this.replayBatch();
        continue;
      }
      const live = this.take();
      if (live) {
        if (live.id > this.delivered) return this.deliver(live);
        continue;
      }
      await new Promise<void>((resolve) => (this.wakeUp = resolve));
    }
  }

  async return(): Promise<IteratorResult<EventRow>> {
    this.finish();
    return { done: true, value: undefined };
  }

  async throw(err: unknown): Promise<IteratorResult<EventRow>> {
    this.finish();
    throw err;
  }

  private async join(): Promise<void> {
    this.joinedAt = await this.feed.join(this);
    // Returned while joining: leave again.
    if (this.phase === 'done') this.feed.leave(this);
  }

  /**
   * Before joining, reads the log up to its head batch by batch; once a
   * batch comes back short, joins the feed and reads the few events up to
   * the feed's position. Every read is followed by a retention check: if the
   * oldest kept id moved past the cursor meanwhile, the read may have missed
   * pruned events, and the subscriber must know.
   */
  private async replayBatch(): Promise<void> {
    const upTo = this.phase === 'catch-up' ? this.joinedAt : null;
    const from = this.cursor;
    let batch: EventRow[] = [];
    if (upTo === null || from < upTo) {
      batch = await readEvents(this.rt, from, upTo, this.scope, REPLAY_BATCH);
      await assertReplayable(this.rt, from);
    }
    if (this.phase === 'done') return;
    this.replayed.push(...batch);
    if (batch.length > 0) this.cursor = batch[batch.length - 1]!.id;
    if (batch.length === REPLAY_BATCH) return;
    if (this.phase === 'replay') {
      await this.join();
      if ((this.phase as Phase) !== 'done') this.phase = 'catch-up';
    } else {
      this.phase = 'live';
    }
  }

  private take(): EventRow | undefined {
    if (this.head >= this.queue.length) return undefined;
    const event = this.queue[this.head++]!;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1_024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return event;
  }

  private deliver(event: EventRow): IteratorResult<EventRow> {
    this.delivered = event.id;
    return { done: false, value: event };
  }

  private wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = null;
    wakeUp?.();
  }

  private finish(): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.feed.leave(this);
    this.queue = [];
    this.replayed = [];
    this.wake();
  }
}
