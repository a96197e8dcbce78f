/** Reads an apt distro data file (distros/debian.yaml, ubuntu.yaml) into source plans. */
import { ReproError, closeNames } from '../../core/errors.js';
import type { DistroData } from '../../core/distros.js';
import type { Spec } from '../../core/spec.js';
import type { AptSourcePlan } from './source.js';

export interface AptDistro extends DistroData {
  releases: string[];
  architectures: string[];
  components: string[];
  defaultSuites: string[];
  archives: Record<string, { snapshot: string; suites: string[] }>;
  keyrings: string[];
}

/** 2025-05-20T00:00:00Z → 20250520T000000Z, the snapshot services' path form. */
export function snapshotStamp(iso: string): string {
  return iso.replace(/[-:]/g, '');
}

function fill(t: string, release: string): string {
  return t.replaceAll('{release}', release);
}

/** Which archive serves a suite: the first whose suite patterns name it; else the main archive. */
export function archiveOf(d: AptDistro, release: string, suite: string): string {
  const names = Object.keys(d.archives);
  for (const a of names) if (d.archives[a].suites.some((s) => fill(s, release) === suite)) return a;
  return names[0];
}

export function planSources(d: AptDistro, release: string | undefined, spec: Spec, snapshotIso: string | undefined): AptSourcePlan[] {
  if (!release) throw new ReproError('SPEC', `distro "${spec.distro}" needs a release, e.g. ${d.name}:${d.releases.at(-2) ?? d.releases[0]}.`);
  if (!d.releases.includes(release) && !spec.suites) {
    const near = closeNames(release, d.releases);
    throw new ReproError('SPEC', `unknown ${d.name} release "${release}" (known: ${d.releases.join(', ')}).${near.length ? ` Did you mean ${near[0]}?` : ''}`, {
      hint: 'For a release not listed in distros/, name its suites with --suite.',
    });
  }
  for (const a of spec.architectures) {
    if (!d.architectures.includes(a)) throw new ReproError('SPEC', `${d.name} has no architecture "${a}" (known: ${d.architectures.join(', ')}).`);
  }
  const mainArchive = Object.keys(d.archives)[0];
  for (const m of spec.mirrors) {
    if (m.archive && !(m.archive in d.archives)) throw new ReproError('SPEC', `--mirror ${m.archive}=…: ${d.name} has no archive "${m.archive}" (it has: ${Object.keys(d.archives).join(', ')}).`);
    if (!/^https?:/.test(m.url)) throw new ReproError('SPEC', `mirror ${m.url}: lock needs an http(s) mirror of the archive.`);
  }
  const suites = spec.suites ?? d.defaultSuites.map((s) => fill(s, release));
  return suites.map((suite) => {
    const archive = archiveOf(d, release, suite);
    const mirror = spec.mirrors.find((m) => (m.archive ?? mainArchive) === archive);
    return {
      id: `${archive}/${suite}`,
      archive,
      suite,
      // Without --snapshot the stamp is filled in from the signed Release dates (see lock.ts).
      snapshotUrl: d.archives[archive].snapshot.replace('{snapshot}', snapshotIso ? snapshotStamp(snapshotIso) : '{snapshot}'),
      mirrorUrl: mirror?.url,
      components: spec.components ?? d.components,
      architectures: spec.architectures,
    };
  });
}
