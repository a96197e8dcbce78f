/**
 * Packages indexes and the dpkg status file, read into `AptPackage`s.
 *
 * A specialised single pass instead of deb822.ts: the bookworm main index is 45 MB / 63,000 stanzas
 * and we keep only ~20 of its fields, so field names are matched in place (no key strings, no Map
 * per stanza) and relation fields stay raw strings until something reads them. Nearly every stanza
 * is only ever looked at for its name, version and Provides.
 */
import { ReproError } from '../../core/errors.js';
import { type OrGroup, type Relation, parseProvides, parseRelations, scanRelationNames } from './relation.js';

export type MultiArch = 'no' | 'same' | 'foreign' | 'allowed';

export interface AptPackage {
  readonly name: string;
  readonly version: string;
  /** As written: an architecture name or `all`. */
  readonly arch: string;
  readonly multiArch: MultiArch;
  readonly essential: boolean;
  /** `Important: yes`. */
  readonly important: boolean;
  /** `Protected: yes`. */
  readonly protected: boolean;
  readonly priority?: string;
  readonly preDepends: OrGroup[];
  readonly depends: OrGroup[];
  readonly recommends: OrGroup[];
  readonly suggests: OrGroup[];
  readonly conflicts: OrGroup[];
  readonly breaks: OrGroup[];
  readonly replaces: OrGroup[];
  readonly enhances: OrGroup[];
  readonly provides: Relation[];
  readonly filename?: string;
  readonly size?: number;
  readonly sha256?: string;
  /** The `Source` field: source package name and, when it differs from `version`, its version. */
  readonly srcName?: string;
  readonly srcVersion?: string;
  /** Which repository this stanza came from (the id given to `parsePackages`). */
  readonly source: string;
  /** Where the stanza was read, for messages. */
  readonly file?: string;
  readonly line?: number;
}

/** The relation fields, in the order apt registers their names (see the resolver's package IDs). */
export const RELATION_FIELDS = ['Pre-Depends', 'Depends', 'Conflicts', 'Breaks', 'Recommends', 'Suggests', 'Replaces', 'Enhances'] as const;
export type RelationField = (typeof RELATION_FIELDS)[number];

// Field slots. Relation fields first so their slot is their index in RELATION_FIELDS; slots below
// F_PACKAGE are "lazy": only their offsets are recorded while scanning, the text is cut on first read.
const F_PROVIDES = 8;
const F_FILENAME = 9;
const F_SIZE = 10;
const F_SHA256 = 11;
const F_SOURCE = 12;
const NLAZY = 13;
const F_PACKAGE = 13;
const F_VERSION = 14;
const F_ARCH = 15;
const F_MULTIARCH = 16;
const F_ESSENTIAL = 17;
const F_IMPORTANT = 18;
const F_PROTECTED = 19;
const F_PRIORITY = 20;
const F_STATUS = 21;
const FIELD_NAMES = [...RELATION_FIELDS, 'Provides', 'Filename', 'Size', 'SHA256', 'Source', 'Package', 'Version', 'Architecture', 'Multi-Arch', 'Essential', 'Important', 'Protected', 'Priority', 'Status'];

/** Known field names grouped by length, so a line's key is compared with at most a few names. */
const BY_LENGTH: number[][] = [];
FIELD_NAMES.forEach((f, slot) => (BY_LENGTH[f.length] ??= []).push(slot));

const MAX_FIELD = 1 << 20;

/** Case-insensitive compare of bytes[pos..pos+name.length) with an ASCII name (deb822 keys ignore case). */
function equalsIgnoringCase(bytes: Uint8Array, pos: number, name: string): boolean {
  for (let k = 0; k < name.length; k++) {
    const a = bytes[pos + k];
    const b = name.charCodeAt(k);
    if (a !== b && (a | 32) !== (b | 32)) return false;
  }
  return true;
}

/** Exact compare of bytes[pos..pos+value.length) with a string of one-byte characters. */
function startsWith(bytes: Uint8Array, pos: number, value: string): boolean {
  for (let k = 0; k < value.length; k++) if (bytes[pos + k] !== value.charCodeAt(k)) return false;
  return true;
}

