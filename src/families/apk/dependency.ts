/**
 * apk dependency atoms, as in `D:`, `p:`, `i:` and world entries: `[!]name[@tag][OP version]`,
 * OP one of `= < > <= >= ~ <~ >~`, or `name><Q1…` (a checksum dependency). Names may hold any
 * byte but blanks and the operator characters (`so:libc.musl-x86_64.so.1`, `/bin/sh`,
 * `pc:glib-2.0`); matching follows apk_dep_is_provided.
 */
import { ReproError } from '../../core/errors.js';
import { apkVersionMatch, type ApkOp } from './version.js';

export interface ApkDep {
  name: string;
  /** undefined: any version. '><': `version` is a package checksum (C: value). */
  op?: ApkOp | '><';
  version?: string;
  /** `!name`: every matching provider is excluded. */
  conflict: boolean;
  /** `name@tag`: a repository pin (world entries only). */
  tag?: string;
}

const MAX_ATOM = 1024;
const OPS = new Set<string>(['=', '<', '>', '<=', '>=', '~', '<~', '>~', '><']);
const ATOM = /^(!?)([^\s<>=~!@]+)(?:@([^\s<>=~!@]+))?(?:([<>=~]{1,2})([^\s<>=~]\S*))?$/;

/** One atom; returns an error text (for the caller to place at file:line) when malformed. */
export function parseDep(atom: string): ApkDep | string {
  if (atom.length > MAX_ATOM) return `dependency longer than ${MAX_ATOM} characters`;
  const m = ATOM.exec(atom);
  if (!m) return `"${atom}" is not a dependency (name, !name, name OP version)`;
  const [, bang, name, tag, rawOp, version] = m;
  if (rawOp !== undefined) {
    const op = rawOp === '=~' ? '~' : rawOp; // old abuild spelling of the fuzzy match
    if (!OPS.has(op)) return `"${atom}": unknown operator "${rawOp}"`;
    return { name, op: op as ApkDep['op'], version, conflict: bang === '!', tag };
  }
  return { name, conflict: bang === '!', tag };
}

/** A whitespace-separated list; throws FORMAT with `where` (file:line) on a malformed atom. */
export function parseDepList(text: string, where: string | (() => string), maxAtoms = 50_000): ApkDep[] {
  const at = (): string => (typeof where === 'string' ? where : where());
  const out: ApkDep[] = [];
  for (const a of text.split(' ')) {
    if (!a) continue;
    const d = parseDep(a);
    if (typeof d === 'string') throw new ReproError('FORMAT', `${at()}: ${d}`);
    if (out.push(d) > maxAtoms) throw new ReproError('LIMIT', `${at()}: more than ${maxAtoms} entries on one line`);
  }
  return out;
}

export function formatDep(d: ApkDep): string {
  return `${d.conflict ? '!' : ''}${d.name}${d.tag ? `@${d.tag}` : ''}${d.op ? d.op + d.version : ''}`;
}

/**
 * Is `dep` met by a provider offering the name at `version` (null: an unversioned provide such as
 * `p:/bin/sh`; undefined: nothing provides the name)? A conflict is met by whatever does not
 * match it, and by nothing at all.
 */
export function depMatches(dep: ApkDep, version: string | null | undefined, checksum?: string): boolean {
  if (version === undefined) return dep.conflict;
  if (!dep.op) return !dep.conflict;
  if (dep.op === '><') return (checksum === dep.version) !== dep.conflict;
  if (version === null) return dep.conflict; // an unversioned provide meets no version constraint
  return apkVersionMatch(version, dep.op, dep.version!) !== dep.conflict;
}
