/**
 * A tar reader for repository databases (`core.db` is a tar of `<name>-<version>/desc` files).
 * bsdtar, which repo-add uses, writes ustar headers with pax `x` records (SCHILY.fflags, long
 * paths); GNU long names are accepted too. Headers are checksum-verified and every size bounded,
 * because the database is the one file of an Arch repository that nothing signs.
 */
import { ReproError } from '../../core/errors.js';

export interface TarEntry {
  /** Path after pax/long-name records, without a leading "./" or trailing "/". */
  path: string;
  /** 'file', 'dir', or 'other' (links, devices: never content in a database). */
  type: 'file' | 'dir' | 'other';
  data: Buffer;
  /** Byte offset of the entry's header, for messages. */
  offset: number;
}

export interface TarLimits {
  maxEntries: number;
  maxPath: number;
  /** Largest pax or long-name record. */
  maxMeta: number;
  /** Largest regular file. */
  maxFile: number;
}

export const TAR_LIMITS: TarLimits = { maxEntries: 1_000_000, maxPath: 4096, maxMeta: 1 << 20, maxFile: 16 << 20 };

const BLOCK = 512;

// Every helper reads the archive in place (`b` and an offset): a database has 12,000 headers, and
// a Buffer view per header costs more than the header's parsing.

/** A NUL-terminated text field. */
function text(b: Buffer, off: number, len: number): string {
  let end = b.indexOf(0, off);
  if (end < 0 || end > off + len) end = off + len;
  return b.toString('utf8', off, end);
}

function num(b: Buffer, off: number, len: number, where: () => string): number {
  if (b[off] & 0x80) {
    // GNU base-256 for large values; anything beyond 2^53 is hostile here.
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + b[i];
    if (!Number.isSafeInteger(v) || b[off] !== 0x80) throw new ReproError('LIMIT', `${where()}: number too large in tar header`);
    return v;
  }
  // Octal digits, optionally padded with spaces and ended by NUL or space.
  let v = 0;
  let i = off;
  const end = off + len;
  while (i < end && b[i] === 0x20) i++;
  for (; i < end && b[i] >= 0x30 && b[i] <= 0x37; i++) v = v * 8 + (b[i] - 0x30);
  for (; i < end; i++) {
    if (b[i] !== 0 && b[i] !== 0x20) throw new ReproError('FORMAT', `${where()}: "${text(b, off, len)}" is not an octal number in a tar header`);
  }
  return v;
}

/** The header at `h`: its checksum field counts as eight spaces; old tars summed signed chars. */
function checksumOk(b: Buffer, h: number, where: () => string): boolean {
  const want = num(b, h + 148, 8, where);
  let sum = 8 * 0x20;
  let high = 0;
  for (let i = h; i < h + 148; i++) (sum += b[i]), b[i] > 127 && high++;
  for (let i = h + 156; i < h + BLOCK; i++) (sum += b[i]), b[i] > 127 && high++;
  return want === sum || want === sum - 256 * high;
}

/**
 * pax records in b[start, end): "LEN key=value\n", LEN counting the whole record. Only `path`
 * matters to a database (bsdtar also writes SCHILY.fflags and times); every record's framing is
 * still checked.
 */
function paxPath(b: Buffer, start: number, end: number, where: () => string): string | undefined {
  let path: string | undefined;
  let p = start;
  while (p < end) {
    if (b[p] === 0) break; // padding
    let len = 0;
    let sp = p;
    while (sp < end && sp - p < 10 && b[sp] >= 0x30 && b[sp] <= 0x39) len = len * 10 + (b[sp++] - 0x30);
    if (b[sp] !== 0x20 || sp === p || len <= sp - p + 1 || p + len > end || b[p + len - 1] !== 0x0a) {
      throw new ReproError('FORMAT', `${where()}: malformed pax record at byte ${p - start} of the extended header`);
    }
    const eq = b.indexOf(0x3d, sp + 1);
    if (eq < 0 || eq >= p + len - 1) throw new ReproError('FORMAT', `${where()}: pax record without "key=" at byte ${p - start} of the extended header`);
    if (eq - sp - 1 === 4 && b[sp + 1] === 0x70 && b[sp + 2] === 0x61 && b[sp + 3] === 0x74 && b[sp + 4] === 0x68) path = b.toString('utf8', eq + 1, p + len - 1);
    p += len;
  }
  return path;
}

