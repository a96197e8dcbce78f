/**
 * How every family's `verify` words what it finds, so `repro-get verify` reads the same for each:
 * a changed signed root, a package no longer listed, a package whose signed facts differ from the
 * lock (expected = the lock, actual = the signed metadata). Families only find the signed entry.
 */
import type { Lockfile, LockedPackage } from '../core/lockfile/schema.js';
import type { VerifyReport } from './family.js';

type Source = Lockfile['sources'][number];

/** What the signed metadata says about one locked package (undefined: not known from it). */
export interface SignedEntry {
  sha256?: string;
  size?: number;
  filename?: string;
  /** Detached package signature (base64), for families that lock one. */
  signature?: string;
}

export function newReport(): VerifyReport {
  return { checked: 0, problems: [] };
}

export function reportMetadata(report: VerifyReport, s: Source, actualSha256: string): void {
  if (actualSha256 === s.metadata.sha256) return;
  report.problems.push({
    what: `${s.id}: ${s.metadata.path}`,
    expected: s.metadata.sha256,
    actual: actualSha256,
    note: 'the signed metadata at this URL changed since the lock was made (a snapshot URL should never change)',
  });
}

export const packageLabel = (p: LockedPackage): string => `${p.name} ${p.version} ${p.arch}`;

/** Counts `p` as checked. `listed`: other versions of the name the index now has, named in the note when the locked one is gone. */
export function reportMissing(report: VerifyReport, p: LockedPackage, listed: string[] = []): void {
  report.checked++;
  const now = listed.length ? `; the index lists ${p.name} ${listed.join(', ')}` : '';
  report.problems.push({ what: packageLabel(p), expected: p.sha256, actual: '(not in the signed index)', note: `no longer listed in ${p.source}${now}` });
}

/** Counts `p` as checked and reports every locked fact the signed entry contradicts. */
export function reportPackage(report: VerifyReport, p: LockedPackage, e: SignedEntry): void {
  report.checked++;
  const differs = (a: unknown, b: unknown) => a !== undefined && a !== b;
  if (differs(e.sha256, p.sha256) || differs(e.size, p.size) || differs(e.filename, p.filename) || e.sha256 === undefined) {
    const fact = (sha: string | undefined, size: number | undefined, file: string | undefined) => `${sha ?? '(no sha256)'} (${size ?? '?'} bytes, ${file ?? '?'})`;
    report.problems.push({ what: packageLabel(p), expected: fact(p.sha256, p.size, p.filename), actual: fact(e.sha256, e.size ?? p.size, e.filename ?? p.filename) });
  }
  if (e.signature !== undefined && p.signature !== undefined && e.signature !== p.signature) {
    const short = (sig: string) => `signature of ${Buffer.from(sig, 'base64').length} bytes ending …${sig.slice(-16)}`;
    report.problems.push({ what: `${packageLabel(p)}: signature`, expected: short(p.signature), actual: short(e.signature), note: 'the package signature in the index differs from the locked one' });
  }
}
