/**
 * Relation fields (Depends, Pre-Depends, Recommends, Conflicts, Breaks, Provides, …) as dpkg and apt
 * read them: `,` separates groups, `|` alternatives, each `name[:archqual] [(op version)] [[archs]]
 * [<profiles>…]`. A hand-written scanner: the resolver parses these for tens of thousands of stanzas.
 */
import { ReproError } from '../../core/errors.js';
import { compareDebVersions } from './version.js';

export type RelOp = '<<' | '<=' | '=' | '>=' | '>>';

export interface Relation {
  name: string;
  /** `any`, `native` or an architecture name, from `name:qual`. */
  archQual?: string;
  op?: RelOp;
  version?: string;
}

export type OrGroup = Relation[];

export interface RelationOptions {
  /** When set, alternatives whose `[arch list]` excludes this architecture are dropped. */
  arch?: string;
  /** When set, alternatives whose `<profile formula>` is false for these active profiles are dropped. */
  profiles?: readonly string[];
  /** For error messages. */
  where?: string;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

// Characters that end a package name (or a version inside parentheses).
function isNameEnd(c: number): boolean {
  return isSpace(c) || c === 44 /* , */ || c === 124 /* | */ || c === 40 /* ( */ || c === 58 /* : */ || c === 91 /* [ */ || c === 60 /* < */;
}

/** Maps the operator as written to dpkg's canonical one; `<` and `>` are the obsolete `<=`, `>=`. */
function canonicalOp(op: string): RelOp | undefined {
  switch (op) {
    case '<<':
    case '<=':
    case '=':
    case '>=':
    case '>>':
      return op;
    case '<':
      return '<=';
    case '>':
      return '>=';
    default:
      return undefined;
  }
}

/** Debian architecture wildcard match: `any`, `linux-any`, `any-amd64`, or an exact name. */
function archMatches(pattern: string, arch: string): boolean {
  if (pattern === arch || pattern === 'any') return true;
  // Every architecture this tool handles is a Linux one, so `<os>-<cpu>` is `linux-<arch>` for them.
  const [os, cpu] = pattern.includes('-') ? pattern.split('-', 2) : ['linux', pattern];
  return (os === 'any' || os === 'linux') && (cpu === 'any' || cpu === arch);
}

function archListAllows(list: string[], arch: string): boolean {
  const negated = list.length > 0 && list[0].startsWith('!');
  if (negated) return list.every((p) => !archMatches(p.slice(1), arch));
  return list.some((p) => archMatches(p, arch));
}

/** `<a !b> <c>`: the alternative holds when any `<…>` term has all its literals true. */
function profilesAllow(terms: string[][], active: readonly string[]): boolean {
  return terms.some((t) => t.every((lit) => (lit.startsWith('!') ? !active.includes(lit.slice(1)) : active.includes(lit))));
}

function formatError(text: string, where: string | undefined, what: string): ReproError {
  const shown = JSON.stringify(text.length > 200 ? text.slice(0, 200) + '…' : text);
  return new ReproError('FORMAT', `${where ?? 'relation'}: ${what} in ${shown}.`);
}

/**
 * Parses a relation field into or-groups. Empty groups (all alternatives filtered away) are dropped.
 * Every Relation gets the same four properties (absent ones undefined) so they share one shape.
 */
export function parseRelations(text: string, opts: RelationOptions = {}): OrGroup[] {
  const groups: OrGroup[] = [];
  const n = text.length;
  let i = 0;
  let group: OrGroup = [];
  for (;;) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) break; // empty text, or a trailing comma (apt and dpkg accept it)
    const start = i;
    while (i < n && !isNameEnd(text.charCodeAt(i))) i++;
    if (i === start) throw formatError(text, opts.where, `expected a package name at offset ${i}`);
    const name = text.slice(start, i);
    let archQual: string | undefined;
    let op: RelOp | undefined;
    let version: string | undefined;
    if (i < n && text.charCodeAt(i) === 58) {
      const q = ++i;
      while (i < n && !isNameEnd(text.charCodeAt(i))) i++;
      if (i === q) throw formatError(text, opts.where, 'empty architecture qualifier');
      archQual = text.slice(q, i);
    }
    let keep = true;
    for (;;) {
      while (i < n && isSpace(text.charCodeAt(i))) i++;
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === 40) {
        // (op version)
        let j = i + 1;
        while (j < n && isSpace(text.charCodeAt(j))) j++;
        const os = j;
        while (j < n && (text.charCodeAt(j) === 60 || text.charCodeAt(j) === 61 || text.charCodeAt(j) === 62)) j++;
        op = canonicalOp(text.slice(os, j));
        if (!op) throw formatError(text, opts.where, `bad operator ${JSON.stringify(text.slice(os, j))}`);
        while (j < n && isSpace(text.charCodeAt(j))) j++;
        const vs = j;
        while (j < n && !isSpace(text.charCodeAt(j)) && text.charCodeAt(j) !== 41) j++;
        const ve = j;
        while (j < n && isSpace(text.charCodeAt(j))) j++;
        if (ve === vs || j >= n || text.charCodeAt(j) !== 41) throw formatError(text, opts.where, 'bad version in "(…)"');
        version = text.slice(vs, ve);
        i = j + 1;
      } else if (c === 91) {
        const close = text.indexOf(']', i);
        if (close < 0) throw formatError(text, opts.where, 'unclosed "["');
        const list = text.slice(i + 1, close).trim().split(/\s+/).filter(Boolean);
        if (opts.arch !== undefined && !archListAllows(list, opts.arch)) keep = false;
        i = close + 1;
      } else if (c === 60) {
        // Build profiles: one or more `<…>` terms.
        const terms: string[][] = [];
        while (i < n && text.charCodeAt(i) === 60) {
          const close = text.indexOf('>', i);
          if (close < 0) throw formatError(text, opts.where, 'unclosed "<"');
          terms.push(text.slice(i + 1, close).trim().split(/\s+/).filter(Boolean));
          i = close + 1;
          while (i < n && isSpace(text.charCodeAt(i))) i++;
        }
        if (opts.profiles !== undefined && !profilesAllow(terms, opts.profiles)) keep = false;
      } else break;
    }
    if (keep) group.push({ name, archQual, op, version });
    if (i >= n) {
      if (group.length > 0) groups.push(group);
      break;
    }
    const c = text.charCodeAt(i);
    if (c === 124) {
      i++;
      while (i < n && isSpace(text.charCodeAt(i))) i++;
      if (i >= n || text.charCodeAt(i) === 44 || text.charCodeAt(i) === 124) throw formatError(text, opts.where, 'empty alternative after "|"');
    } else if (c === 44) {
      i++;
      if (group.length > 0) groups.push(group);
      group = [];
    } else throw formatError(text, opts.where, `unexpected ${JSON.stringify(text[i])} at offset ${i}`);
  }
  return groups;
}

