import { describe, expect, it } from 'vitest';
import { CommitTracker } from '../../../src/collect/tail/commit-tracker.js';

describe('CommitTracker', () => {
  it('advances only over a gap-free run of acknowledged batches', () => {
    const t = new CommitTracker(0);
    t.handOut(100);
    t.handOut(200);
    t.handOut(300);
    expect(t.ack(300)).toBe(false); // batch 3 before 1 and 2
    expect(t.committed).toBe(0);
    expect(t.ack(50)).toBe(true); // part of batch 1
    expect(t.committed).toBe(50);
    expect(t.ack(100)).toBe(true);
    expect(t.committed).toBe(100);
    expect(t.ack(200)).toBe(true);
    expect(t.committed).toBe(300);
    expect(t.outstanding).toBe(false);
  });

  it('ignores offsets it never handed out and old ones', () => {
    const t = new CommitTracker(10);
    t.handOut(20);
    expect(t.ack(5)).toBe(false);
    expect(t.ack(25)).toBe(false);
    expect(t.ack(20)).toBe(true);
    expect(t.committed).toBe(20);
  });

  it('stays bounded when nothing is committed, and still commits correctly', () => {
    const t = new CommitTracker(0);
    for (let i = 1; i <= 20_000; i++) t.handOut(i * 10);
    for (let i = 20_000; i >= 1; i--) t.ack(i * 10);
    expect(t.committed).toBe(200_000);
  });
});