function matchField(bytes: Uint8Array, pos: number, len: number): number {
  const slots = BY_LENGTH[len];
  if (slots === undefined) return -1;
  for (const s of slots) if (startsWith(bytes, pos, FIELD_NAMES[s])) return s;
  for (const s of slots) if (equalsIgnoringCase(bytes, pos, FIELD_NAMES[s])) return s;
  return -1;
}

/**
 * One parsed file: its text and, per stanza, [start + 1, end) of each lazy field. Start 0 means
 * absent, so a fresh (zero-filled) array needs no initialisation.
 */
class Store {
  // Real indexes average ~700 bytes a stanza; guessing the size up front saves most regrowth.
  offs: Int32Array;
  /** In a compact form (see parseCompact): where Filename, Size, SHA256 and Source live. */
  more: MoreFields | undefined;
  constructor(
    /** The stanzas' bytes (never copied into a string): fields are cut on read. */
    public bytes: Buffer,
    readonly source: string,
    readonly file: string | undefined,
    stanzas = Math.ceil(bytes.length / 600) + 16,
    /** How values are decoded: latin1 for indexes (see source.ts), utf8 for text given as a string. */
    readonly encoding: 'latin1' | 'utf8' = 'latin1',
  ) {
    this.offs = new Int32Array(NLAZY * 2 * stanzas);
  }
  slice(start: number, end: number): string {
    return this.bytes.toString(this.encoding, start, end);
  }
  /** Makes room for stanza `i`. */
  open(i: number): void {
    const need = (i + 1) * NLAZY * 2;
    if (need > this.offs.length) {
      const grown = new Int32Array(Math.max(need, this.offs.length * 2));
      grown.set(this.offs);
      this.offs = grown;
    }
  }
  /**
   * Moves the lazy fields of stanzas 0..count-1 into `arena` and forgets the rest of the bytes
   * (descriptions, maintainers, tags: ~45 % of an index that nothing reads).
   */
  compactInto(arena: Arena, count: number): void {
    const offs = this.offs;
    let need = 0;
    for (let at = 0; at < count * NLAZY * 2; at += 2) if (offs[at] !== 0) need += offs[at + 1] - offs[at] + 1;
    const [dest, start] = arena.take(need);
    let p = start;
    for (let at = 0; at < count * NLAZY * 2; at += 2) {
      if (offs[at] === 0) continue;
      const s = offs[at] - 1;
      const len = offs[at + 1] - s;
      this.bytes.copy(dest, p, s, s + len);
      offs[at] = p - start + 1;
      offs[at + 1] = p - start + len;
      p += len;
    }
    this.bytes = dest.subarray(start, p);
  }
  has(i: number, slot: number): boolean {
    if (this.more !== undefined && slot >= F_FILENAME) return this.more.cut(i, slot) !== undefined;
    return this.offs[(i * NLAZY + slot) * 2] !== 0;
  }
  cut(i: number, slot: number): string | undefined {
    if (this.more !== undefined && slot >= F_FILENAME) return this.more.cut(i, slot);
    const at = (i * NLAZY + slot) * 2;
    const s = this.offs[at];
    return s === 0 ? undefined : this.slice(s - 1, this.offs[at + 1]);
  }
}

/** Bump allocation of the kept fields of a streamed parse, in 1 MiB blocks. */
class Arena {
  private buf = Buffer.allocUnsafeSlow(0);
  private used = 0;
  take(n: number): [Buffer, number] {
    if (this.used + n > this.buf.length) {
      this.buf = Buffer.allocUnsafeSlow(Math.max(n, 1 << 20));
      this.used = 0;
    }
    const at = this.used;
    this.used += n;
    return [this.buf, at];
  }
}

/**
 * The artifact fields of a compact form: one small stanza per package in `bytes`, decoded and
 * scanned only for the packages that end up in a lock (a few dozen of 63,000).
 */
