/**
 * A database's parsed form as derived cache data (source.ts keys it by the database's digest), so a
 * warm lock reads JSON back instead of decompressing and parsing 13 MB of tar again.
 *
 * The JSON is written with every non-ASCII character escaped (`\u00e9`): a handful of %DESC%
 * values hold UTF-8, and one of them makes the whole 4 MB text a two-byte string, which JSON.parse
 * reads markedly slower (extra: ~215 ms CPU for read + parse before, ~160 ms after, under load).
 * Entries read back pass the same checks as freshly parsed ones; anything unreadable is a miss.
 */
import { checkPackage } from './db.js';
import type { PacmanPackage } from './desc.js';

/** Bump when PacmanPackage, the parser or this encoding changes, so old entries are not read. */
export const PARSED_FORMAT = 'repro-get pacman parsed database v2';

export function encodeParsed(packages: PacmanPackage[]): string {
  return JSON.stringify(packages).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function reviveParsed(text: string | undefined, repo: string, what: string): PacmanPackage[] | undefined {
  if (text === undefined) return undefined;
  try {
    const list = JSON.parse(text) as PacmanPackage[];
    if (!Array.isArray(list)) return undefined;
    for (const p of list) {
      if (p.repo !== repo || !Array.isArray(p.depends) || !Array.isArray(p.provides) || !Array.isArray(p.conflicts) || !Array.isArray(p.groups)) return undefined;
      checkPackage(p, `${p.name}-${p.version}`, what);
    }
    return list;
  } catch {
    return undefined;
  }
}