/** Provides: a flat list of `name [(= version)]`. */
export function parseProvides(text: string, opts: RelationOptions = {}): Relation[] {
  const out: Relation[] = [];
  for (const g of parseRelations(text, opts)) {
    for (const r of g) {
      if (r.op !== undefined && r.op !== '=') {
        throw new ReproError('FORMAT', `${opts.where ?? 'Provides'}: only "=" is allowed in Provides, got ${formatRelation(r)}.`);
      }
      out.push(r);
    }
  }
  return out;
}

/** True when `version` satisfies `op target` (an unversioned relation is always satisfied). */
export function versionSatisfies(version: string, op: RelOp | undefined, target: string | undefined): boolean {
  if (op === undefined || target === undefined) return true;
  const c = compareDebVersions(version, target);
  switch (op) {
    case '<<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '=':
      return c === 0;
    case '>=':
      return c >= 0;
    case '>>':
      return c > 0;
  }
}

/** `name:qual (op version)` as written in control files. */
export function formatRelation(r: Relation): string {
  const n = r.archQual ? `${r.name}:${r.archQual}` : r.name;
  return r.op ? `${n} (${r.op} ${r.version})` : n;
}

export function formatGroup(g: OrGroup): string {
  return g.map(formatRelation).join(' | ');
}

/**
 * Calls `cb(name, archQual)` for each alternative of a relation field, in order, without building
 * Relation objects: the resolver needs every name of every stanza once (apt's package IDs) but the
 * full relations of only a few hundred. Assumes a well-formed field (parseRelations validates).
 */
export function scanRelationNames(text: string, cb: (name: string, archQual: string | undefined) => void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    const start = i;
    while (i < n && !isNameEnd(text.charCodeAt(i))) i++;
    if (i === start) {
      i++;
      continue;
    }
    const name = text.slice(start, i);
    let qual: string | undefined;
    if (i < n && text.charCodeAt(i) === 58) {
      const q = ++i;
      while (i < n && !isNameEnd(text.charCodeAt(i))) i++;
      qual = text.slice(q, i);
    }
    cb(name, qual);
    // Skip to the next alternative or group: past any (…), […], <…>.
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 44 || c === 124) {
        i++;
        break;
      }
      if (c === 40 || c === 91 || c === 60) {
        const close = text.indexOf(c === 40 ? ')' : c === 91 ? ']' : '>', i);
        i = close < 0 ? n : close + 1;
      } else i++;
    }
  }
}
