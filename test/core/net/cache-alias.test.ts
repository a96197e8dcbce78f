import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ContentCache } from '../../../src/core/net/cache.js';
import { sha256Hex } from '../../../src/core/hash.js';

describe('ContentCache aliases', () => {
  let dir: string;
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('names a cached entry by a second key; the entry itself is still verified on read', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rg-alias-'));
    const cache = new ContentCache(dir);
    const data = Buffer.from('package bytes');
    const sha = sha256Hex(data);
    expect(await cache.readAlias('apk-sha1', 'abc123')).toBeUndefined();
    await cache.write(sha, data);
    await cache.writeAlias('apk-sha1', 'abc123', sha);
    expect(await cache.readAlias('apk-sha1', 'abc123')).toBe(sha);
    expect(await cache.read((await cache.readAlias('apk-sha1', 'abc123'))!)).toEqual(data);
    // A tampered entry behind a good alias is a miss, not bad bytes.
    await writeFile(cache.pathOf(sha), 'tampered');
    expect(await cache.read(sha)).toBeUndefined();
  });

  it('treats a garbled alias as a miss and refuses names that could leave the folder', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rg-alias-'));
    const cache = new ContentCache(dir);
    await cache.writeAlias('ns', 'k', 'a'.repeat(64));
    await writeFile(join(dir, 'alias', 'ns', 'k'), 'not a digest');
    expect(await cache.readAlias('ns', 'k')).toBeUndefined();
    await expect(cache.writeAlias('ns', '../../etc', 'a'.repeat(64))).rejects.toThrow(/alias name/);
    await expect(cache.readAlias('..', 'k')).rejects.toThrow(/alias name/);
    await expect(cache.writeAlias('ns', 'k', 'nope')).rejects.toThrow(/not a sha256/);
  });
});
