/**
 * A reader for the small tar segments apk uses (signature, control, index). apk cuts the
 * end-of-archive blocks off every segment but the last, so a segment simply ends where its bytes
 * end. Only what apk writes is understood: ustar/GNU headers, pax `x` records (path, size and
 * apk's own keys) and GNU long names; headers are checksum-verified and every size bounded.
 */
import { ReproError } from '../../core/errors.js';

export interface TarEntry {
  name: string;
  /** '0' file, '5' directory, '2' symlink, … (after pax/long-name records are applied). */
  type: string;
  mtime: number;
  data: Buffer;
  /** pax records that applied to this entry (e.g. APK-TOOLS.checksum.SHA1). */
  pax: Record<string, string>;
}

const BLOCK = 512;
const MAX_ENTRIES = 200_000;
const MAX_NAME = 4096;

function field(h: Buffer, off: number, len: number): string {
  const raw = h.subarray(off, off + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? len : nul).toString('utf8');
}

function octal(h: Buffer, off: number, len: number, what: string): number {
  if (h[off] & 0x80) {
    // GNU base-256: only sizes below 2^53 make sense here.
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + h[i];
    if (!Number.isSafeInteger(v)) throw new ReproError('LIMIT', `${what}: number too large`);
    return v;
  }
  const s = field(h, off, len).trim();
  if (!/^[0-7]*$/.test(s)) throw new ReproError('FORMAT', `${what}: "${s}" is not an octal number`);
  return s ? parseInt(s, 8) : 0;
}

function checksumOk(h: Buffer, what: string): boolean {
  const want = octal(h, 148, 8, what);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  return sum === want;
}

/** pax records: "LEN key=value\n", LEN counting the whole record. */
function parsePax(data: Buffer, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  let p = 0;
  while (p < data.length) {
    const sp = data.indexOf(0x20, p);
    const len = sp < 0 ? NaN : Number(data.subarray(p, sp).toString('latin1'));
    if (!Number.isInteger(len) || len <= sp - p || p + len > data.length || data[p + len - 1] !== 0x0a) {
      throw new ReproError('FORMAT', `${what}: malformed pax record at byte ${p}`);
    }
    const rec = data.subarray(sp + 1, p + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq < 1) throw new ReproError('FORMAT', `${what}: malformed pax record at byte ${p}`);
    out[rec.slice(0, eq)] = rec.slice(eq + 1);
    p += len;
  }
  return out;
}

/** Every entry of the tar segment in `buf`, in order. `what` names the file in errors. */
export function readTar(buf: Buffer, what: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let p = 0;
  while (p + BLOCK <= buf.length) {
    const h = buf.subarray(p, p + BLOCK);
    if (h.every((b) => b === 0)) break; // end-of-archive marker
    const where = `${what}: tar header at byte ${p}`;
    if (!checksumOk(h, where)) throw new ReproError('FORMAT', `${where}: bad header checksum`);
    const type = String.fromCharCode(h[156] || 0x30);
    const paxSize = type === 'x' || type === 'g' ? undefined : pax.size;
    const size = paxSize === undefined ? octal(h, 124, 12, where) : Number(paxSize);
    if (!Number.isSafeInteger(size) || size < 0) throw new ReproError('FORMAT', `${where}: bad pax size "${paxSize}"`);
    const start = p + BLOCK;
    if (start + size > buf.length) throw new ReproError('FORMAT', `${where}: entry of ${size} bytes runs past the end of the data`);
    const data = buf.subarray(start, start + size);
    p = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      pax = { ...pax, ...parsePax(data, where) };
      continue;
    }
    if (type === 'g') continue; // global pax headers carry nothing apk uses
    if (type === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    const magic = h.subarray(257, 263).toString('latin1');
    const prefix = magic.startsWith('ustar') && magic !== 'ustar ' ? field(h, 345, 155) : '';
    const name = pax.path ?? longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    if (name.length > MAX_NAME) throw new ReproError('LIMIT', `${where}: name longer than ${MAX_NAME} bytes`);
    if (entries.length >= MAX_ENTRIES) throw new ReproError('LIMIT', `${what}: more than ${MAX_ENTRIES} tar entries`);
    entries.push({ name, type, mtime: octal(h, 136, 12, where), data, pax });
    pax = {};
    longName = undefined;
  }
  return entries;
}
