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

function text(h: Buffer, off: number, len: number): string {
  const raw = h.subarray(off, off + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? len : nul).toString('utf8');
}

function num(h: Buffer, off: number, len: number, where: string): number {
  if (h[off] & 0x80) {
    // GNU base-256 for large values; anything beyond 2^53 is hostile here.
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + h[i];
    if (!Number.isSafeInteger(v) || h[off] !== 0x80) throw new ReproError('LIMIT', `${where}: number too large in tar header`);
    return v;
  }
  // Octal digits, optionally padded with spaces and ended by NUL or space.
  let v = 0;
  let i = off;
  const end = off + len;
  while (i < end && h[i] === 0x20) i++;
  for (; i < end && h[i] >= 0x30 && h[i] <= 0x37; i++) v = v * 8 + (h[i] - 0x30);
  for (; i < end; i++) {
    if (h[i] !== 0 && h[i] !== 0x20) throw new ReproError('FORMAT', `${where}: "${text(h, off, len)}" is not an octal number in a tar header`);
  }
  return v;
}

function checksumOk(h: Buffer, where: string): boolean {
  const want = num(h, 148, 8, where);
  // The checksum field itself counts as eight spaces.
  let unsigned = 8 * 0x20;
  let high = 0; // bytes > 127, for the signed-char sum some old tars wrote
  for (let i = 0; i < 148; i++) (unsigned += h[i]), h[i] > 127 && high++;
  for (let i = 156; i < BLOCK; i++) (unsigned += h[i]), h[i] > 127 && high++;
  return want === unsigned || want === unsigned - 256 * high;
}

/**
 * pax records: "LEN key=value\n", LEN counting the whole record. Only `path` matters to a
 * database (bsdtar also writes SCHILY.fflags and times); every record's framing is still checked.
 */
function paxPath(data: Buffer, where: string): string | undefined {
  let path: string | undefined;
  let p = 0;
  while (p < data.length) {
    if (data[p] === 0) break; // padding
    let len = 0;
    let sp = p;
    while (sp < data.length && sp - p < 10 && data[sp] >= 0x30 && data[sp] <= 0x39) len = len * 10 + (data[sp++] - 0x30);
    if (data[sp] !== 0x20 || sp === p || len <= sp - p + 1 || p + len > data.length || data[p + len - 1] !== 0x0a) {
      throw new ReproError('FORMAT', `${where}: malformed pax record at byte ${p} of the extended header`);
    }
    const eq = data.indexOf(0x3d, sp + 1);
    if (eq < 0 || eq >= p + len - 1) throw new ReproError('FORMAT', `${where}: pax record without "key=" at byte ${p} of the extended header`);
    if (eq - sp - 1 === 4 && data.toString('latin1', sp + 1, eq) === 'path') path = data.toString('utf8', eq + 1, p + len - 1);
    p += len;
  }
  return path;
}

function isZeroBlock(h: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (h[i] !== 0) return false;
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
 * in `buf`, without copying or slicing (a 13 MB database has 12,000 entries; parse speed matters).
 */
export function walkTar(
  buf: Buffer,
  what: string,
  onEntry: (path: string, type: TarEntry['type'], start: number, end: number, offset: number) => void,
  limits: TarLimits = TAR_LIMITS,
): void {
  let off = 0;
  let count = 0;
  let pax: string | undefined;
  let longName: string | undefined;
  while (off + BLOCK <= buf.length) {
    const h = buf.subarray(off, off + BLOCK);
    const where = `${what}: tar header at byte ${off}`;
    if (h[0] === 0 && isZeroBlock(h)) return; // end of archive (one zero block is enough for bsdtar too)
    if (!checksumOk(h, where)) throw new ReproError('FORMAT', `${where}: bad header checksum (not a tar file, or corrupt)`);
    const size = num(h, 124, 12, where);
    const type = String.fromCharCode(h[156] || 0x30);
    const dataStart = off + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > buf.length) throw new ReproError('FORMAT', `${where}: entry of ${size} bytes runs past the end of the archive`);
    const next = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'x' || type === 'L' || type === 'g') {
      if (size > limits.maxMeta) throw new ReproError('LIMIT', `${where}: extended header of ${size} bytes exceeds ${limits.maxMeta}`);
      const data = buf.subarray(dataStart, dataEnd);
      if (type === 'x') pax = paxPath(data, where);
      else if (type === 'L') longName = text(data, 0, data.length);
      off = next;
      continue; // global headers ('g') carry nothing a database needs
    }
    let path = pax ?? longName;
    if (path === undefined) {
      // POSIX ustar ("ustar\0") has a name prefix; GNU ("ustar  ") uses those bytes for other things.
      const posix = h[257] === 0x75 && h[258] === 0x73 && h[259] === 0x74 && h[260] === 0x61 && h[261] === 0x72 && h[262] === 0;
      const prefix = posix && h[345] !== 0 ? text(h, 345, 155) : '';
      path = prefix ? `${prefix}/${text(h, 0, 100)}` : text(h, 0, 100);
    }
    pax = undefined;
    longName = undefined;
    if (path.length > limits.maxPath) throw new ReproError('LIMIT', `${where}: path of ${path.length} characters exceeds ${limits.maxPath}`);
    const kind = type === '0' || type === '7' ? 'file' : type === '5' ? 'dir' : 'other';
    if (kind === 'file' && size > limits.maxFile) throw new ReproError('LIMIT', `${where}: ${path} is ${size} bytes, more than ${limits.maxFile}`);
    if (++count > limits.maxEntries) throw new ReproError('LIMIT', `${what}: more than ${limits.maxEntries} tar entries`);
    onEntry(cleanPath(path), kind, dataStart, dataEnd, off);
    off = next;
  }
  if (off < buf.length) throw new ReproError('FORMAT', `${what}: ${buf.length - off} trailing bytes after the last tar block`);
  // no end-of-archive blocks: tolerated, as bsdtar does
}
