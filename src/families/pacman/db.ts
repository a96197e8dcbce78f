/**
 * A sync database (`core.db`, `extra.db`): a gzip-, zstd- or xz-compressed (or plain) tar of one
 * folder per package, `<name>-<version>/desc` (+ `depends` in old databases, `files` in .files
 * databases, ignored). Returns the packages in byte-wise name order, the order libalpm keeps its
 * package cache in and therefore the order providers are found in.
 *
 * The database is unsigned on Arch's servers, so it is hostile input: sizes are bounded, every
 * name, version and file name is checked, and a package file name that could leave the folder it
 * is written to refuses the whole database.
 */
import { ReproError } from '../../core/errors.js';
import { decompress, type Compression } from '../../core/decompress.js';
import { TAR_LIMITS, walkTar } from '../../core/tar.js';
import { emptyPackage, readDesc, type PacmanPackage } from './desc.js';

/** Decompressed databases above this are refused (Arch's largest, extra.files, is far below). */
export const MAX_DB_BYTES = 1 << 30;
/** A desc file is a few KB; 16 MiB is already absurd. */
const DB_TAR_LIMITS = { ...TAR_LIMITS, maxFile: 16 << 20 };

const NAME = /^[A-Za-z0-9@_+][A-Za-z0-9@._+-]*$/;
const VERSION = /^[^\s/\\\0]+$/;
/** A bare file name: what pacman downloads and what repro-get writes next to its `.sig`. */
const FILENAME = /^(?!\.)[^\s/\\\0]+$/;
const SHA256 = /^[0-9a-f]{64}$/;

export function compressionOfBytes(b: Uint8Array): Compression {
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gz';
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'zst';
  if (b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58 && b[4] === 0x5a && b[5] === 0x00) return 'xz';
  return 'none';
}

/** Byte-wise (strcmp) order of UTF-8 strings, i.e. code point order. */
export function cmpBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 order is code point order except for surrogates (astral) against U+E000..U+FFFF.
    if (x >= 0xd800 && y >= 0xd800) return Buffer.compare(Buffer.from(a.slice(i)), Buffer.from(b.slice(i)));
    return x - y;
  }
  return a.length - b.length;
}

export async function parseDb(raw: Uint8Array, repo: string, what: string): Promise<PacmanPackage[]> {
  const kind = compressionOfBytes(raw);
  const tar = await decompress(raw, kind, what, { maxOutput: MAX_DB_BYTES });
  if (kind === 'none' && (tar.length < 512 || !tar.subarray(257, 262).equals(Buffer.from('ustar')))) {
    throw new ReproError('FORMAT', `${what}: not a pacman database (neither gzip, zstd, xz nor tar)`);
  }
  return parseDbTar(tar, repo, what);
}

/** Where a package folder's desc and depends files are in the tar (-1: absent). */
interface Slot {
  desc: number;
  descEnd: number;
  deps: number;
  depsEnd: number;
}

export function parseDbTar(tar: Buffer, repo: string, what: string): PacmanPackage[] {
  // Folder → byte ranges of its desc and depends files (decoded only once, below).
  const entries = new Map<string, Slot>();
  walkTar(tar, what, (path, type, start, end) => {
    const slash = path.indexOf('/');
    const dir = slash < 0 ? path : path.slice(0, slash);
    const file = slash < 0 ? undefined : path.slice(slash + 1);
    if (dir === '' || dir === '.' || dir === '..' || file === '' || file === '.' || file === '..' || file?.includes('/')) {
      throw new ReproError('FORMAT', `${what}: unexpected entry "${path.slice(0, 200)}" (a database holds only <name>-<version>/ folders)`);
    }
    let slot = entries.get(dir);
    if (!slot) entries.set(dir, (slot = { desc: -1, descEnd: 0, deps: -1, depsEnd: 0 }));
    if (file === undefined) {
      if (type !== 'dir') throw new ReproError('FORMAT', `${what}: "${dir}" at the top level is not a folder`);
      return;
    }
    if (type !== 'file') return;
    if (file === 'desc') {
      if (slot.desc >= 0) throw new ReproError('FORMAT', `${what}: ${path} appears twice`);
      slot.desc = start;
      slot.descEnd = end;
    } else if (file === 'depends') {
      if (slot.deps >= 0) throw new ReproError('FORMAT', `${what}: ${path} appears twice`);
      slot.deps = start;
      slot.depsEnd = end;
    }
    // `files` (in .files databases) and anything newer: not needed to resolve.
  }, DB_TAR_LIMITS);

  const out: PacmanPackage[] = [];
  const names = new Set<string>();
  for (const [dir, slot] of entries) {
    if (slot.desc < 0) {
      if (slot.deps < 0) continue; // an empty folder: libalpm ignores it too
      throw new ReproError('FORMAT', `${what}: ${dir}/ has a depends file but no desc`);
    }
    const pkg = emptyPackage(repo);
    const seen = new Set<string>();
    readDesc(tar.toString('utf8', slot.desc, slot.descEnd), `${what}:${dir}/desc`, pkg, seen);
    if (slot.deps >= 0) readDesc(tar.toString('utf8', slot.deps, slot.depsEnd), `${what}:${dir}/depends`, pkg, seen);
    checkPackage(pkg, dir, what);
    if (names.has(pkg.name)) throw new ReproError('FORMAT', `${what}: package ${pkg.name} appears twice`);
    names.add(pkg.name);
    out.push(pkg);
  }
  return out.sort((a, b) => cmpBytes(a.name, b.name));
}

/** The checks every database entry passes (also re-run on parsed entries read back from the cache). */
export function checkPackage(p: PacmanPackage, dir: string, what: string): void {
  const bad = (msg: string): never => {
    throw new ReproError('FORMAT', `${what}:${dir}/desc: ${msg}`);
  };
  if (!p.name) bad('no %NAME%');
  if (!p.version) bad('no %VERSION%');
  if (!NAME.test(p.name)) bad(`"${p.name.slice(0, 80)}" is not a valid package name`);
  if (!VERSION.test(p.version)) bad(`"${p.version.slice(0, 80)}" is not a valid version`);
  if (dir !== `${p.name}-${p.version}`) bad(`%NAME% ${p.name} and %VERSION% ${p.version} do not match the folder name ${dir}`);
  if (!p.filename) bad('no %FILENAME%');
  if (!FILENAME.test(p.filename) || p.filename === '..') {
    throw new ReproError('FORMAT', `${what}:${dir}/desc: %FILENAME% "${p.filename.slice(0, 200)}" is not a plain file name; refusing the whole database`, {
      hint: 'A file name with "/", "..", a leading "." or NUL could write outside the download folder. The repository is broken or hostile.',
    });
  }
  if (p.sha256 !== undefined && !SHA256.test(p.sha256)) bad(`%SHA256SUM% "${p.sha256.slice(0, 80)}" is not a sha256 digest`);
  if (p.arch && !/^[A-Za-z0-9_]+$/.test(p.arch)) bad(`%ARCH% "${p.arch.slice(0, 40)}" is not an architecture`);
}
