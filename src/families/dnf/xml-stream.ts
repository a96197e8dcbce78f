/**
 * A small streaming XML tokenizer for repository metadata (primary.xml). It reads the document in
 * string chunks and reports start tags (with attributes), end tags and, only where the handler asks
 * for it, the text of an element — so a 150 MB primary never exists as a DOM or as one string.
 *
 * Why not saxes: it parses the real CentOS AppStream primary at ~45 MB/s; this one, which only knows
 * the subset createrepo_c and libxml2 write (no DTD, no custom entities, no namespaces resolution),
 * is several times faster and is checked against saxes event for event in the tests. Anything
 * outside that subset (a DOCTYPE, an unknown entity, a stray `<`) is refused as FORMAT, with
 * file:line; tokens longer than `maxToken` are refused as LIMIT.
 */
import { ReproError } from '../../core/errors.js';

export interface XmlHandler {
  /**
   * A start tag. `attrs` is reused between calls (copy what you keep). Return true to receive the
   * element's text in `close`.
   */
  open(name: string, attrs: Attrs, selfClosing: boolean): boolean;
  close(name: string, text: string | undefined): void;
}

/**
 * The attributes of the current start tag. A tag has a handful, so parallel arrays scanned linearly
 * beat a Map (no hashing; names are interned, so the comparison is usually identity). Values are
 * kept as positions in the text and cut out only when asked for: most attributes of primary.xml
 * (`time`, the `size`s but one, `header-range`, `pkgid`, `pre`) are never read.
 */
