/**
 * The committed fixture repositories (fixtures/pacman/repo, built by fixtures/pacman/build.sh with
 * makepkg and repo-add) and a distros folder for the tests: a copy of distros/arch.yaml whose
 * keyrings also hold the TEST ONLY packager key (and, for `arch-revoked`, list it as revoked), so
 * lock and install trust the fixture signatures exactly as they trust Arch's.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const FIXTURE = fileURLToPath(new URL('../../../../fixtures/pacman/', import.meta.url));
export const FIXTURE_REPO = join(FIXTURE, 'repo');
export const PACKAGER_KEY = join(FIXTURE, 'keys/packager.pub.asc');
export const UNTRUSTED_SECRET = join(FIXTURE, 'keys/untrusted.secret.asc');
const DISTROS = fileURLToPath(new URL('../../../../distros/', import.meta.url));

export const fixtureDb = (id: string): string => join(FIXTURE_REPO, id, 'os/x86_64', `${id}.db`);
export const fixtureDir = (id: string): string => join(FIXTURE_REPO, id, 'os/x86_64');

export function fingerprintOf(armored: string): string {
  const m = /`([0-9A-F]{40})`/.exec(readFileSync(join(FIXTURE, 'keys/README.md'), 'utf8').split('\n').find((l) => l.includes(armored)) ?? '');
  if (!m) throw new Error(`no fingerprint for ${armored} in fixtures/pacman/keys/README.md`);
  return m[1];
}

/** Writes `arch.yaml` (fixture key trusted) and `arch-revoked.yaml` (also revoked from 2024-01-01). */
export function fixtureDistros(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rg-pacman-distros-'));
  const arch = YAML.parse(readFileSync(join(DISTROS, 'arch.yaml'), 'utf8'));
  const abs = (k: { date: string; keys: string; revoked: string }) => ({ ...k, keys: join(DISTROS, k.keys), revoked: join(DISTROS, k.revoked) });
  const empty = join(dir, 'none-revoked');
  writeFileSync(empty, '');
  const revoked = join(dir, 'fixture-revoked');
  writeFileSync(revoked, `${fingerprintOf('packager.pub.asc')}\n`);
  const copies = arch.keyrings.map(abs);
  writeFileSync(join(dir, 'arch.yaml'), YAML.stringify({ ...arch, keyrings: [...copies, { date: '2024-01-01', keys: PACKAGER_KEY, revoked: empty }] }));
  writeFileSync(join(dir, 'arch-revoked.yaml'), YAML.stringify({ ...arch, name: 'arch-revoked', keyrings: [...copies, { date: '2024-01-01', keys: PACKAGER_KEY, revoked }] }));
  return dir;
}
