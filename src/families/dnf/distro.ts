/**
 * Reads a dnf distro data file (distros/fedora.yaml, centos-stream.yaml, rpm.yaml) and the spec's
 * `repos:`/`mirrors:` into the list of repositories to lock from. Everything distro-specific (URLs,
 * which repositories are permanent, where builds live forever, keys) is data in those files.
 */
import { ReproError, closeNames } from '../../core/errors.js';
import { distroPath, type DistroData } from '../../core/distros.js';
import type { Spec } from '../../core/spec.js';
import { knownArches } from './arch.js';

export interface DnfRepoData {
  /** Base URL template ({release}, {arch}); the folder holding repodata/. */
  url: string;
  /** True when a package path under `url` never changes or disappears (Fedora's release trees). */
  permanent?: boolean;
  /** Where the repository moves once the release reaches its end of life. */
  archive?: string;
  /** dnf priority (lower wins), default 99. */
  priority?: number;
  /** Overrides the distro's `signedMetadata` for this repository. */
  signedMetadata?: boolean;
}

export interface DnfDistro extends DistroData {
  family: 'dnf';
  releases?: string[];
  architectures: string[];
  repos?: Record<string, DnfRepoData>;
  /**
   * Permanent per-build URL template ({srpm_name}, {srpm_version}, {srpm_release}, {arch}, {file}),
   * e.g. Fedora's Koji package store: where a build stays after `updates` drops it.
   */
  buildStore?: string;
  /** Whether repomd.xml carries a detached signature (repomd.xml.asc) that must verify. */
  signedMetadata?: boolean;
  /** Key files (templates with {release}), for repomd.xml.asc and for the RPM signatures at install. */
  keyrings?: string[];
}

export interface RepoPlan {
  id: string;
  /** Base URL, ending in "/". */
  url: string;
  /** Mirror of the same repository (spec `mirrors: ID=URL`), tried first. */
  mirror?: string;
  permanent: boolean;
  archive?: string;
  priority: number;
  /** Require and verify repodata/repomd.xml.asc. */
  signed: boolean;
  /** Absolute paths of the trusted key files for this repository. */
  keyrings: string[];
}

export interface Plan {
  arch: string;
  repos: RepoPlan[];
  /** The distro's keys (absolute paths), also used to check package signatures at install. */
  keyrings: string[];
}

const slash = (u: string) => (u.endsWith('/') ? u : `${u}/`);

export function planRepos(d: DnfDistro, release: string | undefined, spec: Spec): Plan {
  const defaults = Object.entries(d.repos ?? {});
  if (defaults.length && !release) {
    throw new ReproError('SPEC', `distro "${spec.distro}" needs a release, e.g. ${d.name}:${d.releases?.at(-2) ?? d.releases?.[0] ?? '1'}.`);
  }
  if (release && d.releases && !d.releases.includes(release)) {
    const near = closeNames(release, d.releases);
    throw new ReproError('SPEC', `unknown ${d.name} release "${release}" (known: ${d.releases.join(', ')}).${near.length ? ` Did you mean ${near[0]}?` : ''}`, {
      hint: `For another release, add it to distros/${d.name}.yaml, or name its repositories under repos: with distro: rpm.`,
    });
  }
  if (spec.architectures.length > 1) {
    throw new ReproError('SPEC', `the dnf family locks one architecture at a time (got ${spec.architectures.join(', ')}); multilib packages (i686 on x86_64) are chosen as dnf chooses them.`);
  }
  const arch = spec.architectures[0] ?? d.architectures[0];
  if (!d.architectures.includes(arch) || !knownArches().includes(arch)) {
    throw new ReproError('SPEC', `${d.name} has no architecture "${arch}" (known: ${d.architectures.filter((a) => knownArches().includes(a)).join(', ')}).`);
  }
  const fill = (t: string) => t.replaceAll('{release}', release ?? '').replaceAll('{arch}', arch);
  const keyrings = distroKeyrings(d, release, arch);
  const ids = new Set(defaults.map(([id]) => id));
  for (const m of spec.mirrors) {
    const known = [...ids, ...spec.repos.map((r) => r.id)];
    if (!m.archive && known.length !== 1) {
      throw new ReproError('SPEC', `mirror ${m.url}: say which repository it mirrors, as ID=URL (repositories: ${known.join(', ') || 'none'}).`);
    }
    if (m.archive && !known.includes(m.archive)) throw new ReproError('SPEC', `mirror ${m.archive}=…: there is no repository "${m.archive}" (repositories: ${known.join(', ')}).`);
    if (!/^https?:/.test(m.url)) throw new ReproError('SPEC', `mirror ${m.url}: lock needs an http(s) mirror of the repository.`);
  }
  const mirrorOf = (id: string) => spec.mirrors.find((m) => (m.archive ?? [...ids, ...spec.repos.map((r) => r.id)][0]) === id)?.url;
  const repos: RepoPlan[] = defaults.map(([id, r]) => ({
    id,
    url: slash(fill(r.url)),
    mirror: mirrorOf(id),
    permanent: r.permanent ?? false,
    archive: r.archive ? slash(fill(r.archive)) : undefined,
    priority: r.priority ?? 99,
    signed: r.signedMetadata ?? d.signedMetadata ?? true,
    keyrings: [...keyrings, ...spec.keyrings],
  }));
  for (const r of spec.repos) {
    if (ids.has(r.id)) {
      throw new ReproError('SPEC', `repos: "${r.id}" is already a ${d.name} repository; to fetch it from elsewhere use mirrors: ${r.id}=URL.`);
    }
    repos.push({
      id: r.id,
      url: slash(r.url),
      mirror: mirrorOf(r.id),
      permanent: false,
      priority: 99,
      signed: !r.untrusted,
      keyrings: [...r.keyrings, ...spec.keyrings, ...keyrings],
    });
  }
  if (repos.length === 0) {
    throw new ReproError('SPEC', `distro "${spec.distro}" has no repositories of its own: name them under repos: (id: URL of the folder holding repodata/).`);
  }
  return { arch, repos, keyrings };
}

/** The distro's key files (absolute paths) for a release and architecture. */
export function distroKeyrings(d: DnfDistro, release: string | undefined, arch: string): string[] {
  return (d.keyrings ?? []).map((k) => distroPath(k.replaceAll('{release}', release ?? '').replaceAll('{arch}', arch)));
}

/** The permanent per-build URL of a package, from the distro's build store template. */
export function buildStoreUrl(d: DnfDistro, sourcerpm: string | undefined, arch: string, location: string): string | undefined {
  if (!d.buildStore || !sourcerpm) return undefined;
  const m = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(sourcerpm);
  if (!m) return undefined;
  const file = location.slice(location.lastIndexOf('/') + 1);
  return d.buildStore
    .replaceAll('{srpm_name}', m[1])
    .replaceAll('{srpm_version}', m[2])
    .replaceAll('{srpm_release}', m[3])
    .replaceAll('{arch}', arch)
    .replaceAll('{file}', file);
}
