import { describe, expect, it } from 'vitest';
import { ReproError } from '../../../src/core/errors.js';
import type { Fetcher } from '../../../src/core/net/fetcher.js';
import { fetchCheckedRoot } from '../../../src/core/net/root-fallback.js';

/** A fetcher whose fetchRoot answers from `bodies` (url → bytes, or a ReproError), first URL that answers. */
function fakeFetcher(bodies: Record<string, string | ReproError>): { fetcher: Fetcher; calls: { urls: string[]; pinned?: string }[] } {
  const calls: { urls: string[]; pinned?: string }[] = [];
  const fetcher = {
    async fetchRoot(urls: string[], _what: string, _max?: number, pinned?: string) {
      calls.push({ urls, pinned });
      const failed: string[] = [];
      for (const url of urls) {
        const b = bodies[url];
        if (typeof b === 'string') return { data: Buffer.from(b), url };
        failed.push(`${url}: ${b?.message ?? 'HTTP 404'}`);
      }
      throw new ReproError('NETWORK', `could not download.\n${failed.join('\n')}`);
    },
  } as unknown as Fetcher;
  return { fetcher, calls };
}

/** The ReproError a call must fail with. */
const err = (p: Promise<unknown>): Promise<ReproError> => p.then(() => { throw new Error('expected a failure'); }, (e: ReproError) => e);

const check = (data: Buffer, url: string) => {
  if (data.toString() !== 'good') throw new ReproError('FORMAT', `${url}: bad content`);
  return url;
};

describe('fetchCheckedRoot', () => {
  it('moves on to the next URL when the first one\'s bytes fail the check', async () => {
    const { fetcher, calls } = fakeFetcher({ 'm/x': 'corrupt', 'a/x': 'good' });
    expect(await fetchCheckedRoot(fetcher, ['m/x', 'a/x'], 'x', check, { pinned: 'abc' })).toBe('a/x');
    // The pinned cache copy only for the first try; fresh bytes after a refusal.
    expect(calls).toEqual([{ urls: ['m/x', 'a/x'], pinned: 'abc' }, { urls: ['a/x'], pinned: undefined }]);
  });

  it('a single refusal is rethrown as is; several keep the first code and name every URL', async () => {
    const one = await err(fetchCheckedRoot(fakeFetcher({ 'a/x': 'corrupt' }).fetcher, ['a/x'], 'x', check));
    expect(one).toMatchObject({ code: 'FORMAT', message: 'a/x: bad content' });
    const two = await err(fetchCheckedRoot(fakeFetcher({ 'm/x': 'corrupt', 'a/x': 'worse' }).fetcher, ['m/x', 'a/x'], 'x', check));
    expect(two).toMatchObject({ code: 'FORMAT', message: 'm/x: bad content\na/x: bad content' });
    const net = await err(fetchCheckedRoot(fakeFetcher({ 'm/x': 'corrupt' }).fetcher, ['m/x', 'a/x'], 'x', check));
    expect(net.code).toBe('FORMAT');
    expect(net.message).toMatch(/^m\/x: bad content\ncould not download\.\na\/x: HTTP 404$/);
  });

  it('a transfer failure with nothing refused is the fetcher\'s own error; other exceptions pass through', async () => {
    const e = await err(fetchCheckedRoot(fakeFetcher({}).fetcher, ['a/x'], 'x', check));
    expect(e.code).toBe('NETWORK');
    await expect(fetchCheckedRoot(fakeFetcher({ 'a/x': 'good' }).fetcher, ['a/x'], 'x', () => { throw new TypeError('bug'); })).rejects.toThrow(TypeError);
  });
});