class MoreFields {
  private last = -1;
  private lastStore: Store | undefined;
  constructor(
    private readonly bytes: Buffer,
    private readonly starts: Int32Array,
    private readonly where: string,
  ) {}
  cut(i: number, slot: number): string | undefined {
    if (i !== this.last) {
      const st = new Store(this.bytes.subarray(this.starts[i], this.starts[i + 1]), '', undefined, 1);
      scan(st, this.where, () => {});
      this.last = i;
      this.lastStore = st;
    }
    return this.lastStore!.cut(0, slot);
  }
}

/** The shared value of every absent relation field (never mutated). */
const NONE: never[] = Object.freeze([]) as unknown as never[];

class ParsedPackage implements AptPackage {
  readonly essential: boolean = false;
  readonly important: boolean = false;
  readonly protected: boolean = false;
  readonly multiArch: MultiArch = 'no';
  readonly priority?: string;
  /** Parsed relation fields by slot, made on first read. */
  private rel: (OrGroup[] | Relation[] | undefined)[] | undefined;

  readonly name: string;
  readonly version: string;
  readonly arch: string;

  constructor(
    e: Eager,
    private readonly store: Store,
    private readonly index: number,
    readonly line: number,
  ) {
    this.name = e.name!;
    this.version = e.version!;
    this.arch = e.arch!;
    if (e.essential) this.essential = true;
    if (e.important) this.important = true;
    if (e.protected) this.protected = true;
    if (e.multiArch !== 'no') this.multiArch = e.multiArch;
    if (e.priority !== undefined) this.priority = e.priority;
  }

  get source(): string {
    return this.store.source;
  }
  get file(): string | undefined {
    return this.store.file;
  }
  get filename(): string | undefined {
    return this.store.cut(this.index, F_FILENAME)?.trim();
  }
  get size(): number | undefined {
    const s = this.store.cut(this.index, F_SIZE);
    return s === undefined ? undefined : Number(s);
  }
  get sha256(): string | undefined {
    return this.store.cut(this.index, F_SHA256)?.trim();
  }
  get srcName(): string | undefined {
    const s = this.store.cut(this.index, F_SOURCE);
    if (s === undefined) return undefined;
    const paren = s.indexOf('(');
    return (paren < 0 ? s : s.slice(0, paren)).trim();
  }
  get srcVersion(): string | undefined {
    const s = this.store.cut(this.index, F_SOURCE);
    const paren = s?.indexOf('(') ?? -1;
    return paren < 0 ? undefined : s!.slice(paren + 1, s!.lastIndexOf(')')).trim();
  }

  private parsed(slot: number): OrGroup[] | Relation[] {
    let r = this.rel?.[slot];
    if (r === undefined) {
      const raw = this.store.cut(this.index, slot);
      // Most stanzas lack most fields: share one empty list instead of allocating per stanza.
      if (raw === undefined) return NONE;
      // `where` is only for messages, so it is built only when the field is malformed.
      try {
        r = slot === F_PROVIDES ? parseProvides(raw) : parseRelations(raw);
      } catch (e) {
        const where = `${this.store.file ?? this.store.source}:${this.line}: ${this.name} ${FIELD_NAMES[slot]}`;
        if (slot === F_PROVIDES) parseProvides(raw, { where });
        else parseRelations(raw, { where });
        throw e;
      }
      (this.rel ??= new Array(F_PROVIDES + 1))[slot] = r;
    }
    return r;
  }

  get preDepends(): OrGroup[] {
    return this.parsed(0) as OrGroup[];
  }
  get depends(): OrGroup[] {
    return this.parsed(1) as OrGroup[];
  }
  get conflicts(): OrGroup[] {
    return this.parsed(2) as OrGroup[];
  }
  get breaks(): OrGroup[] {
    return this.parsed(3) as OrGroup[];
  }
  get recommends(): OrGroup[] {
    return this.parsed(4) as OrGroup[];
  }
  get suggests(): OrGroup[] {
    return this.parsed(5) as OrGroup[];
  }
  get replaces(): OrGroup[] {
    return this.parsed(6) as OrGroup[];
  }
  get enhances(): OrGroup[] {
    return this.parsed(7) as OrGroup[];
  }
  get provides(): Relation[] {
    return this.parsed(F_PROVIDES) as Relation[];
  }

