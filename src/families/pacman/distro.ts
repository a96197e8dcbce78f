/**
 * Reads a pacman distro data file (distros/arch.yaml) and plans the repositories of a lock: which
 * databases, in which priority order, from which snapshot and mirror URLs.
 */
import { ReproError, closeNames } from '../../core/errors.js';
import type { DistroData } from '../../core/distros.js';
import type { Spec } from '../../core/spec.js';

export interface PacmanKeyringCopy {
  /** Date of this copy (YYYY-MM-DD): its revoked list applies to snapshots from then on. */
  date: string;
  keys: string;
  revoked: string;
}

export interface PacmanDistro extends DistroData {
  architectures: string[];
  repositories: { name: string; until?: string; optional?: boolean }[];
  snapshot: string;
  packageStore?: string;
  mirrorLayout: string;
  keyrings: PacmanKeyringCopy[];
  base: string;
}

export interface RepoPlan {
  /** Repository name: the source id in the lock and what `repo/name` targets name. */
  id: string;
  /** Permanent URL of the repository folder (holds `<id>.db` and the packages), ending in "/". */
  url: string;
  /** Mirror folder tried first, ending in "/". */
  mirror?: string;
  /** The distro's permanent package store applies (not for the user's own repositories). */
  store: boolean;
}

export function readPacmanDistro(d: DistroData): PacmanDistro {
  const p = d as PacmanDistro;
  const ok = Array.isArray(p.architectures) && Array.isArray(p.repositories) && typeof p.snapshot === 'string' && typeof p.mirrorLayout === 'string' && Array.isArray(p.keyrings) && typeof p.base === 'string';
  if (!ok) throw new ReproError('SPEC', `distros/${d.name}.yaml: a pacman distro needs architectures, repositories, snapshot, mirrorLayout, keyrings and base.`);
  return p;
}

const fill = (t: string, v: Record<string, string>): string => t.replace(/\{(\w+)\}/g, (m, k: string) => v[k] ?? m);

/** 2024-05-01T00:00:00Z → { yyyy: '2024', mm: '05', dd: '01' }: the archive keeps one tree per day. */
export function snapshotDay(iso: string): { yyyy: string; mm: string; dd: string; day: string } {
  const [yyyy, mm, dd] = iso.slice(0, 10).split('-');
  return { yyyy, mm, dd, day: `${yyyy}-${mm}-${dd}` };
}

/** The archive's permanent store URL of a package file, if the distro has one. */
export function storeUrl(d: PacmanDistro, name: string, filename: string): string | undefined {
  return d.packageStore ? fill(d.packageStore, { initial: name[0], name, filename }) : undefined;
}

export function planRepos(d: PacmanDistro, release: string | undefined, spec: Spec): { arch: string; repos: RepoPlan[] } {
  if (release) throw new ReproError('SPEC', `${d.name} is a rolling distro: write "distro: ${d.name}" and pick the day with --snapshot, not "${d.name}:${release}".`);
  if (!spec.snapshot) {
    throw new ReproError('SPEC', `no snapshot given: ${d.name} is locked against one day of its archive; pass --snapshot 2024-05-01 (or set snapshot: in the spec).`, {
      hint: 'The package database carries no date of its own, so without a snapshot the lock could not say which day it describes.',
    });
  }
  const archs = spec.architectures.length ? spec.architectures : [d.architectures[0]];
  if (archs.length > 1) throw new ReproError('SPEC', `pacman installs one architecture per system; lock ${archs.join(' and ')} in separate lockfiles.`);
  const arch = archs[0];
  if (!d.architectures.includes(arch)) throw new ReproError('SPEC', `${d.name} has no architecture "${arch}" (known: ${d.architectures.join(', ')}).`);
  for (const m of spec.mirrors) {
    if (m.archive) throw new ReproError('SPEC', `--mirror ${m.archive}=…: ${d.name} has one archive; give the mirror URL alone.`);
    if (!/^https?:/.test(m.url)) throw new ReproError('SPEC', `mirror ${m.url}: lock needs an http(s) mirror.`);
  }
  const day = snapshotDay(spec.snapshot);
  const known = d.repositories.map((r) => r.name);
  let names: string[];
  if (spec.suites) {
    for (const s of spec.suites) {
      if (!known.includes(s) && !spec.repos.some((r) => r.id === s)) {
        const near = closeNames(s, known);
        throw new ReproError('SPEC', `${d.name} has no repository "${s}" (known: ${known.join(', ')}).${near.length ? ` Did you mean ${near[0]}?` : ''}`, {
          hint: 'For a repository of your own, name it under `repos:` in the spec.',
        });
      }
    }
    names = spec.suites;
  } else {
    names = d.repositories.filter((r) => !r.optional && (!r.until || day.day <= r.until)).map((r) => r.name);
  }
  const mirror = spec.mirrors[0]?.url;
  const repos: RepoPlan[] = names.map((id) => {
    const custom = spec.repos.find((r) => r.id === id);
    if (custom) return { id, url: custom.url, store: false };
    const v = { ...day, repo: id, arch };
    return { id, url: fill(d.snapshot, v), mirror: mirror ? mirror + fill(d.mirrorLayout, v) : undefined, store: true };
  });
  // The user's own repositories not named in --suite come after the distro's, in spec order.
  for (const r of spec.repos) if (!names.includes(r.id)) repos.push({ id: r.id, url: r.url, store: false });
  return { arch, repos };
}
