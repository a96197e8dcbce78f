/**
 * Release / InRelease content: the signed list of index files with their sizes and SHA256 digests.
 * MD5Sum and SHA1 sections are ignored: only SHA256 is trusted.
 */
import { ReproError } from '../../core/errors.js';
import { parseStanzas, field } from './deb822.js';

export interface ReleaseFile {
  sha256: string;
  size: number;
}

export interface Release {
  suite?: string;
  codename?: string;
  origin?: string;
  /** ISO UTC, from the Date field. */
  date?: string;
  validUntil?: string;
  acquireByHash: boolean;
  architectures: string[];
  components: string[];
  /** path relative to dists/<suite>/ → digest */
  files: Map<string, ReleaseFile>;
}

/** RFC 2822 dates as dak writes them ("Sat, 17 May 2025 09:12:00 UTC") → ISO UTC without millis. */
export function releaseDate(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const t = Date.parse(s.replace(/\bUTC\b/, 'GMT'));
  if (Number.isNaN(t)) return undefined;
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function parseRelease(text: string, what: string): Release {
  const stanzas = parseStanzas(text, what);
  if (stanzas.length !== 1) throw new ReproError('FORMAT', `${what}: expected one Release stanza, found ${stanzas.length}.`);
  const s = stanzas[0];
  const files = new Map<string, ReleaseFile>();
  const sums = field(s, 'SHA256');
  if (!sums) throw new ReproError('FORMAT', `${what}: no SHA256 field, so no index file can be verified.`, { hint: 'Only SHA256-listed indexes are accepted.' });
  for (const line of sums.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    const m = /^([0-9a-f]{64})\s+(\d+)\s+(\S+)$/.exec(t);
    if (!m) throw new ReproError('FORMAT', `${what}: malformed SHA256 line ${JSON.stringify(t.slice(0, 120))}.`);
    files.set(m[3], { sha256: m[1], size: Number(m[2]) });
  }
  const dateRaw = field(s, 'Date');
  const date = releaseDate(dateRaw);
  if (dateRaw && !date) throw new ReproError('FORMAT', `${what}: unreadable Date ${JSON.stringify(dateRaw)}.`);
  return {
    suite: field(s, 'Suite'),
    codename: field(s, 'Codename'),
    origin: field(s, 'Origin'),
    date,
    validUntil: releaseDate(field(s, 'Valid-Until')),
    acquireByHash: (field(s, 'Acquire-By-Hash') ?? '').toLowerCase() === 'yes',
    architectures: (field(s, 'Architectures') ?? '').split(/\s+/).filter(Boolean),
    components: (field(s, 'Components') ?? '').split(/\s+/).filter(Boolean),
    files,
  };
}