  /** A field's text as written (lazy slots only), for compactIndex. */
  raw(slot: number): string | undefined {
    return this.store.cut(this.index, slot);
  }

  /** Whether the stanza has the field of `slot` at all. */
  has(slot: number): boolean {
    return this.rel?.[slot] !== undefined || this.store.has(this.index, slot);
  }

  /** See forEachRelationName: scans the raw field when it has not been parsed yet. */
  eachName(slot: number, cb: (name: string, archQual: string | undefined) => void): void {
    const parsed = this.rel?.[slot];
    if (parsed !== undefined) {
      for (const g of parsed) for (const r of Array.isArray(g) ? g : [g]) cb(r.name, r.archQual);
      return;
    }
    const raw = this.store.cut(this.index, slot);
    if (raw !== undefined) scanRelationNames(raw, cb);
  }

  /** For JSON output and test diffs: the identity, not the lazy internals. */
  toJSON(): object {
    return { name: this.name, version: this.version, arch: this.arch, source: this.source };
  }
}

/** The eagerly kept fields of the stanza being scanned: one object, reset for every stanza. */
interface Eager {
  name: string | undefined;
  version: string | undefined;
  arch: string | undefined;
  status: string | undefined;
  essential: boolean;
  important: boolean;
  protected: boolean;
  multiArch: MultiArch;
  priority: string | undefined;
}

function resetEager(e: Eager): Eager {
  e.name = e.version = e.arch = e.status = e.priority = undefined;
  e.essential = e.important = e.protected = false;
  e.multiArch = 'no';
  return e;
}

/** Interned values of small vocabularies (architectures, priorities), so 63,000 stanzas share them. */
class Interner {
  private seen: string[] = [];
  get(store: Store, s: number, e: number): string {
    for (const v of this.seen) if (v.length === e - s && startsWith(store.bytes, s, v)) return v;
    const v = store.slice(s, e);
    // Only values that read back byte for byte (one-byte characters) can be matched as bytes.
    if (this.seen.length < 16 && v.length === e - s) this.seen.push(v);
    return v;
  }
}

function yes(bytes: Uint8Array, s: number, e: number): boolean {
  return e - s === 3 && equalsIgnoringCase(bytes, s, 'yes');
}

function multiArchOf(bytes: Uint8Array, s: number, e: number): MultiArch {
  for (const m of ['same', 'foreign', 'allowed'] as const) if (e - s === m.length && equalsIgnoringCase(bytes, s, m)) return m;
  return 'no';
}

/**
 * Scans the store's bytes once (indexOf per line), calling `onStanza` with the eager fields; lazy
 * fields go to `store` by offset. Unknown fields and their continuation lines are skipped without
 * slicing. Works on bytes: every byte the syntax looks at (LF, CR, colon, space, tab, #) is ASCII,
 * and in UTF-8 no other character contains one, so offsets are the same for either encoding.
 */
