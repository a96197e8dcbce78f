import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompressStream, type Compression } from '../../src/core/decompress.js';

const text = Buffer.from('<package type="rpm"><name>a</name></package>\n'.repeat(20_000));

async function streamed(data: Uint8Array, kind: Compression, limits = {}): Promise<{ out: Buffer; chunks: number; total: number }> {
  const parts: Uint8Array[] = [];
  const total = await decompressStream(data, kind, `x.${kind}`, (c) => parts.push(Buffer.from(c)), limits);
  return { out: Buffer.concat(parts), chunks: parts.length, total };
}

describe('decompressStream', () => {
  const inputs: [Compression, Buffer][] = [
    ['none', text],
    ['gz', gzipSync(text)],
    ['xz', execFileSync('xz', ['-c'], { input: text })],
    ['zst', execFileSync('zstd', ['-c', '-q'], { input: text })],
  ];

  it.each(inputs)('%s: the chunks put together are the original bytes', async (kind, data) => {
    const r = await streamed(data, kind);
    expect(r.out.equals(text)).toBe(true);
    expect(r.total).toBe(text.length);
    if (kind !== 'none') expect(r.chunks).toBeGreaterThan(1); // really streamed, not one buffer
  });

  it.each(inputs.filter(([k]) => k !== 'none'))('%s: stops a bomb at the output limit and refuses garbage', async (kind, data) => {
    await expect(streamed(data, kind, { maxOutput: 100_000 })).rejects.toMatchObject({ code: 'LIMIT', message: expect.stringMatching(/^x\.\w+: decompressed size exceeds the limit of 100000 bytes/) });
    const bad = Buffer.from(data);
    bad.fill(0x41, 0, 6); // a broken header (fzstd checks no checksums, so only headers fail for sure)
    await expect(streamed(bad, kind)).rejects.toMatchObject({ code: 'FORMAT' });
  });
});
