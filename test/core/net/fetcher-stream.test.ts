/** Fetcher.streamIndex: a decompressed index handed over as it streams, checked and cached on the way. */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ContentCache } from '../../../src/core/net/cache.js';
import { Fetcher } from '../../../src/core/net/fetcher.js';
import type { Http } from '../../../src/core/net/http.js';
import { sha256Hex } from '../../../src/core/hash.js';

const TEXT = Buffer.from('Package: a\nVersion: 1\n\n'.repeat(20000));
const GZ = gzipSync(TEXT);
const compressed = { sha256: sha256Hex(GZ), size: GZ.length };
const plain = { sha256: sha256Hex(TEXT), size: TEXT.length };

async function setup() {
  const cache = new ContentCache(await mkdtemp(join(tmpdir(), 'rg-fetch-stream-')));
  let gets = 0;
  const http = { get: async () => (gets++, { data: GZ, url: 'http://127.0.0.1/Packages.gz' }) } as unknown as Http;
  return { cache, fetcher: new Fetcher(http, cache), gets: () => gets };
}

describe('Fetcher.streamIndex', () => {
  it('hands over the decompressed bytes in chunks and caches them under the signed digest', async () => {
    const { cache, fetcher, gets } = await setup();
    const chunks: Uint8Array[] = [];
    await fetcher.streamIndex(['u'], compressed, 'gz', 'Packages.gz', plain, (c) => chunks.push(Buffer.from(c)));
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks).equals(TEXT)).toBe(true);
    expect((await cache.read(plain.sha256))?.equals(TEXT)).toBe(true);
    const again: Uint8Array[] = [];
    await fetcher.streamIndex(['u'], compressed, 'gz', 'Packages.gz', plain, (c) => again.push(c));
    expect(Buffer.concat(again).equals(TEXT)).toBe(true);
    expect(gets()).toBe(1); // the second time from the cache
    expect(await readdir(join(cache.dir, 'tmp'))).toEqual([]);
  });

  it('reports a wrong uncompressed digest as HASH, before any error of the sink, and caches nothing for it', async () => {
    const { cache, fetcher } = await setup();
    const wrong = { sha256: sha256Hex('other'), size: TEXT.length };
    const failing = () => {
      throw new Error('parser gave up');
    };
    await expect(fetcher.streamIndex(['u'], compressed, 'gz', 'Packages.gz', wrong, failing)).rejects.toMatchObject({ code: 'HASH' });
    expect(await cache.read(wrong.sha256)).toBeUndefined();
    expect(await readdir(join(cache.dir, 'tmp'))).toEqual([]);
    // With the right digest the sink's own error is what the caller sees.
    await expect(fetcher.streamIndex(['u'], compressed, 'gz', 'Packages.gz', plain, failing)).rejects.toThrow('parser gave up');
  });
});
