/**
 * apk files (.apk, APKINDEX.tar.gz) are several gzip members back to back, and their signatures
 * and checksums cover the *compressed* bytes of one member. So we must know where each member ends
 * exactly: we parse the gzip header ourselves, let zlib inflate the raw deflate body (it stops at
 * the body's end and reports how much input it used), then check the CRC32/ISIZE trailer.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { ReproError } from '../../core/errors.js';

export interface GzipMember {
  /** Offset of the member's first byte (the 0x1f of its magic). */
  start: number;
  /** Offset just past its trailer: `buf.subarray(start, end)` is the member as signed. */
  end: number;
  /** The inflated content. */
  data: Buffer;
}

export interface GzipLimits {
  /** Offset of the first member to read (default 0). */
  from?: number;
  /** Stop after this many members (the rest is left alone, e.g. a package's data). */
  maxMembers?: number;
  /** Largest total inflated size accepted. */
  maxOutput?: number;
}

const FTEXT_RESERVED = 0xe0;
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

/** Length of the gzip header starting at `at`, or a FORMAT error naming the offset. */
function headerLength(buf: Buffer, at: number, what: string): number {
  const bad = (m: string): never => {
    throw new ReproError('FORMAT', `${what}: gzip member at byte ${at}: ${m}.`);
  };
  if (buf.length - at < 18) bad('truncated header');
  if (buf[at] !== 0x1f || buf[at + 1] !== 0x8b) bad('no gzip magic');
  if (buf[at + 2] !== 8) bad(`compression method ${buf[at + 2]} is not deflate`);
  const flg = buf[at + 3];
  if (flg & FTEXT_RESERVED) bad('reserved header flags set');
  let p = at + 10;
  if (flg & FEXTRA) {
    if (p + 2 > buf.length) bad('truncated extra field');
    p += 2 + buf.readUInt16LE(p);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flg & flag)) continue;
    const nul = buf.indexOf(0, p);
    if (nul < 0) bad('unterminated name or comment');
    p = nul + 1;
  }
  if (flg & FHCRC) p += 2;
  if (p > buf.length) bad('truncated header');
  return p - at;
}

/**
 * Splits `buf` into its gzip members (all of them, or the first `maxMembers`). Anything after the
 * last member that is not another member is a FORMAT error, so nothing unsigned can ride along.
 */
export function gzipMembers(buf: Buffer, what: string, limits: GzipLimits = {}): GzipMember[] {
  const maxMembers = limits.maxMembers ?? Infinity;
  let budget = limits.maxOutput ?? 512 * 1024 * 1024;
  const out: GzipMember[] = [];
  let at = limits.from ?? 0;
  while (at < buf.length && out.length < maxMembers) {
    const hdr = headerLength(buf, at, what);
    let data: Buffer;
    let used: number;
    try {
      // maxOutputLength must be at least 1; an exhausted budget still needs to see an empty member.
      const r = inflateRawSync(buf.subarray(at + hdr), { info: true, maxOutputLength: Math.max(1, budget) }) as unknown as {
        buffer: Buffer;
        engine: { bytesWritten: number };
      };
      data = r.buffer;
      used = r.engine.bytesWritten;
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new ReproError('LIMIT', `${what}: gzip member at byte ${at} inflates past the limit of ${limits.maxOutput ?? 512 * 1024 * 1024} bytes.`);
      }
      throw new ReproError('FORMAT', `${what}: gzip member at byte ${at} is not valid deflate data: ${(e as Error).message}`);
    }
    if (data.length > budget) {
      throw new ReproError('LIMIT', `${what}: gzip member at byte ${at} inflates past the limit of ${limits.maxOutput ?? 512 * 1024 * 1024} bytes.`);
    }
    budget -= data.length;
    const trailer = at + hdr + used;
    if (trailer + 8 > buf.length) throw new ReproError('FORMAT', `${what}: gzip member at byte ${at} is truncated (no trailer).`);
    if (buf.readUInt32LE(trailer) !== crc32(data) || buf.readUInt32LE(trailer + 4) !== data.length % 2 ** 32) {
      throw new ReproError('FORMAT', `${what}: gzip member at byte ${at} fails its CRC32/length check.`);
    }
    out.push({ start: at, end: trailer + 8, data });
    at = trailer + 8;
  }
  return out;
}
