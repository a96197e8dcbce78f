/**
 * primary.xml → RpmPackage[], as a stream: feed decoded text chunks to `write`, call `end`. Only what
 * locking and resolving need is kept (no summaries, descriptions, changelogs); repeated strings
 * (dependency names such as `libc.so.6()(64bit)`) are interned, so a 75,000-package primary stays in
 * a few tens of MB.
 *
 * Refused (FORMAT, file:line): a package without name/arch/version/checksum/location, a location
 * that is not a safe relative path or that points elsewhere (`xml:base`), an unknown comparison
 * flag, names with white space, a package count that disagrees with `<metadata packages=…>`.
 */
import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { decompressStream, type Compression } from '../../core/decompress.js';
import { ReproError } from '../../core/errors.js';
import { safeRelativePath } from '../../core/lockfile/schema.js';
import { DEP_KINDS, makeEvr, type DepKind, type RpmPackage } from './package.js';
import { XmlStream, type Attrs, type XmlHandler } from './xml-stream.js';

export interface PrimaryLimits {
  maxPackages: number;
  /** Entries of one kind (provides, requires, …, files) in one package. */
  maxEntries: number;
  /** Length of one dependency or file name. */
  maxName: number;
}

const DEFAULT_LIMITS: PrimaryLimits = { maxPackages: 2_000_000, maxEntries: 200_000, maxName: 16 * 1024 };

const SHARED_SLOTS = 1 << 16;
const FLAGS: Record<string, string> = { EQ: '=', LT: '<', LE: '<=', GT: '>', GE: '>=' };
const KIND_OF: Record<string, DepKind> = Object.fromEntries(DEP_KINDS.map((k) => [`rpm:${k}`, k]));
// Kept by dnf for ordering hints only (suggests, enhances); not read, not stored.
const IGNORED_KINDS = new Set(['rpm:suggests', 'rpm:enhances']);
const TEXT_FIELDS = new Set(['name', 'arch', 'checksum', 'rpm:sourcerpm', 'file']);

interface Draft {
  name?: string;
  arch?: string;
  epoch?: number;
  version?: string;
  release?: string;
  sha256?: string;
  checksumType?: string;
  size?: number;
  location?: string;
  sourcerpm?: string;
  deps: Record<DepKind, string[]>;
  files: string[];
  line: number;
}

export class PrimaryParser implements XmlHandler {
  readonly packages: RpmPackage[] = [];
  /** Packages of other checksum types (sha1, sha512): listed so a lock can say why it cannot use them. */
  readonly skippedChecksums = new Map<string, string>();
  private readonly xml: XmlStream;
  private readonly limits: PrimaryLimits;
  /** Strings that recur, direct-mapped by a hash of some of their characters (see intern). */
  private readonly shared: (string | undefined)[] = new Array<string | undefined>(SHARED_SLOTS).fill(undefined);
  private cur: Draft | undefined;
  private readonly scratch = Object.fromEntries(DEP_KINDS.map((k) => [k, [] as string[]])) as Record<DepKind, string[]>;
  private readonly scratchFiles: string[] = [];
  /** Inside a dependency list (`ignored`: one not kept). */
  private kind: DepKind | 'ignored' | undefined;
  private inFormat = false;
  private declared: number | undefined;
  private count = 0;

  constructor(
    private readonly repo: string,
    private readonly what: string,
    limits: Partial<PrimaryLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.xml = new XmlStream(this, what);
  }

  write(chunk: string): void {
    this.xml.write(chunk);
  }

  end(): RpmPackage[] {
    this.xml.end();
    if (this.declared !== undefined && this.declared !== this.count) {
      throw new ReproError('FORMAT', `${this.what}: declares ${this.declared} packages but lists ${this.count}.`);
    }
    return this.packages;
  }

