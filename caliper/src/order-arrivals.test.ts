import { closedLoop, openLoop } from './order-arrivals';

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('closedLoop', () => {
  it('keeps the given number of orders under way and runs each once', async () => {
    let underWay = 0;
    let most = 0;
    const outcomes = await closedLoop(20, 4, async (i) => {
      underWay += 1;
      most = Math.max(most, underWay);
      await pause(5);
      underWay -= 1;
      if (i === 7) throw new Error('refused');
      return i;
    });
    expect(outcomes).toHaveLength(20);
    expect(most).toBe(4);
    expect(outcomes.filter((o) => !o.ok)).toEqual([expect.objectContaining({ error: 'refused' })]);
  });
});

describe('openLoop', () => {
  it('starts orders at the rate however many are under way, until enough have finished', async () => {
    const startedAt: number[] = [];
    const began = Date.now();
    // Each order takes 200 ms, far longer than the 20 ms between starts: a closed loop would stall.
    const { outcomes, held } = await openLoop(50, 10, async (i) => {
      startedAt[i] = Date.now() - began;
      await pause(200);
      return i;
    });
    expect(held).toBe(0);
    expect(outcomes.filter((o) => o.ok).length).toBeGreaterThanOrEqual(10);
    // Ten finished by ~200 ms + 9 × 20 ms: roughly 19 orders had started by then, and all of them finished.
    expect(startedAt.length).toBeGreaterThan(12);
    expect(outcomes).toHaveLength(startedAt.length);
    // 20 ms apart on average: a late timer is caught up on, not carried forward.
    const meanGap = startedAt.at(-1)! / (startedAt.length - 1);
    expect(meanGap).toBeGreaterThan(15);
    expect(meanGap).toBeLessThan(40);
  });

  it('records a failed order and goes on', async () => {
    const { outcomes } = await openLoop(200, 5, async (i) => {
      if (i === 1) throw new Error('WRONG_STATE');
      return i;
    });
    expect(outcomes.find((o) => !o.ok)?.error).toBe('WRONG_STATE');
    expect(outcomes.filter((o) => o.ok).length).toBeGreaterThanOrEqual(4);
  });

  it('holds arrivals past the most under way, and counts them', async () => {
    let underWay = 0;
    let most = 0;
    const { outcomes, held } = await openLoop(
      1000,
      20,
      async (i) => {
        underWay += 1;
        most = Math.max(most, underWay);
        await pause(30);
        underWay -= 1;
        return i;
      },
      undefined,
      5,
    );
    expect(most).toBe(5);
    expect(held).toBeGreaterThan(0);
    expect(outcomes.length).toBeGreaterThanOrEqual(20);
  });
});
