import { describe, expect, it } from 'vitest';
import { allInOrder } from '../../src/core/settled.js';

const later = <T>(ms: number, v: T, fail = false) => new Promise<T>((ok, no) => setTimeout(() => (fail ? no(new Error(String(v))) : ok(v)), ms));

describe('allInOrder', () => {
  it('resolves with every value, in the order given', async () => {
    expect(await allInOrder([later(20, 'a'), later(1, 'b'), later(10, 'c')])).toEqual(['a', 'b', 'c']);
  });

  it('rejects with the first failure in the order given, not in time, after every promise settled', async () => {
    let lastDone = false;
    const last = later(30, 'z').then((v) => ((lastDone = true), v));
    await expect(allInOrder([later(1, 'a'), later(25, 'first', true), later(2, 'second', true), last])).rejects.toThrow('first');
    expect(lastDone).toBe(true);
  });
});