  open(name: string, attrs: Attrs): boolean {
    const cur = this.cur;
    if (!cur) {
      if (name === 'package') this.startPackage(attrs);
      else if (name === 'metadata') {
        const n = attrs.get('packages');
        if (n !== undefined) this.declared = /^\d+$/.test(n) ? Number(n) : this.fail(`packages="${n}" is not a number`);
      }
      return false;
    }
    if (this.kind) {
      if (name === 'rpm:entry') this.entry(cur, this.kind, attrs);
      return false;
    }
    if (name === 'format') this.inFormat = true;
    else if (name === 'version') {
      const epoch = attrs.get('epoch') ?? '0';
      const ver = attrs.get('ver');
      const rel = attrs.get('rel');
      if (!/^\d{1,10}$/.test(epoch) || Number(epoch) > 0xffffffff) this.fail(`epoch "${epoch}" is not a number`);
      if (!ver || !isToken(ver) || ver.includes('-')) this.fail(`version "${ver ?? ''}" is empty or malformed`);
      if (!rel || !isToken(rel) || rel.includes('-')) this.fail(`release "${rel ?? ''}" is empty or malformed`);
      cur.epoch = Number(epoch);
      cur.version = this.intern(ver);
      cur.release = this.intern(rel);
    } else if (name === 'checksum') {
      cur.checksumType = attrs.get('type');
      return true;
    } else if (name === 'size') {
      const v = attrs.get('package');
      if (v === undefined || !/^\d{1,15}$/.test(v)) this.fail(`size package="${v ?? ''}" is not a number`);
      cur.size = Number(v);
    } else if (name === 'location') {
      if (attrs.has('xml:base')) this.fail('location with xml:base (packages stored outside the repository) is not supported');
      const href = attrs.get('href') ?? '';
      if (!safeRelativePath.safeParse(href).success) this.fail(`location "${href.slice(0, 200)}" is not a safe relative path`);
      cur.location = own(href);
    } else if (this.inFormat && KIND_OF[name]) {
      this.kind = KIND_OF[name];
    } else if (this.inFormat && IGNORED_KINDS.has(name)) {
      this.kind = 'ignored';
    }
    return TEXT_FIELDS.has(name);
  }

  close(name: string, text: string | undefined): void {
    const cur = this.cur;
    if (!cur) return;
    if (this.kind) {
      if (name !== 'rpm:entry') this.kind = undefined;
      return;
    }
    switch (name) {
      case 'package':
        this.finishPackage(cur);
        return;
      case 'format':
        this.inFormat = false;
        return;
      case 'name':
        cur.name = text;
        return;
      case 'arch':
        cur.arch = text;
        return;
      case 'checksum':
        if (cur.checksumType === 'sha256') {
          if (!text || !/^[0-9a-f]{64}$/.test(text)) this.fail(`checksum "${(text ?? '').slice(0, 80)}" is not a sha256 digest`);
          cur.sha256 = own(text);
        } else if (!cur.checksumType || !text) this.fail('checksum without type or value');
        return;
      case 'rpm:sourcerpm':
        if (text) cur.sourcerpm = this.intern(text);
        return;
      case 'file':
        if (this.inFormat && text !== undefined) {
          if (!text.startsWith('/') || text.length > this.limits.maxName) this.fail(`file "${text.slice(0, 200)}" is not an absolute path of reasonable length`);
          if (cur.files.length >= this.limits.maxEntries) this.limitHit('files');
          cur.files.push(own(text)); // paths are each package's own: not worth interning
        }
        return;
    }
  }

  private startPackage(attrs: Attrs): void {
    const type = attrs.get('type');
    if (type !== 'rpm') this.fail(`package type "${type ?? ''}" is not rpm`);
    if (++this.count > this.limits.maxPackages) {
      throw new ReproError('LIMIT', `${this.what}: more than ${this.limits.maxPackages} packages; refusing the index.`);
    }
    // One set of scratch lists for every package (finishPackage copies them at their exact length).
    const deps = this.scratch;
    for (const k of DEP_KINDS) deps[k].length = 0;
    this.scratchFiles.length = 0;
    this.cur = { deps, files: this.scratchFiles, line: this.xml.line() };
  }

