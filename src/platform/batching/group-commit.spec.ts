import { GroupCommit } from './group-commit';

interface Item {
  n: number;
  resolve: (v: number) => void;
  reject: (err: unknown) => void;
}

const add = (g: GroupCommit<Item>, n: number) =>
  new Promise<number>((resolve, reject) => g.add({ n, resolve, reject }));

describe('GroupCommit', () => {
  it('handles the first item at once and the ones arriving meanwhile together, at most max a batch', async () => {
    const batches: number[][] = [];
    const g = new GroupCommit<Item>(2, async (batch) => {
      batches.push(batch.map((i) => i.n));
      await new Promise((r) => setTimeout(r, 5));
      for (const i of batch) i.resolve(i.n * 10);
    });
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => add(g, n)));
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1], [2, 3], [4, 5]]);
    // Idle again: the next item starts a new batch.
    expect(await add(g, 6)).toBe(60);
    expect(batches[batches.length - 1]).toEqual([6]);
  });

  it('rejects every item of a batch whose handler throws, and goes on with the next batch', async () => {
    const g = new GroupCommit<Item>(10, async (batch) => {
      await Promise.resolve();
      if (batch.some((i) => i.n === 1)) throw new Error('boom');
      for (const i of batch) i.resolve(i.n);
    });
    const first = add(g, 1);
    const later = [add(g, 2), add(g, 3)];
    await expect(first).rejects.toThrow('boom');
    expect(await Promise.all(later)).toEqual([2, 3]);
  });
});
