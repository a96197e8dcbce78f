import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompress } from '../../src/core/decompress.js';

const text = Buffer.from('Package: a\nVersion: 1\n\n'.repeat(1000));

describe('decompress', () => {
  it('xz, gz and none give the original bytes', async () => {
    const xz = execFileSync('xz', ['-c'], { input: text });
    expect((await decompress(xz, 'xz', 'x')).equals(text)).toBe(true);
    expect((await decompress(gzipSync(text), 'gz', 'x')).equals(text)).toBe(true);
    expect((await decompress(text, 'none', 'x')).equals(text)).toBe(true);
  });

  it('zstd when the zstd tool is present', async (ctx) => {
    let zst: Buffer;
    try {
      zst = execFileSync('zstd', ['-c', '-q'], { input: text });
    } catch {
      ctx.skip();
      return;
    }
    expect((await decompress(zst, 'zst', 'x')).equals(text)).toBe(true);
  });

  it('stops a decompression bomb at the output limit, for every format', async () => {
    const zeros = Buffer.alloc(64 * 1024 * 1024);
    const bombs: [string, Buffer][] = [
      ['gz', gzipSync(zeros)],
      ['xz', execFileSync('xz', ['-c'], { input: zeros, maxBuffer: 1 << 30 })],
    ];
    try {
      bombs.push(['zst', execFileSync('zstd', ['-c', '-q'], { input: zeros, maxBuffer: 1 << 30 })]);
    } catch {
      /* zstd tool missing */
    }
    for (const [kind, data] of bombs) {
      await expect(decompress(data, kind as 'gz', `bomb.${kind}`, { maxOutput: 8 << 20 })).rejects.toThrow(/bomb\.\w+: decompressed size exceeds the limit/);
    }
  });

  it('gz: the output does not depend on the trailer\'s size hint (multi-member: the last member is tiny)', async () => {
    const big = Buffer.concat([text, text, text]);
    const multi = Buffer.concat([gzipSync(big), gzipSync(Buffer.from('x'))]);
    expect((await decompress(multi, 'gz', 'x')).equals(Buffer.concat([big, Buffer.from('x')]))).toBe(true);
    const lying = gzipSync(text);
    lying.writeUInt32LE(0xffffffff, lying.length - 4); // zlib checks ISIZE too: refused, not trusted
    await expect(decompress(lying, 'gz', 'lying.gz')).rejects.toThrow(/lying\.gz: cannot decompress gz data/);
  });

  it('a corrupt stream is a FORMAT error naming the file', async () => {
    const gz = gzipSync(text);
    gz[20] ^= 0xff;
    await expect(decompress(gz, 'gz', 'Packages.gz')).rejects.toThrow(/Packages\.gz: cannot decompress gz data/);
    await expect(decompress(Buffer.from('not xz at all'), 'xz', 'Packages.xz')).rejects.toThrow(/Packages\.xz: cannot decompress xz/);
  });
});

describe('xz: native and WebAssembly decoders agree', () => {
  it('gives the same bytes, and the same limit and format errors, with REPRO_GET_XZ=wasm', async () => {
    const big = Buffer.from('Package: x\nVersion: 1.0\nDescription: y\n\n'.repeat(50_000));
    const data = execFileSync('xz', ['-c'], { input: big, maxBuffer: 1 << 28 });
    const native = await decompress(data, 'xz', 'Packages.xz', { maxRatio: 1e6 });
    const before = process.env.REPRO_GET_XZ;
    process.env.REPRO_GET_XZ = 'wasm';
    try {
      const wasm = await decompress(data, 'xz', 'Packages.xz', { maxRatio: 1e6 });
      expect(wasm.equals(native)).toBe(true);
      await expect(decompress(data, 'xz', 'bomb.xz', { maxOutput: 1 << 20 })).rejects.toThrow(/bomb\.xz: decompressed size exceeds/);
    } finally {
      if (before === undefined) delete process.env.REPRO_GET_XZ;
      else process.env.REPRO_GET_XZ = before;
    }
    expect(native.equals(big)).toBe(true);
    await expect(decompress(data, 'xz', 'bomb.xz', { maxOutput: 1 << 20 })).rejects.toThrow(/bomb\.xz: decompressed size exceeds/);
    await expect(decompress(Buffer.from('not xz'), 'xz', 'bad.xz')).rejects.toThrow(/bad\.xz: cannot decompress xz data/);
  });
});