  private entry(cur: Draft, kind: DepKind | 'ignored', attrs: Attrs): void {
    if (kind === 'ignored') return;
    const name = attrs.get('name');
    if (!name || name.length > this.limits.maxName) this.fail(`${kind} entry without a name or with a name longer than ${this.limits.maxName}`);
    const rich = name.startsWith('(');
    if (!rich && !isToken(name)) this.fail(`${kind} entry "${name.slice(0, 200)}" contains white space`);
    const flags = attrs.get('flags');
    let dep: string;
    if (flags === undefined) dep = name;
    else {
      const op = FLAGS[flags];
      if (!op) this.fail(`${kind} entry ${name}: unknown flags "${flags}"`);
      if (rich) this.fail(`${kind} entry ${name}: a rich dependency cannot carry a version`);
      const ver = attrs.get('ver');
      if (!ver || !isToken(ver)) this.fail(`${kind} entry ${name} ${op}: missing or malformed version`);
      const epoch = attrs.get('epoch');
      const rel = attrs.get('rel');
      if ((epoch !== undefined && !/^\d{1,10}$/.test(epoch)) || (rel !== undefined && !isToken(rel))) this.fail(`${kind} entry ${name} ${op}: malformed epoch or release`);
      dep = `${name} ${op} ${epoch && epoch !== '0' ? `${epoch}:` : ''}${ver}${rel ? `-${rel}` : ''}`;
    }
    const list = cur.deps[kind];
    if (list.length >= this.limits.maxEntries) this.limitHit(kind);
    // What packages require recurs across them (libc.so.6(GLIBC_2.34)(64bit)) and is interned;
    // what one provides is mostly its own (sonames, `name = evr`), so copying beats hashing it.
    list.push(flags === undefined ? (kind === 'provides' ? own(dep) : this.intern(dep)) : flat(dep));
  }

  private finishPackage(cur: Draft): void {
    this.cur = undefined;
    if (cur.name === undefined || cur.arch === undefined || cur.version === undefined || cur.size === undefined || cur.location === undefined) {
      const missing = (['name', 'arch', 'version', 'size', 'location'] as const).filter((k) => cur[k] === undefined);
      throw new ReproError('FORMAT', `${this.what}:${cur.line}: package ${cur.name ?? '(no name)'} has no ${missing.join(', ')}.`);
    }
    const name = cur.name!;
    const arch = cur.arch!;
    if (!isToken(name) || name.includes('/')) throw new ReproError('FORMAT', `${this.what}:${cur.line}: package name "${name.slice(0, 200)}" is malformed.`);
    if (!/^[A-Za-z0-9_]+$/.test(arch)) throw new ReproError('FORMAT', `${this.what}:${cur.line}: package ${name} has a malformed arch "${arch.slice(0, 50)}".`);
    if (arch === 'src' || arch === 'nosrc') return; // source packages are not installable
    const evr = makeEvr(cur.epoch!, cur.version!, cur.release!);
    if (!cur.sha256) {
      this.skippedChecksums.set(`${name}-${evr}.${arch}`, cur.checksumType ?? 'none');
    }
    const d = cur.deps;
    this.packages.push({
      name: own(name), // a package's own name, mostly: interning it would only cost
      arch: this.intern(arch),
      epoch: cur.epoch!,
      version: cur.version!,
      release: cur.release!,
      evr: this.intern(evr), // shared by the subpackages of one build
      repo: this.repo,
      sha256: cur.sha256,
      size: cur.size,
      location: cur.location,
      sourcerpm: cur.sourcerpm,
      provides: d.provides.length ? d.provides.slice() : [],
      requires: orEmpty(d.requires),
      conflicts: orEmpty(d.conflicts),
      obsoletes: orEmpty(d.obsoletes),
      recommends: orEmpty(d.recommends),
      supplements: orEmpty(d.supplements),
      files: orEmpty(cur.files),
    });
  }

  /**
   * One copy for strings that recur (what packages require: libc.so.6(GLIBC_2.34)(64bit), /bin/sh,
   * the version shared by a build's subpackages), held by a direct-mapped table: a string that
   * meets its slot taken by another replaces it, so a rare string may be copied more than once,
   * but nothing is hashed by a Map. Measured on the synthetic 75,000-package primary against
   * the Map this replaced (with a 4,096-slot cache in front): about 1 s less CPU, peak memory the
   * same (215 MB); the real AppStream has ~15,500 distinct requirements for 65,536 slots.
   * Copies, because a substring of a large chunk keeps the whole chunk alive in V8 (see own).
   */
  private intern(s: string): string {
    const n = s.length;
    let h = n;
    for (let k = n - 1, step = (n >> 3) | 1; k >= 0; k -= step) h = (Math.imul(h, 31) + s.charCodeAt(k)) | 0;
    const slot = (h ^ (h >>> 15)) & (SHARED_SLOTS - 1);
    const hit = this.shared[slot];
    if (hit === s) return hit;
    const v = own(s);
    this.shared[slot] = v;
    return v;
  }

