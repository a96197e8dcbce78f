import { describe, expect, it } from 'vitest';
import { ListIds } from '../../../src/families/apt/resolve/list-ids.js';

// Names in apt's order of first mention, with the shapes keys take (arch-qualified, :any, +, .).
const order = ['libc6', 'zlib1g', 'a', 'libc6:i386', 'g++', 'python3:any', 'libstdc++6', 'ab', 'aa', 'z', 'lib.x-1'];

describe('ListIds: the lists names table (rule 4 IDs)', () => {
  it('answers every name with its place in the order, and nothing else', () => {
    const ids = ListIds.fromOrder(order);
    expect(ids.size).toBe(order.length);
    order.forEach((k, i) => expect(ids.get(k)).toBe(i));
    for (const k of ['', 'libc', 'libc6:', 'libc6:amd64', 'zz', 'a:any', 'python3']) expect(ids.has(k)).toBe(false);
  });

  it('reads its own cache form back to the same answers', () => {
    const back = ListIds.decode(ListIds.fromOrder(order).encode())!;
    expect(back).toBeDefined();
    order.forEach((k, i) => expect(back.get(k)).toBe(i));
    expect(back.get('nope')).toBeUndefined();
  });

  it('refuses a torn, edited or foreign entry instead of answering wrongly', () => {
    const text = ListIds.fromOrder(order).encode();
    expect(ListIds.decode(text.slice(0, -3))).toBeUndefined(); // torn in the names
    expect(ListIds.decode(text.slice(0, text.indexOf('\n') + 5))).toBeUndefined(); // torn in the IDs
    expect(ListIds.decode('["libc6","zlib1g"]')).toBeUndefined(); // the old JSON form
    const [head, b64, ...names] = text.split('\n');
    // Two names swapped: no longer sorted, so binary search could miss.
    const swapped = [...names];
    [swapped[0], swapped[1]] = [swapped[1], swapped[0]];
    expect(ListIds.decode([head, b64, ...swapped].join('\n'))).toBeUndefined();
    // An ID given twice.
    const ids = Buffer.from(b64, 'base64');
    ids.writeInt32LE(ids.readInt32LE(4), 0);
    expect(ListIds.decode([head, ids.toString('base64'), ...names].join('\n'))).toBeUndefined();
  });
});
