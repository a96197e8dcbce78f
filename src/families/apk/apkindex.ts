/**
 * The APKINDEX text (and /lib/apk/db/installed, which shares its stanza format): one package per
 * blank-line-separated stanza of `X:value` lines. Every package-info field apk writes is read:
 *   C checksum   P name   V version   A arch   S file size   I installed size   T description
 *   U url   L license   o origin   m maintainer   t build time   c commit   D depends
 *   p provides   i install_if   k provider priority   r replaces   q replaces priority
 * Unknown lower-case fields are skipped (apk's rule, for forward compatibility); an unknown
 * upper-case field in an index is an error. The installed database adds file records
 * (F M R Z a …), which `installed: true` lets through.
 */
import { ReproError } from '../../core/errors.js';
import { parseDepList, type ApkDep } from './dependency.js';

export interface ApkChecksum {
  /** As written (`Q1…`), used for identity and `><` dependencies. */
  raw: string;
  algo: 'sha1' | 'sha256' | 'md5';
  digest: Buffer;
}

export interface ApkPackageInfo {
  name: string;
  version: string;
  arch?: string;
  checksum?: ApkChecksum;
  size?: number;
  installedSize?: number;
  description?: string;
  url?: string;
  license?: string;
  origin?: string;
  maintainer?: string;
  buildTime?: number;
  commit?: string;
  depends: ApkDep[];
  provides: ApkDep[];
  installIf: ApkDep[];
  providerPriority: number;
  replaces: ApkDep[];
  replacesPriority?: number;
  /** Line where the stanza starts, for messages. */
  line: number;
}

export interface IndexLimits {
  maxLine?: number;
  maxPackages?: number;
  maxFieldsPerPackage?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const VERSION_CHARS = /^[A-Za-z0-9._+~-]+$/;
const INSTALLED_DB_FIELDS = new Set(['F', 'M', 'R', 'Z', 'a', 's', 'f', 'r', 'q']);

export function parseChecksum(raw: string): ApkChecksum | undefined {
  const m = /^Q([12])([A-Za-z0-9+/]+={0,2})$/.exec(raw);
  if (m) {
    const digest = Buffer.from(m[2], 'base64');
    const algo = m[1] === '1' ? 'sha1' : 'sha256';
    return digest.length === (algo === 'sha1' ? 20 : 32) ? { raw, algo, digest } : undefined;
  }
  if (/^[0-9a-f]{32}$/.test(raw)) return { raw, algo: 'md5', digest: Buffer.from(raw, 'hex') }; // pre-2.0 indexes
  return undefined;
}

function int(v: string, where: () => string, field: string): number {
  const n = v.length > 0 && v.length < 16 ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || v.charCodeAt(0) < 48 || v.charCodeAt(0) > 57) {
    throw new ReproError('FORMAT', `${where()}: ${field}:${v} is not a non-negative integer`);
  }
  return n;
}

function provideList(v: string, where: () => string): ApkDep[] {
  const list = parseDepList(v, where);
  for (const d of list) {
    if (d.conflict || d.tag || (d.op && d.op !== '=')) throw new ReproError('FORMAT', `${where()}: provide "${v}" must be NAME or NAME=VERSION`);
  }
  return list;
}

function emptyPackage(line: number): ApkPackageInfo {
  // One object shape for every package keeps the parser monomorphic (it runs over ~5,000 a lock).
  return {
    name: '', version: '', arch: undefined, checksum: undefined, size: undefined, installedSize: undefined,
    description: undefined, url: undefined, license: undefined, origin: undefined, maintainer: undefined,
    buildTime: undefined, commit: undefined, depends: [], provides: [], installIf: [], providerPriority: 0,
    replaces: [], replacesPriority: undefined, line,
  };
}