  private fail(msg: string): never {
    throw new ReproError('FORMAT', `${this.what}:${this.xml.line()}: ${msg}.`);
  }

  private limitHit(kind: string): never {
    throw new ReproError('LIMIT', `${this.what}:${this.xml.line()}: more than ${this.limits.maxEntries} ${kind} entries in one package; refusing the index.`);
  }
}

/** Most packages have no conflicts, obsoletes or weak dependencies: one shared empty list for them. */
const EMPTY: string[] = Object.freeze([]) as unknown as string[];
/**
 * A list grown by push has room for 16 or more entries; the kept copy has exactly its own (the
 * grown one dies young, which the GC does not pay for; what survives it copies twice).
 */
const orEmpty = (l: string[]) => (l.length ? l.slice() : EMPTY);

/**
 * A copy of its own: a substring of a large chunk keeps the whole chunk alive in V8 (a sliced
 * string). Joining two pieces and reading a character makes V8 flatten them into a new string;
 * measured at 63 bytes for a 21-character string, against 88 for `(' ' + s).slice(1)` and 125 for
 * a Map-interned copy. Substrings under 13 characters are copies already.
 */
function own(s: string): string {
  if (s.length < 13) return s;
  return flat(s.slice(0, 1) + s.slice(1));
}

/** Flattens a concatenation, so that it refers to none of its pieces (see own). */
function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}

/** Non-empty and free of white space and control characters. */
function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x85 || c === 0xa0 || (c >= 0x2000 && (c <= 0x200a || c === 0x2028 || c === 0x2029 || c === 0x3000))) return false;
  }
  return true;
}

/** Parses a whole primary.xml held as one string or Buffer (tests, small repositories). */
export function parsePrimary(data: string | Buffer, repo: string, what: string, limits?: Partial<PrimaryLimits>): RpmPackage[] {
  const p = new PrimaryParser(repo, what, limits);
  const s = typeof data === 'string' ? data : data.toString('utf8');
  const step = 1 << 20;
  for (let i = 0; i < s.length; i += step) p.write(s.slice(i, i + step));
  return p.end();
}

const DECODE_PIECE = 1 << 16;

/**
 * A compressed primary.xml → packages, as one stream: decompressed in chunks, decoded and parsed in
 * 64 KiB text pieces, hashed for the open-checksum on the way — a 150 MB primary is never held as
 * text. A content that does not match `open` is refused (HASH) after the parse.
 */
export async function readPrimary(
  data: Uint8Array,
  kind: Compression,
  repo: string,
  what: string,
  open?: { sha256: string; size: number },
  limits?: Partial<PrimaryLimits>,
): Promise<{ packages: RpmPackage[]; skippedChecksums: Map<string, string> }> {
  const parser = new PrimaryParser(repo, what, limits);
  const hash = createHash('sha256');
  const decoder = new StringDecoder('utf8');
  const total = await decompressStream(
    data,
    kind,
    what,
    (chunk) => {
      hash.update(chunk);
      // Decoded 64 KiB at a time: a string over V8's regular object size (128 KiB) goes to the
      // large-object space, and 180 MB decoded into 512 KiB strings measured 1.4 s of CPU against
      // 0.05-0.1 s in 64 KiB ones (the tokenizer's cost per write is small).
      for (let i = 0; i < chunk.length; i += DECODE_PIECE) parser.write(decoder.write(chunk.subarray(i, i + DECODE_PIECE)));
    },
    open ? { maxOutput: open.size } : {},
  );
  parser.write(decoder.end());
  if (open) {
    const actual = hash.digest('hex');
    if (total !== open.size || actual !== open.sha256) {
      throw new ReproError('HASH', `${what}: decompressed content does not match repomd.xml's open-checksum: expected ${open.sha256} (${open.size} bytes), got ${actual} (${total} bytes).`, {
        detail: { file: what, expected: open.sha256, actual, expectedSize: open.size, actualSize: total },
      });
    }
  }
  return { packages: parser.end(), skippedChecksums: parser.skippedChecksums };
}