function scan(store: Store, where: string, onStanza: (e: Eager, line: number, index: number) => void, firstLine = 1): number {
  const text = store.bytes;
  const n = text.length;
  const arches = new Interner();
  const priorities = new Interner();
  let pos = 0;
  let lineNo = firstLine;
  let inStanza = false;
  let start = 0;
  let index = 0;
  let slot = -1; // the field continuation lines extend; -1 = a skipped field
  const e = resetEager({} as Eager);
  let offs = store.offs;
  while (pos < n) {
    let end = text.indexOf(10, pos);
    if (end < 0) end = n;
    if (end - pos > MAX_FIELD) throw new ReproError('LIMIT', `${where}:${lineNo}: line of ${end - pos} characters exceeds the limit of ${MAX_FIELD}.`);
    let le = end;
    if (le > pos && text[le - 1] === 13) le--; // CRLF
    const c = text[pos];
    if (le === pos) {
      if (inStanza) onStanza(e, start, index++);
      inStanza = false;
      slot = -1;
    } else if (c === 32 || c === 9) {
      if (!inStanza) throw new ReproError('FORMAT', `${where}:${lineNo}: continuation line outside a field.`);
      if (slot >= NLAZY) throw new ReproError('FORMAT', `${where}:${lineNo}: field ${FIELD_NAMES[slot]} cannot span lines.`);
      if (slot >= 0) {
        const at = (index * NLAZY + slot) * 2;
        if (le - offs[at] + 1 > MAX_FIELD) throw new ReproError('LIMIT', `${where}:${lineNo}: field ${FIELD_NAMES[slot]} exceeds ${MAX_FIELD} characters.`);
        offs[at + 1] = le;
      }
    } else if (c === 35 && !inStanza) {
      // comments are allowed between stanzas in status/control files
    } else {
      const colon = text.indexOf(58, pos);
      if (colon < 0 || colon >= le) {
        throw new ReproError('FORMAT', `${where}:${lineNo}: expected "Field: value", got ${JSON.stringify(store.slice(pos, Math.min(le, pos + 80)))}.`);
      }
      if (!inStanza) {
        inStanza = true;
        start = lineNo;
        store.open(index);
        offs = store.offs;
        resetEager(e);
      }
      slot = matchField(text, pos, colon - pos);
      if (slot >= 0) {
        let vs = colon + 1;
        while (vs < le && (text[vs] === 32 || text[vs] === 9)) vs++;
        let ve = le;
        while (ve > vs && (text[ve - 1] === 32 || text[ve - 1] === 9)) ve--;
        if (slot < NLAZY) {
          const at = (index * NLAZY + slot) * 2;
          offs[at] = vs + 1;
          offs[at + 1] = ve;
        } else if (slot === F_PACKAGE) e.name = store.slice(vs, ve);
        else if (slot === F_VERSION) e.version = store.slice(vs, ve);
        else if (slot === F_ARCH) e.arch = arches.get(store, vs, ve);
        else if (slot === F_PRIORITY) e.priority = priorities.get(store, vs, ve);
        else if (slot === F_ESSENTIAL) e.essential = yes(text, vs, ve);
        else if (slot === F_IMPORTANT) e.important = yes(text, vs, ve);
        else if (slot === F_PROTECTED) e.protected = yes(text, vs, ve);
        else if (slot === F_MULTIARCH) e.multiArch = multiArchOf(text, vs, ve);
        else if (slot === F_STATUS) e.status = store.slice(vs, ve);
      }
    }
    pos = end + 1;
    lineNo++;
  }
  if (inStanza) onStanza(e, start, index);
  return lineNo;
}

function checkStanza(e: Eager, where: string, line: number): void {
  const missing = !e.name ? 'Package' : !e.version ? 'Version' : !e.arch ? 'Architecture' : undefined;
  if (missing) throw new ReproError('FORMAT', `${where}:${line}: stanza has no ${missing} field.`);
  if (badToken(e.name!) || badToken(e.version!)) {
    throw new ReproError('FORMAT', `${where}:${line}: bad Package or Version ${JSON.stringify(`${e.name} ${e.version}`)}.`);
  }
}

/** Spaces, commas, bars and parentheses would break every relation that names this. */
function badToken(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c <= 32 || c === 44 || c === 124 || c === 40 || c === 41) return true;
  }
  return false;
}

/**
 * A store for text given as a string: its characters as latin1 bytes when they all fit in one byte
 * (an index decoded as latin1 reads back unchanged), else as UTF-8 (a status file read as UTF-8).
 */
function storeOfText(text: string, source: string, file: string | undefined): Store {
  // eslint-disable-next-line no-control-regex
  const wide = /[^\u0000-\u00ff]/.test(text);
  return new Store(Buffer.from(text, wide ? 'utf8' : 'latin1'), source, file, undefined, wide ? 'utf8' : 'latin1');
}

/**
 * Every stanza of a Packages index, top to bottom. `source` names the repository for the lock.
 * Bytes are kept as they are (values read as latin1); a string is encoded first (storeOfText).
 */