/** Parses the text; `file` names it in errors (file:line). */
export function parseApkIndex(text: string, file: string, opts: IndexLimits & { installed?: boolean } = {}): ApkPackageInfo[] {
  const maxLine = opts.maxLine ?? 1 << 20;
  const maxPackages = opts.maxPackages ?? 500_000;
  const maxFields = opts.maxFieldsPerPackage ?? 1_000;
  const nul = text.indexOf('\0');
  if (nul >= 0) throw new ReproError('FORMAT', `${file}:${text.slice(0, nul).split('\n').length}: NUL byte in the index`);
  const out: ApkPackageInfo[] = [];
  let cur: ApkPackageInfo | undefined;
  let seen = ''; // field letters of the current stanza

  const finish = (): void => {
    if (!cur) return;
    const where = `${file}:${cur.line}`;
    if (!cur.name) throw new ReproError('FORMAT', `${where}: package stanza has no P: (name)`);
    if (!cur.version) throw new ReproError('FORMAT', `${where}: package ${cur.name} has no V: (version)`);
    if (!opts.installed && !cur.checksum) throw new ReproError('FORMAT', `${where}: package ${cur.name} has no C: (checksum), so its file cannot be verified`);
    if (out.length >= maxPackages) throw new ReproError('LIMIT', `${file}: more than ${maxPackages} packages`);
    out.push(cur);
    cur = undefined;
    seen = '';
  };

  // One native split is much cheaper than walking the text in JS before the JIT warms up.
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const lineNo = i + 1;
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1); // CRLF
    if (line.length > maxLine) throw new ReproError('LIMIT', `${file}:${lineNo}: line longer than ${maxLine} characters`);
    if (line.length === 0) {
      finish();
      continue;
    }
    if (line.length < 2 || line.charCodeAt(1) !== 58 /* : */) {
      throw new ReproError('FORMAT', `${file}:${lineNo}: expected "X:value", got "${line.slice(0, 60)}"`);
    }
    const key = line[0];
    cur ??= emptyPackage(lineNo);
    if (seen.length >= maxFields) throw new ReproError('LIMIT', `${file}:${lineNo}: more than ${maxFields} fields in one package`);
    if (seen.includes(key) && !(opts.installed && INSTALLED_DB_FIELDS.has(key))) {
      throw new ReproError('FORMAT', `${file}:${lineNo}: field ${key}: appears twice in one package`);
    }
    seen += key;
    setField(cur, key, line.slice(2), file, lineNo, opts.installed ?? false);
  }
  finish();
  return out;
}

function setField(cur: ApkPackageInfo, key: string, v: string, file: string, line: number, installed: boolean): void {
  const where = (): string => `${file}:${line}`;
  switch (key) {
    case 'P':
      if (!NAME.test(v)) throw new ReproError('FORMAT', `${where()}: "${v}" is not a package name`);
      cur.name = v;
      break;
    case 'V':
      // apk orders even malformed versions (real indexes hold 2.5.0b5-r0), but a version becomes
      // part of a file name, so it may only use the characters versions are made of.
      if (!VERSION_CHARS.test(v)) throw new ReproError('FORMAT', `${where()}: "${v}" is not a version`);
      cur.version = v;
      break;
    case 'A': cur.arch = v; break;
    case 'C': {
      const c = parseChecksum(v);
      if (!c) throw new ReproError('FORMAT', `${where()}: "${v}" is not a package checksum (Q1 + base64 SHA-1)`);
      cur.checksum = c;
      break;
    }
    case 'S': cur.size = int(v, where, key); break;
    case 'I': cur.installedSize = int(v, where, key); break;
    case 'T': cur.description = v; break;
    case 'U': cur.url = v; break;
    case 'L': cur.license = v; break;
    case 'o': cur.origin = v; break;
    case 'm': cur.maintainer = v; break;
    case 't': cur.buildTime = int(v, where, key); break;
    case 'c': cur.commit = v; break;
    case 'D': cur.depends = parseDepList(v, where); break;
    case 'p': cur.provides = provideList(v, where); break;
    case 'i': cur.installIf = parseDepList(v, where); break;
    case 'k': cur.providerPriority = int(v, where, key); break;
    case 'r': cur.replaces = [...cur.replaces, ...parseDepList(v, where)]; break;
    case 'q': cur.replacesPriority = int(v, where, key); break;
    default:
      if (key >= 'A' && key <= 'Z' && !(installed && INSTALLED_DB_FIELDS.has(key))) {
        throw new ReproError('FORMAT', `${where()}: unknown field ${key}:`);
      }
  }
}