export class Attrs {
  private readonly keys: string[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** A value with entities, already decoded; undefined where the value is the text as is. */
  private readonly decoded: (string | undefined)[] = [];
  private src = '';
  private n = 0;

  get(key: string): string | undefined {
    for (let i = 0; i < this.n; i++) if (this.keys[i] === key) return this.value(i);
    return undefined;
  }

  has(key: string): boolean {
    for (let i = 0; i < this.n; i++) if (this.keys[i] === key) return true;
    return false;
  }

  /** Callers check `has` first (a duplicate attribute is malformed XML). */
  set(key: string, src: string, from: number, to: number, decoded?: string): void {
    this.src = src;
    this.keys[this.n] = key;
    this.starts[this.n] = from;
    this.ends[this.n] = to;
    this.decoded[this.n++] = decoded;
  }

  clear(): void {
    this.n = 0;
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (let i = 0; i < this.n; i++) yield [this.keys[i], this.value(i)];
  }

  private value(i: number): string {
    return this.decoded[i] ?? this.src.slice(this.starts[i], this.ends[i]);
  }
}

export interface XmlLimits {
  /** Longest tag, comment or text run between two tags, in characters. */
  maxToken: number;
  maxDepth: number;
}

const DEFAULT_LIMITS: XmlLimits = { maxToken: 8 * 1024 * 1024, maxDepth: 64 };

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export class XmlStream {
  private buf = '';
  private pos = 0;
  /** A known (position in `buf`, 1-based line) pair, for `lineAt`. */
  private cursor = { pos: 0, line: 1 };
  private readonly stack: string[] = [];
  /** Text of the innermost element while the handler wants it. */
  private text = '';
  /** Depth of the element whose text is being collected; -1 when none is. */
  private textDepth = -1;
  private readonly attrs = new Attrs();
  /** Tag and attribute names repeat endlessly: one string each, found without allocating. */
  private readonly names = new NameTable();
  private seenRoot = false;
  /** Start of the markup being reported, for `line()`. */
  private tokenPos = 0;
  /** Caches of nextLt and nextAmp, valid for the `buf` of the current run. */
  private ltAt = -1;
  private ampAt = -1;
  private readonly limits: XmlLimits;

  constructor(
    private readonly handler: XmlHandler,
    private readonly what: string,
    limits: Partial<XmlLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  write(chunk: string): void {
    const line = this.lineAt(this.pos);
    const rest = this.pos < this.buf.length ? this.buf.slice(this.pos) : '';
    this.pos = 0;
    this.cursor = { pos: 0, line };
    if (!rest) {
      this.buf = chunk;
      this.run(false);
      return;
    }
    // The token left unfinished by the last chunk is finished on a short joined string (the rest
    // and the head of this chunk), not on a copy of the whole chunk: joining 1 MiB per write costs
    // as much as tokenizing it.
    for (let head = 4096; ; head *= 2) {
      const whole = head >= chunk.length;
      this.buf = rest + (whole ? chunk : chunk.slice(0, head));
      this.pos = 0;
      this.cursor = { pos: 0, line };
      this.run(false, rest.length);
      if (this.pos >= rest.length && !whole) break;
      if (whole) return; // a token longer than the chunk: it all waits for the next one
    }
    const at = this.pos - rest.length;
    const atLine = this.lineAt(this.pos);
    this.buf = chunk;
    this.pos = at;
    this.cursor = { pos: at, line: atLine };
    this.run(false);
  }

  /** Line of the tag the handler is being told about (1-based), for its own error messages. */
  line(): number {
    return this.lineAt(this.tokenPos);
  }

  end(): void {
    this.run(true);
    if (this.stack.length) this.fail(`unexpected end of document inside <${this.stack[this.stack.length - 1]}>`);
    if (!this.seenRoot) this.fail('no root element');
  }

  /** Tokenizes `buf` from `pos`; with `stopAt`, returns after the first token ending past it. */
  private run(final: boolean, stopAt = Infinity): void {
    const s = this.buf;
    const n = s.length;
    let pos = this.pos;
    this.ltAt = -1;
    this.ampAt = -1;
    while (pos < n && pos < stopAt) {
      const ltNext = this.nextLt(s, pos);
      const lt = ltNext < n ? ltNext : -1;
      const textEnd = lt === -1 ? n : lt;
      if (textEnd > pos) {
        if (lt === -1 && !final) {
          // Text may continue in the next chunk; keep it unless it is already too long.
          if (n - pos > this.limits.maxToken) this.limit(pos, `text longer than ${this.limits.maxToken} characters`);
          break;
        }
        this.onText(s, pos, textEnd);
        pos = textEnd;
        if (lt === -1) break;
      }
      // s[pos] === '<'
      const next = this.token(s, pos);
      if (next < 0) {
        if (final) this.fail('unterminated markup at end of document', pos);
        if (n - pos > this.limits.maxToken) this.limit(pos, `markup longer than ${this.limits.maxToken} characters`);
        break;
      }
      pos = next;
    }
    this.pos = pos;
  }

  /**
   * The first `<` (`&`) at or after `from` in `s`, or past its end when there is none. The answer is
   * kept while later questions ask from before it, so the text is scanned once per run, not once
   * per attribute or text run (two native scans per attribute measured as much as the parse of it).
   */
  private nextLt(s: string, from: number): number {
    if (this.ltAt < from) {
      const k = s.indexOf('<', from);
      this.ltAt = k < 0 ? NONE : k;
    }
    return this.ltAt;
  }

  private nextAmp(s: string, from: number): number {
    if (this.ampAt < from) {
      const k = s.indexOf('&', from);
      this.ampAt = k < 0 ? NONE : k;
    }
    return this.ampAt;
  }

  /** Handles the markup at `pos`; returns the index after it, or -1 when it is not complete yet. */
  private token(s: string, pos: number): number {
    const c = s.charCodeAt(pos + 1);
    if (c === 0x3f /* ? */) {
      const e = s.indexOf('?>', pos + 2);
      return e < 0 ? -1 : e + 2;
    }
    if (c === 0x21 /* ! */) {
      if (s.startsWith('<!--', pos)) {
        const e = s.indexOf('-->', pos + 4);
        return e < 0 ? -1 : e + 3;
      }
      if (s.startsWith('<![CDATA[', pos)) {
        const e = s.indexOf(']]>', pos + 9);
        if (e < 0) return -1;
        if (this.stack.length === this.textDepth) this.text += s.slice(pos + 9, e);
        else this.checkNoRootText(s, pos);
        return e + 3;
      }
      if (pos + 9 > s.length) return -1;
      this.fail('DOCTYPE and other declarations are not accepted in repository metadata', pos);
    }
    if (c === 0x2f /* / */) {
      const e = s.indexOf('>', pos + 2);
      if (e < 0) return -1;
      let ne = e;
      while (ne > pos + 2 && isSpace(s.charCodeAt(ne - 1))) ne--;
      const name = this.names.get(s, pos + 2, ne);
      const open = this.stack.pop();
      this.tokenPos = pos;
      if (open !== name) this.fail(open === undefined ? `</${name}> without a start tag` : `</${name}> closes <${open}>`, pos);
      this.closeElement(name);
      return e + 1;
    }
    if (Number.isNaN(c)) return -1;
    return this.startTag(s, pos);
  }

  private startTag(s: string, pos: number): number {
    const n = s.length;
    let i = pos + 1;
    while (i < n && !isSpace(s.charCodeAt(i)) && s.charCodeAt(i) !== 0x3e && s.charCodeAt(i) !== 0x2f) i++;
    if (i >= n) return -1;
    const name = this.names.get(s, pos + 1, i);
    if (!name) this.fail('"<" that starts no tag (must be written &lt;)', pos);
    const attrs = this.attrs;
    attrs.clear();
    for (;;) {
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      if (i >= n) return -1;
      const ch = s.charCodeAt(i);
      if (ch === 0x3e /* > */) {
        this.openElement(name, false, pos);
        return i + 1;
      }
      if (ch === 0x2f /* / */) {
        if (i + 1 >= n) return -1;
        if (s.charCodeAt(i + 1) !== 0x3e) this.fail(`malformed <${name}> tag`, pos);
        this.openElement(name, true, pos);
        return i + 2;
      }
      const k0 = i;
      while (i < n && isNameChar(s.charCodeAt(i))) i++;
      const key = this.names.get(s, k0, i);
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      if (i + 1 >= n) return -1;
      if (!key || s.charCodeAt(i) !== 0x3d /* = */) this.fail(`malformed attribute in <${name}>`, pos);
      let q = i + 1;
      while (q < n && isSpace(s.charCodeAt(q))) q++;
      if (q >= n) return -1;
      const quote = s.charCodeAt(q);
      if (quote !== 0x22 && quote !== 0x27) this.fail(`attribute ${key} of <${name}> is not quoted`, pos);
      const close = s.indexOf(quote === 0x22 ? '"' : "'", q + 1);
      if (close < 0) return -1;
      if (this.nextLt(s, q + 1) < close) this.fail(`"<" inside attribute ${key} of <${name}>`, pos);
      if (attrs.has(key)) this.fail(`duplicate attribute ${key} in <${name}>`, pos);
      attrs.set(key, s, q + 1, close, this.nextAmp(s, q + 1) < close ? this.decode(s.slice(q + 1, close), pos) : undefined);
      i = close + 1;
    }
  }

  private openElement(name: string, selfClosing: boolean, pos: number): void {
    if (this.stack.length === 0) {
      if (this.seenRoot) this.fail(`second root element <${name}>`, pos);
      this.seenRoot = true;
    }
    if (this.stack.length >= this.limits.maxDepth) this.limit(pos, `elements nested deeper than ${this.limits.maxDepth}`);
    this.tokenPos = pos;
    const wants = this.handler.open(name, this.attrs, selfClosing);
    if (this.textDepth !== -1) {
      // A child element: the outer element's text is no longer a plain leaf text.
      this.text = '';
      this.textDepth = -1;
    }
    if (selfClosing) {
      this.handler.close(name, wants ? '' : undefined);
      return;
    }
    this.stack.push(name);
    if (wants) {
      this.text = '';
      this.textDepth = this.stack.length;
    }
  }

  private closeElement(name: string): void {
    let text: string | undefined;
    if (this.textDepth === this.stack.length + 1) {
      text = this.text;
      this.text = '';
      this.textDepth = -1;
    }
    this.handler.close(name, text);
  }

  private onText(s: string, from: number, to: number): void {
    if (this.stack.length === this.textDepth) {
      // Usually one piece; more (CDATA, entities) are joined.
      const raw = s.slice(from, to);
      this.text += raw.includes('&') ? this.decode(raw, from) : raw;
    } else if (this.stack.length === 0) {
      this.checkNoRootText(s, from, to);
    } else if (this.nextAmp(s, from) < to) {
      // Not kept, but still checked: a malformed entity means a malformed document.
      this.decode(s.slice(from, to), from);
    }
  }

  private checkNoRootText(s: string, from: number, to = from + 1): void {
    for (let i = from; i < to; i++) if (!isSpace(s.charCodeAt(i))) this.fail('text outside the root element', i);
  }

  private decode(raw: string, pos: number): string {
    return raw.replace(/&([^;&\s]{0,10});?/g, (m, ent: string, at: number) => {
      const where = pos + at;
      if (!m.endsWith(';')) this.fail(`unterminated entity "${m}"`, where);
      if (ent[0] === '#') {
        const code = ent[1] === 'x' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
        if (!/^#(x[0-9a-fA-F]+|[0-9]+)$/.test(ent) || !(code > 0 && code <= 0x10ffff)) this.fail(`bad character reference "${m}"`, where);
        return String.fromCodePoint(code);
      }
      const v = ENTITIES[ent];
      if (v === undefined) this.fail(`unknown entity "${m}"`, where);
      return v;
    });
  }

  /** Line of `pos` in `buf`; counts forward from the last answer, so a pass stays linear. */
  private lineAt(pos: number): number {
    pos = Math.min(pos, this.buf.length);
    const c = pos >= this.cursor.pos ? this.cursor : { pos: 0, line: this.cursor.line - countLines(this.buf, 0, this.cursor.pos) };
    const line = c.line + countLines(this.buf, c.pos, pos);
    this.cursor = { pos, line };
    return line;
  }

  private fail(msg: string, pos = this.pos): never {
    throw new ReproError('FORMAT', `${this.what}:${this.lineAt(pos)}: ${msg}.`);
  }

  private limit(pos: number, what: string): never {
    throw new ReproError('LIMIT', `${this.what}:${this.lineAt(pos)}: ${what}; refusing the document.`);
  }
}

/**
 * Tag and attribute names, one string each, found without allocating: direct-mapped by first
 * character, last character and length (no Map: hashing a number key per tag and attribute was
 * measurable), then compared in place. Never grows past 4096 names (hostile input gets slices).
 */
class NameTable {
  private readonly slots: (string[] | undefined)[] = new Array<string[] | undefined>(NAME_SLOTS).fill(undefined);
  private size = 0;

  get(s: string, from: number, to: number): string {
    const len = to - from;
    const slot = (s.charCodeAt(from) * 31 + s.charCodeAt(to - 1) * 7 + len) & (NAME_SLOTS - 1);
    const list = this.slots[slot];
    if (list !== undefined) for (let i = 0; i < list.length; i++) if (list[i].length === len && s.startsWith(list[i], from)) return list[i];
    if (this.size >= 4096) return s.slice(from, to);
    // Internalized (a property key is V8's one copy of that text), so that comparing it with the
    // handler's literals ('rpm:entry', 'ver', …) compares pointers, not characters: 5 % less CPU.
    const name = Object.keys({ [s.slice(from, to)]: 0 })[0] ?? s.slice(from, to);
    this.size++;
    if (list !== undefined) list.push(name);
    else this.slots[slot] = [name];
    return name;
  }
}

const NAME_SLOTS = 1 << 12;
/** "Not in this text" for nextLt/nextAmp: past any string's end, and a small integer for V8. */
const NONE = 0x3fffffff;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** Letters, digits and `:_.-` (the names createrepo_c writes; anything else is refused). */
function isNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x3a) || c === 0x5f || c === 0x2e || c === 0x2d;
}

function countLines(s: string, from: number, to: number): number {
  let k = 0;
  for (let i = s.indexOf('\n', from); i !== -1 && i < to; i = s.indexOf('\n', i + 1)) k++;
  return k;
}
