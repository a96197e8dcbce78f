/**
 * Rule 4's package IDs for the lists' names: apt numbers a name the first time it meets it while
 * reading the lists top to bottom (own name, relation names, provides, then `name:any` for
 * Multi-Arch: allowed). Numbering them means reading every relation of every stanza, so lock.ts
 * keeps the result in the cache beside the indexes it comes from.
 *
 * The table is a sorted list of names with their IDs, looked up by binary search: a warm lock
 * asks for a few hundred of its ~100,000 names, so it is read back as one string and an array,
 * without building a Map of every name (that took ~90 ms of a warm lock, and the GC after it).
 */
import { endianness } from 'node:os';
import type { AptPackage } from '../packages.js';
import { forEachRelationName } from '../packages.js';

/** Name → ID for the lists' names. */
export class ListIds {
  private constructor(
    /** Every name, sorted (UTF-16 code unit order), each followed by "\n". */
    private readonly names: string,
    /** Where each name starts in `names`, plus one past the end. */
    private readonly starts: Int32Array,
    /** The ID of each name, in the same sorted order. */
    private readonly ids: Int32Array,
  ) {}

  get size(): number {
    return this.ids.length;
  }

  get(key: string): number | undefined {
    let lo = 0;
    let hi = this.ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareAt(this.names, this.starts[mid], this.starts[mid + 1] - 1, key);
      if (c === 0) return this.ids[mid];
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Names in ID order (numbering the lists) → the table. */
  static fromOrder(order: readonly string[]): ListIds {
    const sorted = order.map((k, i) => i).sort((a, b) => (order[a] < order[b] ? -1 : order[a] > order[b] ? 1 : 0));
    const ids = new Int32Array(sorted.length);
    const starts = new Int32Array(sorted.length + 1);
    let at = 0;
    sorted.forEach((id, i) => {
      ids[i] = id;
      starts[i] = at;
      at += order[id].length + 1;
    });
    starts[sorted.length] = at;
    return new ListIds(sorted.map((id) => order[id] + '\n').join(''), starts, ids);
  }

  /** The cache form: a header line, the IDs (base64 Int32, little-endian), the sorted names. */
  encode(): string {
    const le = Buffer.alloc(this.ids.length * 4);
    for (let i = 0; i < this.ids.length; i++) le.writeInt32LE(this.ids[i], i * 4);
    return `${FORMAT} ${this.ids.length}\n${le.toString('base64')}\n${this.names}`;
  }

  /** Reads encode()'s output back; undefined when it is not one (then the lists are numbered again). */
  static decode(text: string): ListIds | undefined {
    const l1 = text.indexOf('\n');
    const l2 = text.indexOf('\n', l1 + 1);
    if (l1 < 0 || l2 < 0) return undefined;
    const head = /^(\S+) (\d+)$/.exec(text.slice(0, l1));
    if (!head || head[1] !== FORMAT) return undefined;
    const n = Number(head[2]);
    const le = Buffer.from(text.slice(l1 + 1, l2), 'base64');
    if (le.length !== n * 4) return undefined;
    // A copy (aligned, and the base64 buffer may be a slice of a shared pool); byte order fixed up
    // on a big-endian machine.
    const ids = new Int32Array(le.buffer.slice(le.byteOffset, le.byteOffset + n * 4));
    if (endianness() === 'BE') for (let i = 0; i < n; i++) ids[i] = le.readInt32LE(i * 4);
    const names = text.slice(l2 + 1);
    const starts = new Int32Array(n + 1);
    let at = 0;
    for (let i = 0; i < n; i++) {
      starts[i] = at;
      const nl = names.indexOf('\n', at);
      if (nl < 0) return undefined;
      at = nl + 1;
    }
    starts[n] = at;
    if (at !== names.length) return undefined;
    // Sorted, distinct, and each ID once: otherwise a lookup could silently answer wrongly.
    const seen = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (ids[i] < 0 || ids[i] >= n || seen[ids[i]]) return undefined;
      seen[ids[i]] = 1;
      if (i > 0 && compareRanges(names, starts[i - 1], starts[i] - 1, starts[i], starts[i + 1] - 1) >= 0) return undefined;
    }
    return new ListIds(names, starts, ids);
  }
}

/** Names the numbering rules and the cache form: bumped when either changes. */
export const LIST_IDS_FORMAT = 'apt-list-ids-2';
const FORMAT = LIST_IDS_FORMAT;

/** names[start..end) against key, in UTF-16 code unit order (what < on strings does). */
function compareAt(names: string, start: number, end: number, key: string): number {
  const n = Math.min(end - start, key.length);
  for (let i = 0; i < n; i++) {
    const d = names.charCodeAt(start + i) - key.charCodeAt(i);
    if (d !== 0) return d;
  }
  return end - start - key.length;
}

function compareRanges(s: string, a: number, aEnd: number, b: number, bEnd: number): number {
  const n = Math.min(aEnd - a, bEnd - b);
  for (let i = 0; i < n; i++) {
    const d = s.charCodeAt(a + i) - s.charCodeAt(b + i);
    if (d !== 0) return d;
  }
  return aEnd - a - (bEnd - b);
}

/** Numbers names in the order apt meets them in `list` (see assignIds). Same keys as Universe's. */
export function visitNames(list: readonly AptPackage[], native: string, visit: (key: string) => void): void {
  for (const p of list) {
    const arch = p.arch === 'all' ? native : p.arch;
    const own = arch === native ? p.name : `${p.name}:${arch}`;
    visit(own);
    forEachRelationName(p, (name, qual) => visit(qual === undefined ? (arch === native ? name : `${name}:${arch}`) : qual === 'any' ? `${name}:any` : qual === 'native' || qual === native ? name : `${name}:${qual}`));
    if (p.multiArch === 'allowed') visit(`${p.name}:any`);
  }
}

/** The lists' IDs, per lists array and native architecture. */
const byLists = new WeakMap<readonly AptPackage[], Map<string, ListIds>>();

/** The lists' part of the IDs: depends only on the lists, so shared by every universe over the same array. */
export function listIdsFor(available: readonly AptPackage[], native: string): ListIds {
  let byArch = byLists.get(available);
  if (!byArch) byLists.set(available, (byArch = new Map()));
  let ids = byArch.get(native);
  if (!ids) {
    const seen = new Set<string>();
    visitNames(available, native, (key) => void seen.add(key));
    byArch.set(native, (ids = ListIds.fromOrder([...seen])));
  }
  return ids;
}

/** The cache form of the lists' IDs (see ListIds.encode). */
export function encodeListIds(available: readonly AptPackage[], native: string): string {
  return listIdsFor(available, native).encode();
}

/** Takes an encodeListIds result for these lists instead of numbering them again; false if it is not one. */
export function presetListIds(available: readonly AptPackage[], native: string, text: string): boolean {
  const ids = ListIds.decode(text);
  if (!ids) return false;
  let byArch = byLists.get(available);
  if (!byArch) byLists.set(available, (byArch = new Map()));
  byArch.set(native, ids);
  return true;
}
