/**
 * repodata/repomd.xml: the repository's root, listing each metadata file with its checksum (of the
 * compressed file), open-checksum (of its content) and sizes. It is small, so fast-xml-parser reads
 * it whole; only sha256 digests are trusted, as for apt.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ReproError } from '../../core/errors.js';
import { safeRelativePath } from '../../core/lockfile/schema.js';

export interface RepomdFile {
  type: string;
  /** Relative to the repository base URL, e.g. repodata/<hash>-primary.xml.zst. */
  location: string;
  sha256: string;
  size: number;
  /** Digest and size of the decompressed content, when repomd gives them (createrepo_c always does). */
  open?: { sha256: string; size: number };
  timestamp?: number;
}

export interface Repomd {
  revision?: string;
  /** Newest data timestamp, as ISO UTC: when the repository was last composed. */
  date?: string;
  files: Map<string, RepomdFile>;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  isArray: (name) => name === 'data',
});

type Node = Record<string, unknown>;

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim();
  if (v && typeof v === 'object' && typeof (v as Node)['#text'] === 'string') return ((v as Node)['#text'] as string).trim();
  return undefined;
}

function attr(v: unknown, name: string): string | undefined {
  return v && typeof v === 'object' && typeof (v as Node)[`@${name}`] === 'string' ? ((v as Node)[`@${name}`] as string) : undefined;
}

function num(v: unknown, what: string, field: string): number | undefined {
  const s = text(v);
  if (s === undefined) return undefined;
  if (!/^\d{1,15}$/.test(s)) throw new ReproError('FORMAT', `${what}: <${field}> "${s.slice(0, 40)}" is not a number.`);
  return Number(s);
}

export function parseRepomd(xml: string, what: string): Repomd {
  // No DTDs: repomd never has one, and entity declarations are how XML bombs work.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new ReproError('FORMAT', `${what}: DOCTYPE or ENTITY declarations are not accepted.`);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new ReproError('FORMAT', `${what}:${valid.err.line}: not well-formed XML: ${valid.err.msg}.`);
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (e) {
    // The validator passes some documents the parser then refuses (e.g. `<?"xml …?>`).
    throw new ReproError('FORMAT', `${what}: not well-formed XML: ${(e as Error).message}`);
  }
  const root = doc.repomd as Node | undefined;
  if (!root || typeof root !== 'object') throw new ReproError('FORMAT', `${what}: no <repomd> root element.`);
  const files = new Map<string, RepomdFile>();
  let newest = 0;
  for (const d of (root.data as Node[] | undefined) ?? []) {
    const type = attr(d, 'type');
    if (!type) throw new ReproError('FORMAT', `${what}: a <data> element has no type.`);
    const ctype = attr(d.checksum, 'type');
    const sum = text(d.checksum);
    const location = attr(d.location, 'href');
    const size = num(d.size, what, `${type} size`);
    if (!location || !sum || size === undefined) throw new ReproError('FORMAT', `${what}: <data type="${type}"> lacks a location, checksum or size.`);
    if (!safeRelativePath.safeParse(location).success) throw new ReproError('FORMAT', `${what}: <data type="${type}"> location "${location.slice(0, 200)}" is not a safe relative path.`);
    const timestamp = num(d.timestamp, what, `${type} timestamp`);
    if (timestamp && timestamp > newest) newest = timestamp;
    // Types with other digests (sha1, sha512) are skipped; a lock only fails if it needs one of them.
    if (ctype !== 'sha256' || !/^[0-9a-f]{64}$/.test(sum)) continue;
    const f: RepomdFile = { type, location, sha256: sum, size, timestamp };
    const osum = text(d['open-checksum']);
    const osize = num(d['open-size'], what, `${type} open-size`);
    if (attr(d['open-checksum'], 'type') === 'sha256' && osum && /^[0-9a-f]{64}$/.test(osum) && osize !== undefined) f.open = { sha256: osum, size: osize };
    if (files.has(type)) throw new ReproError('FORMAT', `${what}: two <data type="${type}"> entries.`);
    files.set(type, f);
  }
  return {
    revision: text(root.revision),
    date: newest ? new Date(newest * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined,
    files,
  };
}