function isZeroBlock(b: Buffer, h: number): boolean {
  for (let i = h; i < h + BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

function cleanPath(p: string): string {
  let s = p;
  while (s.startsWith('./')) s = s.slice(2);
  while (s.endsWith('/')) s = s.slice(0, -1);
  return s;
}

/** All entries of an uncompressed tar, in archive order. `what` names the file in messages. */
export function readTar(buf: Buffer, what: string, limits: TarLimits = TAR_LIMITS): TarEntry[] {
  const out: TarEntry[] = [];
  walkTar(buf, what, (path, type, start, end, offset) => out.push({ path, type, data: buf.subarray(start, end), offset }), limits);
  return out;
}

/**
 * The reader itself: calls `onEntry` with each entry's path, type and the byte range of its data
 * in `buf`, without copying or slicing.
 */
export function walkTar(
  buf: Buffer,
  what: string,
  onEntry: (path: string, type: TarEntry['type'], start: number, end: number, offset: number) => void,
  limits: TarLimits = TAR_LIMITS,
): void {
  let h = 0;
  let count = 0;
  let pax: string | undefined;
  let longName: string | undefined;
  while (h + BLOCK <= buf.length) {
    const at = h;
    const where = () => `${what}: tar header at byte ${at}`;
    if (buf[h] === 0 && isZeroBlock(buf, h)) return; // end of archive (one zero block is enough for bsdtar too)
    if (!checksumOk(buf, h, where)) throw new ReproError('FORMAT', `${where()}: bad header checksum (not a tar file, or corrupt)`);
    const size = num(buf, h + 124, 12, where);
    const type = buf[h + 156] || 0x30;
    const dataStart = h + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > buf.length) throw new ReproError('FORMAT', `${where()}: entry of ${size} bytes runs past the end of the archive`);
    const next = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 0x78 /* x */ || type === 0x4c /* L */ || type === 0x67 /* g */) {
      if (size > limits.maxMeta) throw new ReproError('LIMIT', `${where()}: extended header of ${size} bytes exceeds ${limits.maxMeta}`);
      if (type === 0x78) pax = paxPath(buf, dataStart, dataEnd, where);
      else if (type === 0x4c) longName = text(buf, dataStart, size);
      h = next;
      continue; // global headers ('g') carry nothing a database needs
    }
    let path = pax ?? longName;
    if (path === undefined) {
      // POSIX ustar ("ustar\0") has a name prefix; GNU ("ustar  ") uses those bytes for other things.
      const posix = buf[h + 257] === 0x75 && buf[h + 258] === 0x73 && buf[h + 259] === 0x74 && buf[h + 260] === 0x61 && buf[h + 261] === 0x72 && buf[h + 262] === 0;
      const prefix = posix && buf[h + 345] !== 0 ? text(buf, h + 345, 155) : '';
      path = prefix ? `${prefix}/${text(buf, h, 100)}` : text(buf, h, 100);
    }
    pax = undefined;
    longName = undefined;
    if (path.length > limits.maxPath) throw new ReproError('LIMIT', `${where()}: path of ${path.length} characters exceeds ${limits.maxPath}`);
    const kind = type === 0x30 || type === 0x37 ? 'file' : type === 0x35 ? 'dir' : 'other';
    if (kind === 'file' && size > limits.maxFile) throw new ReproError('LIMIT', `${where()}: ${path} is ${size} bytes, more than ${limits.maxFile}`);
    if (++count > limits.maxEntries) throw new ReproError('LIMIT', `${what}: more than ${limits.maxEntries} tar entries`);
    onEntry(cleanPath(path), kind, dataStart, dataEnd, h);
    h = next;
  }
  if (h < buf.length) throw new ReproError('FORMAT', `${what}: ${buf.length - h} trailing bytes after the last tar block`);
  // no end-of-archive blocks: tolerated, as bsdtar does
}
