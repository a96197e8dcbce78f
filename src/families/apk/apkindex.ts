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

/** A package checksum as `C:` writes it; the digest is decoded only when a file is checked. */
export class ApkChecksum {
  constructor(
    /** As written (`Q1…`), used for identity and `><` dependencies. */
    readonly raw: string,
    readonly algo: 'sha1' | 'sha256' | 'md5',
  ) {}

  get digest(): Buffer {
    return this.algo === 'md5' ? Buffer.from(this.raw, 'hex') : Buffer.from(this.raw.slice(2), 'base64');
  }
}

const NO_DEPS: ApkDep[] = Object.freeze([]) as unknown as ApkDep[];

/**
 * One package of an index. `depends`, `installIf` and `replaces` are kept as text and parsed on
 * first use: a lock looks at a few hundred of an index's thousands of packages, and building every
 * dependency object up front was most of the parse time. The text is checked when read (see
 * DEP_LIST), so a malformed field is still reported at its file:line right away.
 */
export class ApkPackageInfo {
  name = '';
  version = '';
  arch?: string = undefined;
  checksum?: ApkChecksum = undefined;
  size?: number = undefined;
  installedSize?: number = undefined;
  description?: string = undefined;
  url?: string = undefined;
  license?: string = undefined;
  origin?: string = undefined;
  maintainer?: string = undefined;
  buildTime?: number = undefined;
  commit?: string = undefined;
  provides: ApkDep[] = [];
  providerPriority = 0;
  replacesPriority?: number = undefined;
  private rawDepends = '';
  private rawInstallIf = '';
  private rawReplaces = '';
  private parsedDepends?: ApkDep[] = undefined;
  private parsedInstallIf?: ApkDep[] = undefined;
  private parsedReplaces?: ApkDep[] = undefined;

  constructor(
    /** File and line where the stanza starts, for messages. */
    readonly file: string,
    readonly line: number,
  ) {}

  get depends(): ApkDep[] {
    return this.rawDepends ? (this.parsedDepends ??= parseDepList(this.rawDepends, `${this.file}:${this.line}: D:`)) : NO_DEPS;
  }

  get installIf(): ApkDep[] {
    return this.rawInstallIf ? (this.parsedInstallIf ??= parseDepList(this.rawInstallIf, `${this.file}:${this.line}: i:`)) : NO_DEPS;
  }

  get replaces(): ApkDep[] {
    return this.rawReplaces ? (this.parsedReplaces ??= parseDepList(this.rawReplaces, `${this.file}:${this.line}: r:`)) : NO_DEPS;
  }

  /** Sets a dependency-list field after checking its syntax. */
  setList(key: 'D' | 'i' | 'r', v: string, line: number): void {
    if (!DEP_LIST.test(v)) parseDepList(v, `${this.file}:${line}`); // throws the precise FORMAT error
    if (key === 'D') this.rawDepends = v;
    else if (key === 'i') this.rawInstallIf = v;
    else this.rawReplaces = this.rawReplaces ? `${this.rawReplaces} ${v}` : v;
  }
}

export interface IndexLimits {
  maxLine?: number;
  maxPackages?: number;
  maxFieldsPerPackage?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const VERSION_CHARS = /^[A-Za-z0-9._+~-]+$/;
/** A whole dependency list, checked without allocating: the grammar of dependency.ts's atoms. */
const OP = '(?:<=|>=|<~|>~|><|=~|[<>=~])';
const ATOM = `!?[^\\s<>=~!@]+(?:@[^\\s<>=~!@]+)?(?:${OP}[^\\s<>=~]\\S*)?`;
const DEP_LIST = new RegExp(`^ *(?:${ATOM} +)*(?:${ATOM})? *$`);
const INSTALLED_DB_FIELDS = new Set(['F', 'M', 'R', 'Z', 'a', 's', 'f', 'r', 'q']);

// Q1 + base64 of a 20-byte SHA-1 (28 characters), Q2 + base64 of a 32-byte SHA-256 (44), or an
// old index's hex MD5.
const Q1 = /^Q1[A-Za-z0-9+/]{27}=$/;
const Q2 = /^Q2[A-Za-z0-9+/]{43}=$/;
const MD5 = /^[0-9a-f]{32}$/;

export function parseChecksum(raw: string): ApkChecksum | undefined {
  if (Q1.test(raw)) return new ApkChecksum(raw, 'sha1');
  if (Q2.test(raw)) return new ApkChecksum(raw, 'sha256');
  if (MD5.test(raw)) return new ApkChecksum(raw, 'md5');
  return undefined;
}

/** Where: `file:line`, built only for a message (a closure per line was measurable). */
const at = (file: string, line: number): string => `${file}:${line}`;

function int(v: string, file: string, line: number, field: string): number {
  const n = v.length > 0 && v.length < 16 ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || v.charCodeAt(0) < 48 || v.charCodeAt(0) > 57) {
    throw new ReproError('FORMAT', `${at(file, line)}: ${field}:${v} is not a non-negative integer`);
  }
  return n;
}

