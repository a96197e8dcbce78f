/**
 * core/tar: the one reader behind pacman's databases and apk's segments. Family-specific shapes are
 * tested with their callers (test/families/pacman/db.test.ts, test/families/apk/apkindex.test.ts);
 * here: archives written by GNU tar itself (pax, long names, prefixes), and pax size records.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTar, TAR_LIMITS, walkTar } from '../../src/core/tar.js';

const dir = mkdtempSync(join(tmpdir(), 'repro-get-tar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hasTar(): boolean {
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One ustar header block with a valid checksum. */
function header(path: string, size: number, type: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(path, 0, 'utf8');
  h.write('0000644\0', 100);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('14176470321\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0' + '00', 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}
const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);
const record = (kv: string) => {
  let len = kv.length + 3;
  while (`${len} ${kv}\n`.length !== len) len++;
  return Buffer.from(`${len} ${kv}\n`);
};

describe.skipIf(!hasTar())('walkTar on archives written by GNU tar', () => {
  it.each(['pax', 'gnu', 'ustar'])('%s format: every path, type, size and mtime as tar lists them', (format) => {
    const src = join(dir, `src-${format}`);
    const long = format === 'ustar' ? 'p'.repeat(90) + '/' + 'q'.repeat(90) : 'd'.repeat(150);
    mkdirSync(join(src, long), { recursive: true });
    writeFileSync(join(src, long, 'desc'), 'x'.repeat(1000));
    writeFileSync(join(src, 'empty'), '');
    utimesSync(join(src, 'empty'), 1_600_000_000, 1_600_000_000);
    const file = join(dir, `${format}.tar`);
    execFileSync('tar', ['-C', src, `--format=${format}`, '--sort=name', '-cf', file, '.']);
    const entries = readTar(readFileSync(file), file);
    const listed = execFileSync('tar', ['-tf', file]).toString().trim().split('\n').map((p) => p.replace(/^\.\//, '').replace(/\/$/, '')).filter((p) => p && p !== '.');
    expect(entries.map((e) => e.path).filter((p) => p && p !== '.')).toEqual(listed);
    const desc = entries.find((e) => e.path.endsWith('/desc'))!;
    expect([desc.type, desc.data.length]).toEqual(['file', 1000]);
    expect(entries.find((e) => e.path === long)!.type).toBe('dir');
    expect(entries.find((e) => e.path === 'empty')!.mtime).toBe(1_600_000_000);
  });
});

describe('pax records', () => {
  it('a pax size record overrides the header size of the next entry', () => {
    const pax = record('size=5');
    const seg = Buffer.concat([header('x', pax.length, 'x'), pax, pad(pax.length), header('f', 0, '0'), Buffer.from('hello'), pad(5)]);
    expect(readTar(seg, 't').map((e) => [e.path, e.data.toString()])).toEqual([['f', 'hello']]);
  });

  it('refuses a non-numeric pax size, and bounds extended headers and files', () => {
    const pax = record('size=12z');
    expect(() => readTar(Buffer.concat([header('x', pax.length, 'x'), pax, pad(pax.length)]), 't')).toThrowError(expect.objectContaining({ code: 'FORMAT' }));
    const big = record(`path=${'a'.repeat(600)}`);
    const seg = Buffer.concat([header('x', big.length, 'x'), big, pad(big.length), header('f', 3, '0'), Buffer.from('abc'), pad(3)]);
    expect(() => walkTar(seg, 't', () => {}, { ...TAR_LIMITS, maxMeta: 100 })).toThrowError(expect.objectContaining({ code: 'LIMIT' }));
    expect(() => walkTar(seg, 't', () => {}, { ...TAR_LIMITS, maxPath: 100 })).toThrowError(expect.objectContaining({ code: 'LIMIT' }));
    expect(() => walkTar(seg, 't', () => {}, { ...TAR_LIMITS, maxFile: 2 })).toThrowError(expect.objectContaining({ code: 'LIMIT' }));
    expect(() => walkTar(seg, 't', () => {}, { ...TAR_LIMITS, maxEntries: 0 })).toThrowError(expect.objectContaining({ code: 'LIMIT' }));
  });
});
