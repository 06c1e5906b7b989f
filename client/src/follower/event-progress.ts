import type { EventPosition } from './checkpoints';

interface Outstanding {
  position: EventPosition;
  remaining: Set<string>;
}

/**
 * Which read events still have jobs not yet done, in channel order. The checkpoint may only move past
 * an event once all its jobs are done and all earlier events are too: that is what makes a restart
 * skip nothing.
 */
export class EventProgress {
  private readonly events: Outstanding[] = [];
  private readonly byJob = new Map<string, Outstanding>();

  track(position: EventPosition, jobIds: string[]): void {
    const entry = { position, remaining: new Set(jobIds) };
    this.events.push(entry);
    for (const id of jobIds) this.byJob.set(id, entry);
  }

  done(jobId: string): void {
    this.byJob.get(jobId)?.remaining.delete(jobId);
    this.byJob.delete(jobId);
  }

  /** Drops the finished events at the front; returns the position of the last one dropped, if any. */
  advance(): EventPosition | undefined {
    let last: EventPosition | undefined;
    while (this.events.length > 0 && this.events[0]!.remaining.size === 0) last = this.events.shift()!.position;
    return last;
  }

  /** Jobs of events read more than `olderThanMs` ago that are not done: to enqueue again if Redis lost them. */
  stale(now: number, readAt: Map<string, number>, olderThanMs: number): string[] {
    return [...this.byJob.keys()].filter((id) => now - (readAt.get(id) ?? now) > olderThanMs);
  }

  get size(): number {
    return this.events.length;
  }
}