export function parsePackages(text: string | Buffer, source: string, file?: string): AptPackage[] {
  const out: AptPackage[] = [];
  const store = typeof text === 'string' ? storeOfText(text, source, file) : new Store(text, source, file);
  const where = file ?? source;
  scan(store, where, (e, line, index) => {
    checkStanza(e, where, line);
    out.push(new ParsedPackage(e, store, index, line));
  });
  return out;
}

/**
 * A Packages index parsed as it arrives (from a decompressor): the bytes are cut at stanza ends into
 * pieces of about `pieceSize` bytes, each scanned on its own where it lies. So parsing overlaps
 * decompression, and neither the whole index as one buffer nor as one string is ever built. Same
 * packages, order, line numbers and errors as parsePackages on the whole text (a piece always
 * starts after an empty line, where a whole-text scan is between stanzas too).
 *
 * Pieces are scanned as bytes where they lie (values are decoded when read), and after each piece
 * only the fields anything reads are kept, moved into 1 MiB blocks: the rest of an index
 * (descriptions, maintainers, tags: ~45 % of its bytes) is let go as it streams. Against decoding
 * each piece into a string and keeping it whole: the 50 MB bookworm index streamed from xz peaks at
 * less than half the memory (309 -> ~150-200 MB) and its parse keeps up with xz (bench/README).
 */
export class PackagesParser {
  private held: Uint8Array[] = [];
  private heldLen = 0;
  /** Scan when this many bytes are held; doubled when no stanza ends in them yet (no quadratic re-joining). */
  private next: number;
  private line = 1;
  private readonly out: AptPackage[] = [];
  private readonly where: string;

  constructor(
    readonly source: string,
    readonly file?: string,
    private readonly pieceSize = 48 * 1024,
  ) {
    this.next = pieceSize;
    this.where = file ?? source;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.held.push(chunk);
    this.heldLen += chunk.length;
    if (this.heldLen >= this.next) this.flush(false);
  }

  /** Parses what is left and returns every stanza, top to bottom. */
  end(): AptPackage[] {
    this.flush(true);
    return this.out;
  }

  private flush(all: boolean): void {
    if (this.held.length === 0) return;
    let buf: Buffer;
    let pos = 0;
    const last = asBuffer(this.held[this.held.length - 1]);
    const headEnd = this.held.length > 1 ? firstStanzaEnd(last) : -1;
    if (this.held.length === 1) buf = last;
    else if (headEnd < 0) buf = Buffer.concat(this.held, this.heldLen); // a stanza longer than a chunk: join all
    else {
      // Only the stanza that straddles the chunks is joined (a copy of a few hundred bytes); the
      // rest of the newest chunk is scanned where it lies. Copying every chunk into a joined
      // buffer cost ~0.25 s of the 50 MB bookworm index, fresh memory being slow to touch here.
      const head = Buffer.concat([...this.held.slice(0, -1), last.subarray(0, headEnd)]);
      this.scanPiece(head, 0, head.length);
      buf = last;
      pos = headEnd;
    }
    while (pos < buf.length) {
      let cut: number;
      if (buf.length - pos <= this.pieceSize) {
        if (all) cut = buf.length;
        else {
          // Up to the last stanza end: only a stanza still arriving is held back.
          cut = stanzaEndBefore(buf, pos, buf.length);
          if (cut < 0) break;
        }
      } else {
        cut = stanzaEndBefore(buf, pos, pos + this.pieceSize);
        if (cut < 0) cut = stanzaEndAfter(buf, pos + this.pieceSize);
        if (cut < 0) {
          if (!all) break; // a stanza longer than a piece, not complete yet
          cut = buf.length;
        }
      }
      this.scanPiece(buf, pos, cut);
      pos = cut;
    }
    this.held = pos < buf.length ? [buf.subarray(pos)] : [];
    this.heldLen = buf.length - pos;
    this.next = Math.max(this.pieceSize, this.heldLen * 2);
  }

  private scanPiece(buf: Buffer, start: number, end: number): void {
    // The bytes are kept as they are (no string of the piece is made): values are decoded as
    // latin1 when read, see source.ts (every field read is ASCII).
    const store = new Store(buf.subarray(start, end), this.source, this.file);
    const first = this.out.length;
    this.line = scan(store, this.where, (e, line, index) => {
      checkStanza(e, this.where, line);
      this.out.push(new ParsedPackage(e, store, index, line));
    }, this.line);
    store.compactInto(this.arena, this.out.length - first);
  }

