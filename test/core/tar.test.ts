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
import { tarHeader, tarPad } from '../support/tar-writer.js';

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
    const seg = Buffer.concat([tarHeader('x', pax.length, 'x'), pax, tarPad(pax.length), tarHeader('f', 0, '0'), Buffer.from('hello'), tarPad(5)]);
    expect(readTar(seg, 't').map((e) => [e.path, e.data.toString()])).toEqual([['f', 'hello']]);
  });

  it('refuses a non-numeric pax size, and bounds extended headers and files', () => {
    const pax = record('size=12z');
    expect(() => readTar(Buffer.concat([tarHeader('x', pax.length, 'x'), pax, tarPad(pax.length)]), 't')).toThrowError(expect.objectContaining({ code: 'FORMAT' }));
    const big = record(`path=${'a'.repeat(600)}`);
    const seg = Buffer.concat([tarHeader('x', big.length, 'x'), big, tarPad(big.length), tarHeader('f', 3, '0'), Buffer.from('abc'), tarPad(3)]);
    expect(() => walkTar(seg, 't', () => {}, { ...TAR_LIMITS, maxMeta: 100 })).toThrowError(expect.objectContaining({ code: 'LIMIT' }));
    expect(() => walkTar(seg, 't', () => {}, { ...TAR_LIMITS, maxPath: 100 })).toThrowError(expect.objectContaining({ code: 'LIMIT' }));
    expect(() => walkTar(seg, 't', () => {}, { ...TAR_LIMITS, maxFile: 2 })).toThrowError(expect.objectContaining({ code: 'LIMIT' }));
    expect(() => walkTar(seg, 't', () => {}, { ...TAR_LIMITS, maxEntries: 0 })).toThrowError(expect.objectContaining({ code: 'LIMIT' }));
  });
});
