/**
 * The parsed-index cache: a warm lock reads a compact form of each Packages index (the ~40% of its
 * bytes the resolver and the lock read, see compactIndex) instead of re-reading, re-hashing,
 * decoding and scanning the whole 50 MB file.
 *
 * Why an entry cannot be trusted wrongly:
 * - It is found only through the digest the signed Release gives for the index (an alias keyed by
 *   that sha256 and this format), and it names that digest again inside, checked on read: it can
 *   never stand for another index, another snapshot or an older parser.
 * - It is itself content-addressed: stored in the cache under the sha256 of its own bytes and
 *   re-hashed on every read (ContentCache.read), so rot, a torn write or an edited entry is a miss
 *   and the index is parsed from its verified bytes again.
 * - It is written only here, from packages just parsed out of bytes that matched the signed digest.
 * Like every derived entry (the default base too), it is only as trustworthy as the cache folder's
 * writers: a cache folder must not be writable by anyone you would not let write your lockfile.
 */
import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import type { ContentCache } from '../../core/net/cache.js';
import { compactIndex, parseCompact, type AptPackage } from './packages.js';

const FORMAT = 'apt-parsed-index-1';
const MAGIC = `${FORMAT}\n`;

interface Header {
  index: string;
  /** The Int32Arrays are stored as this machine lays them out. */
  endian: 'LE' | 'BE';
  stanzas: number;
  resolve: number;
  more: number;
}

/** The packages of the index whose signed digest is `indexSha256`, if the cache holds them intact. */
export async function readParsedIndex(cache: ContentCache | undefined, indexSha256: string, source: string, file: string): Promise<AptPackage[] | undefined> {
  if (!cache) return undefined;
  const digest = await cache.readAlias(FORMAT, indexSha256);
  const bytes = digest ? await cache.read(digest) : undefined;
  if (!bytes) return undefined;
  try {
    if (bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
    const nl = bytes.indexOf(10, MAGIC.length);
    const h = JSON.parse(bytes.toString('latin1', MAGIC.length, nl)) as Header;
    if (h.index !== indexSha256 || h.endian !== endianness()) return undefined;
    // Int32Arrays need 4-byte alignment: the header is padded so they start at a multiple of 4.
    let at = (nl + 4) & ~3;
    const lines = new Int32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + 4 * h.stanzas));
    at += 4 * h.stanzas;
    const starts = new Int32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + 4 * (h.stanzas + 1)));
    at += 4 * (h.stanzas + 1);
    const resolve = bytes.subarray(at, at + h.resolve);
    const more = bytes.subarray(at + h.resolve, at + h.resolve + h.more);
    if (at + h.resolve + h.more !== bytes.length) return undefined;
    return parseCompact(resolve, more, starts, lines, source, file);
  } catch {
    return undefined; // not ours after all: parse the index itself
  }
}

/** Stores the compact form of `pkgs`, just parsed from the index whose signed digest is `indexSha256`. */
export async function writeParsedIndex(cache: ContentCache | undefined, indexSha256: string, pkgs: readonly AptPackage[]): Promise<void> {
  if (!cache) return;
  const c = compactIndex(pkgs);
  if (!c) return;
  const stanzas = c.lines.length;
  const head = Buffer.from(`${MAGIC}${JSON.stringify({ index: indexSha256, endian: endianness(), stanzas, resolve: c.resolve.length, more: c.more.length } satisfies Header)}\n`, 'latin1');
  const pad = Buffer.alloc(((head.length + 3) & ~3) - head.length);
  const ints = (a: Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  // Hashed and written part by part (no 29 MB joined copy), then renamed into place under its digest.
  const parts = [head, pad, ints(c.lines), ints(c.starts), c.resolve, c.more];
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  const digest = h.digest('hex');
  const tmp = await cache.tempPath();
  try {
    await writeFile(tmp, parts);
    await cache.adopt(tmp, digest);
  } finally {
    await rm(tmp, { force: true });
  }
  await cache.writeAlias(FORMAT, indexSha256, digest);
}
