/**
 * What may be written into a generated Dockerfile. A Dockerfile is line-oriented and several of its
 * instructions expand `$VAR` and split on quotes themselves (ADD, COPY, FROM), so quoting for the
 * shell alone is not enough: every value from the lock, the spec or a flag must match a strict
 * pattern here first, and is then shell-quoted where it lands in a RUN line. A lock that needs
 * anything else is refused with the field named, never "fixed" silently.
 */
import { ReproError } from '../../core/errors.js';
import type { LockedPackage, Lockfile } from '../../core/lockfile/schema.js';
import { outputNames } from '../fetch.js';

// distribution/reference's grammar (docker, podman, buildah agree), IPv6 hosts left out.
const DOMAIN = String.raw`(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?`;
const COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const IMAGE_REF = new RegExp(
  String.raw`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$`,
);

export function checkImageRef(ref: string, what: string): string {
  if (ref.length > 255 || !IMAGE_REF.test(ref)) {
    throw new ReproError('USAGE', `${what} ${JSON.stringify(ref)} is not an image reference like debian:bookworm or registry.example/debian@sha256:<64 hex>.`);
  }
  return ref;
}

export const isPinned = (ref: string): boolean => /@sha256:[0-9a-f]{64}$/.test(ref);

export function checkVersion(v: string): string {
  if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(v)) throw new ReproError('USAGE', `--repro-get-version ${JSON.stringify(v)}: expected an exact version like 0.1.0 (a range would not pin it).`);
  return v;
}

/** A build-context path for COPY/--mount source: relative, no "..", nothing a Dockerfile expands. */
export function isContextPath(p: string): boolean {
  return /^[A-Za-z0-9_.+@=-][A-Za-z0-9_.+@=/-]*$/.test(p) && !p.split('/').some((s) => s === '..' || s === '') && !p.endsWith('/');
}

const FIELD: Record<'name' | 'version' | 'arch', RegExp> = {
  name: /^[A-Za-z0-9+_][A-Za-z0-9+._@~-]*$/,
  version: /^[A-Za-z0-9][A-Za-z0-9.+~:_^-]*$/,
  arch: /^[a-z0-9][a-z0-9_-]*$/,
};
// A URL as ADD takes it: no whitespace, quote, `$` (expanded by ADD), backslash, `#` (ADD reads a
// fragment as a git ref) or other character that needs escaping anywhere.
const URL_SAFE = /^https?:\/\/[A-Za-z0-9._~:/?\[\]@!&()*+,;=%-]+$/;

/**
 * Checks the lock for Dockerfile use and returns each package's file name (fetch's own naming, so
 * the Dockerfile looks for exactly what `repro-get fetch` writes).
 */
export function checkLockForDockerfile(lock: Lockfile, file: string, opts: { urls: boolean }): Map<LockedPackage, string> {
  const bad: string[] = [];
  const check = (where: string, v: string, re: RegExp) => {
    if (!re.test(v)) bad.push(`${where} ${JSON.stringify(v)}`);
  };
  check('distro', lock.distro, /^[a-z0-9][a-z0-9.:_-]*$/);
  lock.architectures.forEach((a, i) => check(`architectures[${i}]`, a, FIELD.arch));
  lock.packages.forEach((p, i) => {
    const at = `packages[${i}]`;
    check(`${at}.name`, p.name, FIELD.name);
    check(`${at}.version`, p.version, FIELD.version);
    check(`${at}.arch`, p.arch, FIELD.arch);
    p.depends.forEach((d, j) => check(`${at}.depends[${j}]`, d, /^[A-Za-z0-9+_][A-Za-z0-9+._@~-]*(?::[a-z0-9_-]+)?$/));
    if (opts.urls) check(`${at}.url`, p.url, URL_SAFE);
  });
  if (bad.length) {
    throw new ReproError('LOCKFILE', `${file}: these values cannot be written into a Dockerfile safely: ${bad.join(', ')}.`, {
      hint: 'A lock made by `repro-get lock` never has them; check where this lock came from.',
    });
  }
  const names = outputNames(lock, file);
  for (const [p, n] of names) if (n.startsWith('-')) bad.push(`${p.name}: file name ${JSON.stringify(n)}`);
  if (bad.length) throw new ReproError('LOCKFILE', `${file}: ${bad.join(', ')} would read as an option.`);
  return names;
}
