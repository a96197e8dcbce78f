/**
 * The two family-independent guards `lock` runs on a finished lock: rollback against the lockfile
 * it replaces (per source, by signed metadata date) and the lockfile schema (so hostile metadata
 * cannot produce a lock that would be written but never read back).
 */
import { describe, expect, it } from 'vitest';
import { checkLockShape, checkRollback } from '../../src/app/rollback.js';
import type { Lockfile } from '../../src/core/lockfile/schema.js';
import { lock as makeLock, pkg } from '../support/locks.js';

function withSources(dates: Record<string, string | undefined>, base: Partial<Lockfile> = {}): Lockfile {
  const l = makeLock([pkg('curl', '7.88.1-10', { requested: true })]);
  return {
    ...l,
    ...base,
    sources: Object.entries(dates).map(([id, date]) => ({
      id,
      url: `https://snapshot.example/archive/${id}/`,
      metadata: { path: 'dists/x/InRelease', sha256: 'a'.repeat(64), signedBy: [], date },
      indexes: [],
    })),
  };
}

describe('checkRollback', () => {
  const prev = withSources({ 'debian/bookworm': '2025-05-17T09:12:00Z', 'debian/bookworm-updates': '2025-05-19T20:14:27Z' });

  it('refuses a source whose signed date went back, naming source, file, URL and both dates', () => {
    const next = withSources({ 'debian/bookworm': '2025-05-17T09:12:00Z', 'debian/bookworm-updates': '2025-05-01T00:00:00Z' });
    expect(() => checkRollback(prev, next, 'repro-get.lock.yaml')).toThrow(
      /debian\/bookworm-updates: dists\/x\/InRelease from https:\/\/snapshot\.example\/archive\/debian\/bookworm-updates\/ is dated 2025-05-01T00:00:00Z, older than the 2025-05-19T20:14:27Z that repro-get\.lock\.yaml recorded/,
    );
  });

  it('accepts the same or newer dates, new sources, sources without dates, and another distro', () => {
    expect(() => checkRollback(prev, withSources({ 'debian/bookworm': '2025-06-01T00:00:00Z', 'debian/bookworm-updates': '2025-05-19T20:14:27Z', new: '2020-01-01T00:00:00Z' }), 'x')).not.toThrow();
    expect(() => checkRollback(prev, withSources({ 'debian/bookworm': undefined }), 'x')).not.toThrow();
    expect(() => checkRollback(prev, withSources({ 'debian/bookworm': '2020-01-01T00:00:00Z' }, { distro: 'debian:trixie' }), 'x')).not.toThrow();
    expect(() => checkRollback(undefined, prev, 'x')).not.toThrow();
  });

  it('lets an explicit earlier snapshot go back, but not a snapshot at or after the old date', () => {
    const older = withSources({ 'debian/bookworm': '2025-05-10T00:00:00Z' });
    expect(() => checkRollback(prev, older, 'x', '2025-05-12T00:00:00Z')).not.toThrow();
    expect(() => checkRollback(prev, older, 'x', '2025-05-20T00:00:00Z')).toThrow(/rollback/);
  });
});

describe('checkLockShape', () => {
  it('refuses a lock the reader would refuse, naming the package and the field', () => {
    const l = makeLock([pkg('curl', '7.88.1-10', { requested: true })]);
    expect(() => checkLockShape(l, 'apt')).not.toThrow();
    const bad = { ...l, packages: [{ ...l.packages[0], filename: '../../etc/passwd' }] };
    expect(() => checkLockShape(bad, 'apt')).toThrow(/packages\.0\.filename \(curl 7\.88\.1-10 from .*\): a relative path without/);
  });
});