  private readonly arena = new Arena();
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** The end of the first empty line ("\n\n" or "\n\r\n") in `buf`, or -1. */
function firstStanzaEnd(buf: Buffer): number {
  const lf = buf.indexOf('\n\n');
  const crlf = buf.subarray(0, lf < 0 ? buf.length : lf + 2).indexOf('\n\r\n');
  if (crlf >= 0) return crlf + 3;
  return lf < 0 ? -1 : lf + 2;
}

/**
 * The end of the last stanza (after "\n\n" or "\n\r\n", an empty line) within (from, to], or -1.
 * Searches only that window: an unbounded lastIndexOf would walk back over the whole buffer.
 */
function stanzaEndBefore(buf: Buffer, from: number, to: number): number {
  const view = buf.subarray(from, to);
  const lf = view.lastIndexOf('\n\n');
  const crlf = view.lastIndexOf('\n\r\n');
  const cut = Math.max(lf < 0 ? -1 : lf + 2, crlf < 0 ? -1 : crlf + 3);
  return cut > 0 ? from + cut : -1;
}

/** The end of the first stanza that ends after `at`, or -1 (the CRLF search stops at the first LF end). */
function stanzaEndAfter(buf: Buffer, at: number): number {
  const lf = buf.indexOf('\n\n', Math.max(0, at - 1));
  const start = Math.max(0, at - 2);
  const crlf = buf.subarray(start, lf < 0 ? buf.length : lf + 2).indexOf('\n\r\n');
  if (crlf >= 0) return start + crlf + 3;
  return lf < 0 ? -1 : lf + 2;
}

/**
 * The installed packages of a dpkg status file: stanzas whose Status is `install ok installed` (or
 * `hold`/`deinstall ok installed`: still unpacked and configured, so apt counts them as installed).
 */
export function parseStatus(text: string, file = 'status'): AptPackage[] {
  const out: AptPackage[] = [];
  const store = storeOfText(text, 'installed', file);
  scan(store, file, (e, line, index) => {
    const st = e.status?.split(/\s+/);
    if (!st || st.length !== 3 || st[1] !== 'ok' || st[2] !== 'installed') return;
    checkStanza(e, file, line);
    out.push(new ParsedPackage(e, store, index, line));
  });
  return out;
}

/**
 * Calls `cb` for every name in a stanza's relation fields in the order apt registers them (the
 * RELATION_FIELDS order, then Provides) without parsing the fields into objects when avoidable.
 */
export function forEachRelationName(p: AptPackage, cb: (name: string, archQual: string | undefined, provides: boolean) => void): void {
  if (p instanceof ParsedPackage) {
    for (let slot = 0; slot <= F_PROVIDES; slot++) p.eachName(slot, (n, q) => cb(n, q, slot === F_PROVIDES));
    return;
  }
  for (const groups of [p.preDepends, p.depends, p.conflicts, p.breaks, p.recommends, p.suggests, p.replaces, p.enhances]) {
    for (const g of groups) for (const r of g) cb(r.name, r.archQual, false);
  }
  for (const r of p.provides) cb(r.name, r.archQual, true);
}

/** Whether a stanza has a Provides field, without reading it when avoidable. */
export function hasProvides(p: AptPackage): boolean {
  return p instanceof ParsedPackage ? p.has(F_PROVIDES) : p.provides.length > 0;
}

/** Calls `cb` for every name in a stanza's Provides, without parsing the field when avoidable. */
export function forEachProvidedName(p: AptPackage, cb: (name: string, archQual: string | undefined) => void): void {
  if (p instanceof ParsedPackage) p.eachName(F_PROVIDES, cb);
  else for (const r of p.provides) cb(r.name, r.archQual);
}

/**
 * A parsed index in a compact form, for the parsed-index cache (parsed-index.ts): `resolve` holds
 * per stanza only the fields the resolver reads, as canonical deb822 lines (raw values unchanged, so
 * parseCompact gives back the very same packages); `more` holds Filename, Size, SHA256 and Source
 * per stanza, located by `starts`; `lines` keeps each stanza's line in the original file for
 * messages. Undefined when a package is not from a parse of this module.
 */
export interface CompactIndex {
  /** Latin1 bytes: per stanza the resolver's fields, stanzas separated by an empty line. */
  resolve: Buffer;
  /** Latin1 bytes: per stanza its artifact fields, concatenated; stanza i is starts[i]..starts[i+1]. */
  more: Buffer;
  starts: Int32Array;
  lines: Int32Array;
}

const RESOLVE_SLOTS = [...RELATION_FIELDS.map((_, i) => i), F_PROVIDES];
const MORE_SLOTS = [F_FILENAME, F_SIZE, F_SHA256, F_SOURCE];

/** A latin1 byte buffer that grows by doubling. */
class Bytes {
  buf = Buffer.allocUnsafe(1 << 20);
  length = 0;
  append(s: string): void {
    if (this.length + s.length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + s.length));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    this.length += this.buf.write(s, this.length, 'latin1');
  }
  done(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * Built in batches of stanzas straight into byte buffers: 126,000 per-stanza strings kept to the end
 * added ~160 MB to a cold lock's peak before they were collected.
 */
export function compactIndex(pkgs: readonly AptPackage[]): CompactIndex | undefined {
  const resolve = new Bytes();
  const more = new Bytes();
  const starts = new Int32Array(pkgs.length + 1);
  const lines = new Int32Array(pkgs.length);
  let rs: string[] = [];
  let ms: string[] = [];
  let at = 0;
  for (let i = 0; i < pkgs.length; i++) {
    const p = pkgs[i];
    if (!(p instanceof ParsedPackage)) return undefined;
    let r = `${i ? '\n' : ''}Package: ${p.name}\nVersion: ${p.version}\nArchitecture: ${p.arch}\n`;
    if (p.multiArch !== 'no') r += `Multi-Arch: ${p.multiArch}\n`;
    if (p.essential) r += 'Essential: yes\n';
    if (p.important) r += 'Important: yes\n';
    if (p.protected) r += 'Protected: yes\n';
    if (p.priority !== undefined) r += `Priority: ${p.priority}\n`;
    for (const slot of RESOLVE_SLOTS) {
      const v = p.raw(slot);
      if (v !== undefined) r += `${FIELD_NAMES[slot]}: ${v}\n`;
    }
    rs.push(r);
    let m = '';
    for (const slot of MORE_SLOTS) {
      const v = p.raw(slot);
      if (v !== undefined) m += `${FIELD_NAMES[slot]}: ${v}\n`;
    }
    ms.push(m);
    starts[i] = at;
    at += m.length;
    lines[i] = p.line;
    if (rs.length === 1024) {
      resolve.append(rs.join(''));
      more.append(ms.join(''));
      rs = [];
      ms = [];
    }
  }
  resolve.append(rs.join(''));
  more.append(ms.join(''));
  starts[pkgs.length] = at;
  return { resolve: resolve.done(), more: more.done(), starts, lines };
}

/** The packages of a compact form (both parts as latin1 bytes); throws when it does not match itself. */
export function parseCompact(resolve: Buffer, more: Buffer, starts: Int32Array, lines: Int32Array, source: string, file?: string): AptPackage[] {
  const out: AptPackage[] = [];
  const store = new Store(resolve, source, file, lines.length);
  const where = file ?? source;
  store.more = new MoreFields(more, starts, where);
  scan(store, where, (e, _line, index) => {
    if (index >= lines.length) throw new ReproError('FORMAT', `${where}: compact index has more stanzas than its header.`);
    checkStanza(e, where, lines[index]);
    out.push(new ParsedPackage(e, store, index, lines[index]));
  });
  if (out.length !== lines.length || starts.length !== lines.length + 1 || starts[lines.length] !== more.length) {
    throw new ReproError('FORMAT', `${where}: compact index does not match its own header.`);
  }
  return out;
}
