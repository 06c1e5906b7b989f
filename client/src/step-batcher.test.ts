import { ContractRefusal } from './errors';
import type { StepsOutcome } from './escrow-client';
import { StepBatcher } from './step-batcher';

const committed = { txId: 'tx-1', blockNumber: 7n };

/** A sender that records each batch and answers from `answer`. */
function recorder(answer: (ids: string[]) => StepsOutcome | Error) {
  const batches: string[][] = [];
  const send = async (ids: string[]): Promise<StepsOutcome> => {
    batches.push(ids);
    const a = answer(ids);
    if (a instanceof Error) throw a;
    return a;
  };
  return { batches, send };
}
const allDone = (ids: string[]): StepsOutcome => ({ done: ids.map((orderId) => ({ orderId, state: 'SHIPPED' })), refused: [], committed });

describe('StepBatcher', () => {
  it('sends what arrives within the window as one batch and answers each order with its own step', async () => {
    const { batches, send } = recorder(allDone);
    const batcher = new StepBatcher(send, (id: string) => id, { windowMs: 20, maxOrders: 10 });
    const steps = await Promise.all(['a', 'b', 'c'].map((id) => batcher.add(id)));
    expect(batches).toEqual([['a', 'b', 'c']]);
    expect(steps).toEqual(['a', 'b', 'c'].map((orderId) => ({ orderId, state: 'SHIPPED', ...committed })));
  });

  it('sends a full batch at once, without waiting out the window', async () => {
    const { batches, send } = recorder(allDone);
    const batcher = new StepBatcher(send, (id: string) => id, { windowMs: 60_000, maxOrders: 2 });
    await Promise.all(['a', 'b'].map((id) => batcher.add(id)));
    expect(batches).toEqual([['a', 'b']]);
  });

  it('sends a second step for the same order only once the first is answered', async () => {
    let release = (): void => undefined;
    const batches: string[][] = [];
    const send = async (ids: string[]): Promise<StepsOutcome> => {
      batches.push(ids);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      return allDone(ids);
    };
    const batcher = new StepBatcher(send, (id: string) => id, { windowMs: 5, maxOrders: 10 });
    const first = [batcher.add('a'), batcher.add('b')];
    await new Promise((r) => setTimeout(r, 20));
    const again = batcher.add('a');
    const other = batcher.add('c');
    await other;
    expect(batches).toEqual([['a', 'b'], ['c']]);
    release();
    await Promise.all([...first, again]);
    expect(batches).toEqual([['a', 'b'], ['c'], ['a']]);
  });

  it('rejects a refused order with the contract’s code, and answers the others', async () => {
    const { send } = recorder((ids) => ({
      done: [{ orderId: ids[0]!, state: 'SHIPPED' }],
      refused: [{ orderId: ids[1]!, code: 'WRONG_STATE', reason: 'order b is ESCROWED' }],
      committed,
    }));
    const batcher = new StepBatcher(send, (id: string) => id, { windowMs: 5, maxOrders: 10 });
    const [a, b] = await Promise.allSettled([batcher.add('a'), batcher.add('b')]);
    expect(a.status).toBe('fulfilled');
    const error = (b as PromiseRejectedResult).reason as unknown;
    expect(error).toBeInstanceOf(ContractRefusal);
    expect(error).toMatchObject({ code: 'WRONG_STATE', message: 'order b is ESCROWED' });
  });

  it('fails every step of a batch that could not be sent', async () => {
    const { send } = recorder(() => new Error('the peer is gone'));
    const batcher = new StepBatcher(send, (id: string) => id, { windowMs: 5, maxOrders: 10 });
    const settled = await Promise.allSettled([batcher.add('a'), batcher.add('b')]);
    expect(settled.map((s) => (s.status === 'rejected' ? String(s.reason) : 'ok'))).toEqual([
      'Error: the peer is gone',
      'Error: the peer is gone',
    ]);
  });

  it('sends each step alone when the window is zero', async () => {
    const { batches, send } = recorder(allDone);
    const batcher = new StepBatcher(send, (id: string) => id, { windowMs: 0, maxOrders: 10 });
    await Promise.all(['a', 'b'].map((id) => batcher.add(id)));
    expect(batches).toEqual([['a'], ['b']]);
  });
});
