/**
 * Reads an apk distro data file (distros/alpine.yaml) and plans the repositories a lock reads:
 * the distro's repositories of the release (or the spec's `components:`), then the spec's extra
 * `repos:` in order. A spec repo with a distro repository's name replaces it. apk prefers the
 * repository listed first on a full tie, so this order is part of the resolution.
 */
import { ReproError, closeNames } from '../../core/errors.js';
import type { DistroData } from '../../core/distros.js';
import type { Spec } from '../../core/spec.js';

export interface ApkDistro extends DistroData {
  releases: string[];
  architectures: string[];
  mirror: string;
  branch: string;
  branches?: Record<string, string>;
  repositories: string[];
  knownRepositories?: string[];
  keys: string[];
  base: string;
  /** What the lock says about how long the distro's mirrors keep files (they are not snapshots). */
  retention?: string;
}

export interface ApkSourcePlan {
  /** e.g. alpine/v3.20/main, or the spec's repository id. */
  id: string;
  /** Position in apk's repository list (0 is preferred). */
  index: number;
  /** Permanent base URL of the repository for this architecture, ending in "/". */
  url: string;
  /** A mirror tried first (--mirror), ending in "/". */
  mirrorUrl?: string;
  /** Accept an index without a valid signature (spec `untrusted: true`). */
  untrusted: boolean;
  /** Keys trusted for this repository only. */
  keys: string[];
  /** For the distro's own repositories: how long their files stay (see ApkDistro.retention). */
  retention?: string;
}

/** Checks the fields a data file must have, so a broken one fails with its name, not a crash. */
export function readApkDistro(d: DistroData): ApkDistro {
  const need = (k: string, ok: (v: unknown) => boolean): void => {
    if (!ok(d[k])) throw new ReproError('SPEC', `distros/${d.name}.yaml: field "${k}" is missing or malformed.`);
  };
  const strings = (v: unknown): boolean => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');
  const str = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
  need('releases', strings);
  need('architectures', strings);
  need('repositories', strings);
  need('keys', strings);
  need('mirror', (v) => str(v) && /^https?:\/\/\S+\/$/.test(v as string));
  need('branch', str);
  need('base', str);
  return d as ApkDistro;
}

export function branchOf(d: ApkDistro, release: string): string {
  return d.branches?.[release] ?? d.branch.replaceAll('{release}', release);
}

const withSlash = (u: string): string => (u.endsWith('/') ? u : u + '/');

export function planApkSources(d: ApkDistro, release: string | undefined, spec: Spec, arch: string): ApkSourcePlan[] {
  if (!release) throw new ReproError('SPEC', `distro "${spec.distro}" needs a release, e.g. ${d.name}:${d.releases.at(-2) ?? d.releases[0]}.`);
  if (!d.releases.includes(release)) {
    const near = closeNames(release, d.releases);
    throw new ReproError('SPEC', `unknown ${d.name} release "${release}" (known: ${d.releases.join(', ')}).${near.length ? ` Did you mean ${near[0]}?` : ''}`);
  }
  if (!d.architectures.includes(arch)) {
    throw new ReproError('SPEC', `${d.name} has no architecture "${arch}" (known: ${d.architectures.join(', ')}).`);
  }
  const known = d.knownRepositories ?? d.repositories;
  const names = spec.components ?? d.repositories;
  for (const r of names) {
    if (!known.includes(r) && !spec.repos.some((x) => x.id === r)) {
      throw new ReproError('SPEC', `${d.name} has no repository "${r}" (known: ${known.join(', ')}); other repositories go under \`repos:\` with their URL.`);
    }
  }
  const mirrors = spec.mirrors.filter((m) => /^https?:/.test(m.url));
  if (mirrors.length !== spec.mirrors.length || mirrors.length > 1 || mirrors.some((m) => m.archive && m.archive !== d.name)) {
    throw new ReproError('SPEC', `--mirror: an apk lock takes one http(s) mirror of the ${d.name} tree (the folder holding ${branchOf(d, release)}/).`);
  }
  const mirror = mirrors[0]?.url;
  const branch = branchOf(d, release);
  const plans: ApkSourcePlan[] = [];
  for (const repo of names) {
    const own = spec.repos.find((r) => r.id === repo);
    plans.push({
      id: own ? repo : `${d.name}/${branch}/${repo}`,
      index: plans.length,
      url: own ? `${withSlash(own.url)}${arch}/` : `${d.mirror}${branch}/${repo}/${arch}/`,
      mirrorUrl: !own && mirror ? `${withSlash(mirror)}${branch}/${repo}/${arch}/` : undefined,
      untrusted: own?.untrusted ?? false,
      keys: own?.keyrings ?? [],
      retention: own ? undefined : d.retention,
    });
  }
  for (const r of spec.repos) {
    if (names.includes(r.id)) continue;
    plans.push({ id: r.id, index: plans.length, url: `${withSlash(r.url)}${arch}/`, untrusted: r.untrusted, keys: r.keyrings });
  }
  return plans;
}