/** `p:` is NAME or NAME=VERSION atoms only: checked in one pass, split without a regex per atom. */
const PROVIDES = /^ *(?:[^\s<>=~!@]+(?:=[^\s<>=~]\S*)? +)*(?:[^\s<>=~!@]+(?:=[^\s<>=~]\S*)?)? *$/;

function provideList(v: string, file: string, line: number): ApkDep[] {
  if (!PROVIDES.test(v)) {
    parseDepList(v, at(file, line)); // a malformed atom: the precise message
    throw new ReproError('FORMAT', `${at(file, line)}: provide "${v}" must be NAME or NAME=VERSION`);
  }
  const out: ApkDep[] = [];
  for (const a of v.split(' ')) {
    if (!a) continue;
    const eq = a.indexOf('=');
    out.push(eq < 0 ? { name: a, conflict: false } : { name: a.slice(0, eq), op: '=', version: a.slice(eq + 1), conflict: false });
  }
  return out;
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
  // Field letters seen in the current stanza, as bits (a string grown per line cost a copy per check).
  let seenUpper = 0;
  let seenLower = 0;
  let fields = 0;

  const finish = (): void => {
    if (!cur) return;
    if (!cur.name) throw new ReproError('FORMAT', `${at(file, cur.line)}: package stanza has no P: (name)`);
    if (!cur.version) throw new ReproError('FORMAT', `${at(file, cur.line)}: package ${cur.name} has no V: (version)`);
    if (!opts.installed && !cur.checksum) throw new ReproError('FORMAT', `${at(file, cur.line)}: package ${cur.name} has no C: (checksum), so its file cannot be verified`);
    if (out.length >= maxPackages) throw new ReproError('LIMIT', `${file}: more than ${maxPackages} packages`);
    out.push(cur);
    cur = undefined;
    seenUpper = seenLower = fields = 0;
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
    cur ??= new ApkPackageInfo(file, lineNo);
    if (++fields > maxFields) throw new ReproError('LIMIT', `${file}:${lineNo}: more than ${maxFields} fields in one package`);
    const code = line.charCodeAt(0);
    const upper = code >= 65 && code <= 90;
    if (!upper && !(code >= 97 && code <= 122)) throw new ReproError('FORMAT', `${file}:${lineNo}: "${key}" is not a field letter`);
    const bit = 1 << (code - (upper ? 65 : 97));
    if ((upper ? seenUpper : seenLower) & bit && !(opts.installed && INSTALLED_DB_FIELDS.has(key))) {
      throw new ReproError('FORMAT', `${file}:${lineNo}: field ${key}: appears twice in one package`);
    }
    if (upper) seenUpper |= bit;
    else seenLower |= bit;
    setField(cur, key, line.slice(2), file, lineNo, opts.installed ?? false);
  }
  finish();
  return out;
}

function setField(cur: ApkPackageInfo, key: string, v: string, file: string, line: number, installed: boolean): void {
  switch (key) {
    case 'P':
      if (!NAME.test(v)) throw new ReproError('FORMAT', `${at(file, line)}: "${v}" is not a package name`);
      cur.name = v;
      break;
    case 'V':
      // apk orders even malformed versions (real indexes hold 2.5.0b5-r0), but a version becomes
      // part of a file name, so it may only use the characters versions are made of.
      if (!VERSION_CHARS.test(v)) throw new ReproError('FORMAT', `${at(file, line)}: "${v}" is not a version`);
      cur.version = v;
      break;
    case 'A': cur.arch = v; break;
    case 'C': {
      const c = parseChecksum(v);
      if (!c) throw new ReproError('FORMAT', `${at(file, line)}: "${v}" is not a package checksum (Q1 + base64 SHA-1)`);
      cur.checksum = c;
      break;
    }
    case 'S': cur.size = int(v, file, line, key); break;
    case 'I': cur.installedSize = int(v, file, line, key); break;
    case 'T': cur.description = v; break;
    case 'U': cur.url = v; break;
    case 'L': cur.license = v; break;
    case 'o': cur.origin = v; break;
    case 'm': cur.maintainer = v; break;
    case 't': cur.buildTime = int(v, file, line, key); break;
    case 'c': cur.commit = v; break;
    case 'D': cur.setList('D', v, line); break;
    case 'p': cur.provides = provideList(v, file, line); break;
    case 'i': cur.setList('i', v, line); break;
    case 'k': cur.providerPriority = int(v, file, line, key); break;
    case 'r': cur.setList('r', v, line); break;
    case 'q': cur.replacesPriority = int(v, file, line, key); break;
    default:
      if (key >= 'A' && key <= 'Z' && !(installed && INSTALLED_DB_FIELDS.has(key))) {
        throw new ReproError('FORMAT', `${at(file, line)}: unknown field ${key}:`);
      }
  }
}
