/**
 * Typed errors. Every failure a user can cause or meet carries a stable code, a one-paragraph
 * message saying what is wrong, and (where there is one) a hint saying how to fix it. The CLI prints
 * these and exits non-zero; anything else escaping is a bug and is printed with its stack.
 */
export type ErrorCode =
  | 'SPEC' // repro-get.yaml is malformed
  | 'LOCKFILE' // a lockfile is malformed, too new, or fails its schema
  | 'USAGE' // bad command-line arguments
  | 'NOT_FOUND' // unknown package name
  | 'NO_VERSION' // pinned version does not exist
  | 'UNSATISFIABLE' // dependencies cannot be met
  | 'CONFLICT' // a solution would violate Conflicts/Breaks
  | 'SIGNATURE' // a signature is missing, bad, or made by an untrusted key
  | 'HASH' // a digest or size does not match the signed value
  | 'NETWORK' // every URL tried failed
  | 'FORMAT' // repository metadata is malformed
  | 'LIMIT' // a hostile-input bound was hit (size, ratio, line length)
  | 'INSTALL' // the native installer failed or the result differs from the lock
  | 'ARCH'; // the lock is for another architecture

export class ReproError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  /** Extra structured detail for --json output (URLs tried, expected/actual digests, chains). */
  readonly detail?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; detail?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ReproError';
    this.code = code;
    this.hint = opts.hint;
    this.detail = opts.detail;
  }
}

export function isReproError(e: unknown): e is ReproError {
  return e instanceof ReproError;
}

/** Levenshtein distance, bounded: used to suggest close package names. */
export function editDistance(a: string, b: string, max = 3): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

/**
 * Close names for "did you mean": small edit distance first, then names that contain the query
 * (users type `python` for `python3`). Deterministic: ties sort by name.
 */
export function closeNames(query: string, names: Iterable<string>, limit = 5): string[] {
  const scored: [number, string][] = [];
  const q = query.toLowerCase();
  for (const n of names) {
    const d = editDistance(q, n.toLowerCase(), 3);
    if (d <= Math.max(1, Math.min(3, Math.floor(q.length / 3)))) scored.push([d, n]);
    else if (q.length >= 3 && n.startsWith(q)) scored.push([4 + n.length - q.length, n]);
  }
  scored.sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
  return scored.slice(0, limit).map((s) => s[1]);
}
