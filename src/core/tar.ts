/**
 * The one tar reader, for repository metadata that arrives as tar: pacman's databases (`core.db`:
 * thousands of `<name>-<version>/desc` files, written by bsdtar with pax records) and apk's
 * segments (signature, control, index: one tar cut into gzip members, the end-of-archive blocks
 * cut off every segment but the last, so a segment simply ends where its bytes end).
 *
 * Understood: ustar/GNU headers, pax `x` records (`path` and `size`; others are framing-checked
 * and skipped), GNU long names (`L`). Both inputs are hostile (a pacman database is signed by
 * nobody, an apk segment is read before its signature is known to cover it), so every header
 * is checksum-verified and every count and size bounded.
 *
 * Measured against node-tar's Parser on the real extra.db (13 MB tar, 6,058 entries, fresh
 * process): this reader ~70 ms CPU, node-tar ~300 ms plus ~80 ms to import, so a small reader
 * here rather than the library.
 */
import { ReproError } from './errors.js';

export type TarEntryType = 'file' | 'dir' | 'other';

export interface TarEntry {
  /** Path after pax/long-name records, without a leading "./" or trailing "/". */
  path: string;
  /** 'file', 'dir', or 'other' (links, devices: never content in metadata). */
  type: TarEntryType;
  /** Modification time from the header (seconds since the epoch). */
  mtime: number;
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

export const TAR_LIMITS: TarLimits = { maxEntries: 1_000_000, maxPath: 4096, maxMeta: 1 << 20, maxFile: 256 << 20 };

const BLOCK = 512;

// Every helper reads the archive in place (`b` and an offset): a pacman database has 6,000
// headers and more, and a Buffer view per header costs more than the header's parsing.

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

/** `b[at, at + key.length)` is the ASCII `key`. */
function keyIs(b: Buffer, at: number, len: number, key: string): boolean {
  if (len !== key.length) return false;
  for (let i = 0; i < len; i++) if (b[at + i] !== key.charCodeAt(i)) return false;
  return true;
}

/**
 * pax records in b[start, end): "LEN key=value\n", LEN counting the whole record. Only `path`
 * and `size` matter to metadata (bsdtar also writes SCHILY.fflags and times, apk its checksums);
 * every record's framing is still checked.
 */
function paxRecords(b: Buffer, start: number, end: number, where: () => string): { path?: string; size?: number } {
  const out: { path?: string; size?: number } = {};
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
    if (keyIs(b, sp + 1, eq - sp - 1, 'path')) out.path = b.toString('utf8', eq + 1, p + len - 1);
    else if (keyIs(b, sp + 1, eq - sp - 1, 'size')) {
      const v = b.toString('latin1', eq + 1, p + len - 1);
      if (!/^\d{1,16}$/.test(v) || !Number.isSafeInteger(Number(v))) throw new ReproError('FORMAT', `${where()}: bad pax size "${v.slice(0, 40)}"`);
      out.size = Number(v);
    }
    p += len;
  }
  return out;
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

/** All entries of an uncompressed tar (or tar segment), in archive order. `what` names the file in messages. */
export function readTar(buf: Buffer, what: string, limits: TarLimits = TAR_LIMITS): TarEntry[] {
  const out: TarEntry[] = [];
  walkTar(buf, what, (path, type, start, end, offset) => out.push({ path, type, mtime: num(buf, offset + 136, 12, () => `${what}: tar header at byte ${offset}`), data: buf.subarray(start, end), offset }), limits);
  return out;
}

/**
 * The reader itself: calls `onEntry` with each entry's path, type, the byte range of its data in
 * `buf` and its header's offset, without copying or slicing. Stops at the first zero block (one
 * is enough, as for bsdtar) or at the end of `buf` (a segment without end blocks).
 */
export function walkTar(
  buf: Buffer,
  what: string,
  onEntry: (path: string, type: TarEntryType, start: number, end: number, offset: number) => void,
  limits: TarLimits = TAR_LIMITS,
): void {
  let h = 0;
  let count = 0;
  let pax: { path?: string; size?: number } | undefined;
  let longName: string | undefined;
  while (h + BLOCK <= buf.length) {
    const at = h;
    const where = () => `${what}: tar header at byte ${at}`;
    if (buf[h] === 0 && isZeroBlock(buf, h)) return;
    if (!checksumOk(buf, h, where)) throw new ReproError('FORMAT', `${where()}: bad header checksum (not a tar file, or corrupt)`);
    const type = buf[h + 156] || 0x30;
    const meta = type === 0x78 /* x */ || type === 0x4c /* L */ || type === 0x67; /* g */
    const size = !meta && pax?.size !== undefined ? pax.size : num(buf, h + 124, 12, where);
    const dataStart = h + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > buf.length) throw new ReproError('FORMAT', `${where()}: entry of ${size} bytes runs past the end of the data`);
    const next = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (meta) {
      if (size > limits.maxMeta) throw new ReproError('LIMIT', `${where()}: extended header of ${size} bytes exceeds ${limits.maxMeta}`);
      if (type === 0x78) pax = { ...pax, ...paxRecords(buf, dataStart, dataEnd, where) };
      else if (type === 0x4c) longName = text(buf, dataStart, size);
      h = next;
      continue; // global headers ('g') carry nothing metadata needs
    }
    let path = pax?.path ?? longName;
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
}
