/**
 * A fast reader for the block YAML the lock writer emits (write.ts: YAML.stringify, two-space
 * indent, indented sequences, no line folding). `yaml.parseDocument` builds a full CST and document
 * with positions for every node, which costs ~0.5 s for a 150-package lock on a busy 2-core machine;
 * this reads the same text in one pass over its lines.
 *
 * It is only a shortcut, never an authority: anything outside the narrow subset below (a tab, a
 * comment after a value, a multi-line scalar, an escape, an anchor, a tag, a flow collection other
 * than [] or {}, a duplicate key, a plain scalar YAML would read as something other than a string,
 * integer or boolean, non-ASCII text…) returns undefined, and the caller parses the text with the
 * yaml library instead, which also gives the file:line errors. Where it does answer, the result is
 * what YAML.parse returns for the same text (a property test compares the two).
 */

type Value = string | number | boolean | Value[] | { [k: string]: Value };

/** Parsed lines: indentation and the text after it (blank and comment-only lines are dropped). */
interface Line {
  indent: number;
  text: string;
}

class Unsupported extends Error {}
const bail = (): never => {
  throw new Unsupported();
};

const KEY = /^([A-Za-z][A-Za-z0-9_]*):(?: |$)/;
// Plain scalars the YAML 1.2 core schema reads as null, bool, int or float (yaml's own tests).
const SPECIAL = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const INT = /^(?:0|[1-9][0-9]{0,14})$/;
// A plain scalar may not start with an indicator; we also refuse "-x", "?x" and ":x" (legal YAML).
const INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`]/;

/** The document as plain data, or undefined when the text is not in the subset (parse it with yaml). */
export function parseCanonicalYaml(text: string): unknown {
  // Printable ASCII and LF only: no tabs, CR, BOM or characters YAML treats specially.
  if (/[^\x20-\x7e\n]/.test(text)) return undefined;
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    const indent = raw.length - raw.trimStart().length;
    const body = raw.slice(indent);
    if (body === '') return undefined; // whitespace-only line
    if (body[0] === '#') continue; // a whole-line comment
    if (body.endsWith(' ')) return undefined;
    lines.push({ indent, text: body });
  }
  if (!lines.length || lines[0].indent !== 0) return undefined;
  try {
    const r = new Reader(lines);
    const value = r.block(0);
    if (r.i !== lines.length || Array.isArray(value)) return undefined;
    return value;
  } catch {
    return undefined; // Unsupported, or anything else (a stack overflow on absurd nesting): ask yaml
  }
}

class Reader {
  i = 0;
  constructor(private readonly lines: Line[]) {}

  /** The block (mapping or sequence) whose first line is the current one, at `indent`. */
  block(indent: number): Value {
    const l = this.lines[this.i];
    if (!l || l.indent !== indent) return bail();
    return l.text === '-' || l.text.startsWith('- ') ? this.sequence(indent) : this.mapping(indent);
  }

  private mapping(indent: number): { [k: string]: Value } {
    const out: { [k: string]: Value } = {};
    const seen = new Set<string>();
    for (let l = this.lines[this.i]; l && l.indent >= indent; l = this.lines[this.i]) {
      if (l.indent > indent) bail();
      const m = KEY.exec(l.text) ?? bail();
      const key = m[1];
      if (SPECIAL.test(key) || seen.has(key)) bail();
      seen.add(key);
      const rest = l.text.slice(m[0].length);
      this.i++;
      if (rest !== '') {
        out[key] = scalar(rest);
        continue;
      }
      // "key:" alone: a nested block, indented deeper (a sequence at the key's own indent, or an
      // empty value meaning null, are legal YAML the writer never emits).
      const next = this.lines[this.i];
      if (!next || next.indent <= indent) bail();
      out[key] = this.block(next.indent);
    }
    return out;
  }

  private sequence(indent: number): Value[] {
    const out: Value[] = [];
    for (let l = this.lines[this.i]; l && l.indent >= indent; l = this.lines[this.i]) {
      if (l.indent > indent || !l.text.startsWith('- ')) bail();
      const rest = l.text.slice(2);
      if (rest[0] === ' ' || rest.startsWith('- ')) bail();
      if (KEY.test(rest)) {
        // "- key: value": a mapping whose first line starts after the dash, at indent + 2.
        this.lines[this.i] = { indent: indent + 2, text: rest };
        out.push(this.mapping(indent + 2));
      } else {
        out.push(scalar(rest));
        this.i++;
      }
    }
    return out;
  }
}

/** A one-line value: [] or {}, a single- or double-quoted string, or a plain scalar. */
function scalar(s: string): Value {
  if (s[0] === ' ') bail();
  if (s === '[]') return [];
  if (s === '{}') return {};
  const q = s[0];
  if (q === "'") {
    if (s.length < 2 || !s.endsWith("'")) bail();
    const inner = s.slice(1, -1);
    // '' is a quote; a lone ' would end the string early.
    if (inner.replaceAll("''", '').includes("'")) bail();
    return inner.replaceAll("''", "'");
  }
  if (q === '"') {
    if (s.length < 2 || !s.endsWith('"')) bail();
    const inner = s.slice(1, -1);
    // Only the escapes \" and \\ (the writer's, for text with both kinds of quote).
    if (!/^(?:[^"\\]|\\["\\])*$/.test(inner)) bail();
    return inner.replace(/\\(["\\])/g, '$1');
  }
  if (INDICATOR.test(s) || s.includes(': ') || s.includes(' #') || s.endsWith(':')) bail();
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (INT.test(s)) return Number(s);
  if (SPECIAL.test(s)) bail();
  return s;
}
