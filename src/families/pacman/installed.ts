/**
 * The base system from a `pacman -Q` listing (`name version` per line). pacman -Q prints no
 * provides or dependencies, so each installed package borrows them from the snapshot's entry of
 * the same name and version, else of the same name (its provides are then those of another
 * build: the README lists this under known differences).
 */
import { ReproError } from '../../core/errors.js';
import type { PacmanPackage } from './desc.js';
import { emptyPackage } from './desc.js';
import type { Repo } from './universe.js';

const MAX_LINE = 4096;
const MAX_PACKAGES = 100_000;

export function parsePacmanQ(text: string, file: string): { name: string; version: string }[] {
  const out: { name: string; version: string }[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '').trim();
    if (line.length > MAX_LINE) throw new ReproError('LIMIT', `${file}:${i + 1}: line of ${line.length} characters exceeds ${MAX_LINE}`);
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z0-9@_+][A-Za-z0-9@._+-]*) ([^\s/]+)$/.exec(line);
    if (!m) throw new ReproError('FORMAT', `${file}:${i + 1}: expected "name version" as \`pacman -Q\` prints it, found "${line.slice(0, 80)}"`);
    if (seen.has(m[1])) throw new ReproError('FORMAT', `${file}:${i + 1}: ${m[1]} is listed twice`);
    if (out.length >= MAX_PACKAGES) throw new ReproError('LIMIT', `${file}: more than ${MAX_PACKAGES} packages`);
    seen.add(m[1]);
    out.push({ name: m[1], version: m[2] });
  }
  return out;
}

export function installedFromListing(listing: { name: string; version: string }[], repos: Repo[]): { packages: PacmanPackage[]; borrowed: string[]; unknown: string[] } {
  const borrowed: string[] = [];
  const unknown: string[] = [];
  const packages = listing.map(({ name, version }) => {
    const same = repos.map((r) => r.byName.get(name)).filter((p): p is PacmanPackage => !!p);
    const exact = same.find((p) => p.version === version);
    const from = exact ?? same[0];
    if (!exact) (from ? borrowed : unknown).push(`${name} ${version}`);
    const base = from ?? emptyPackage('');
    return { ...base, name, version, repo: '' };
  });
  return { packages, borrowed, unknown };
}
