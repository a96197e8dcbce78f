/**
 * The spec (repro-get.yaml): what to lock. Parsed from YAML with file:line errors, or assembled
 * from command-line flags (every field has one). Knows no distro: families interpret `distro`,
 * `suites`, `repos` and the package syntax's meaning.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import * as z from 'zod/mini';
import './zod-english.js';
import { ReproError } from './errors.js';
import { sha256Hex } from './hash.js';
import { parseYaml, validateYaml, lineOf } from './yaml-input.js';

export interface PackageRequest {
  name: string;
  arch?: string;
  version?: string;
  /** As written, for messages. */
  raw: string;
}

export interface MirrorSpec {
  /** Archive the mirror serves (e.g. "debian-security"); undefined = the distro's main archive. */
  archive?: string;
  url: string;
}

export interface RepoSpec {
  /** Repository id, e.g. "appstream", "community", "myrepo". */
  id: string;
  url: string;
  /** Only for formats where unsigned repositories exist (apk): accept an index with no valid signature. */
  untrusted: boolean;
  keyrings: string[];
}

export interface Spec {
  /** File the spec came from, or undefined for flags only. */
  file?: string;
  /** Folder relative paths in the spec are resolved against. */
  dir: string;
  distro: string;
  /** ISO time (2025-05-20T00:00:00Z), or undefined: take it from the signed metadata's date. */
  snapshot?: string;
  architectures: string[];
  suites?: string[];
  components?: string[];
  mirrors: MirrorSpec[];
  keyrings: string[];
  /** undefined = the family's own default (apt: off, dnf: weak deps on). */
  installRecommends?: boolean;
  /** Extra or replacement repositories, interpreted by the family (dnf, apk, pacman). */
  repos: RepoSpec[];
  /** Path to a base-system listing (dpkg status, rpm -qa, apk installed, pacman -Q). */
  installed?: string;
  /** Base image for Dockerfile emission, ideally pinned by digest. */
  baseImage?: string;
  packages: PackageRequest[];
}

const NAME = /^[A-Za-z0-9@_+.\-/]+$/;

/** `name`, `name:arch`, `name=version`, `name:arch=version`; a version may hold ':' (epochs). */
export function parsePackageRequest(raw: string): PackageRequest | string {
  const s = raw.trim();
  const eq = s.indexOf('=');
  const left = eq === -1 ? s : s.slice(0, eq);
  const version = eq === -1 ? undefined : s.slice(eq + 1);
  const colon = left.indexOf(':');
  const name = colon === -1 ? left : left.slice(0, colon);
  const arch = colon === -1 ? undefined : left.slice(colon + 1);
  if (!name || !NAME.test(name)) return `"${raw}" is not a package name (expected name, name:arch, name=version or name:arch=version)`;
  // After the colon: an architecture for apt, the rest of a virtual name for apk (so:libc.musl-x86_64.so.1).
  if (arch !== undefined && !/^[A-Za-z0-9._+-]+$/.test(arch)) return `"${raw}": "${arch}" is not an architecture`;
  if (version !== undefined && (version === '' || /\s/.test(version))) return `"${raw}": empty or malformed version after "="`;
  return { name, arch, version, raw: s };
}

/** Accepts 20250520T000000Z (snapshot.debian.org style), 2025-05-20, or full ISO UTC. */
export function normalizeSnapshot(s: string): string | undefined {
  let m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(s);
  if (m) return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
  m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(s);
  if (m) return `${m[1]}-${m[2]}-${m[3]}T00:00:00Z`;
  m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z$/.exec(s);
  if (m) return s;
  return undefined;
}

const nonEmpty = () => z.string().check(z.minLength(1));
const nonEmptyList = <T extends z.ZodMiniType>(item: T, message?: string) => z.array(item).check(z.minLength(1, message));

const specFileSchema = z.strictObject({
  distro: z.string().check(z.regex(/^[a-z][a-z0-9-]*(:[a-z0-9.\-]+)?$/, 'a distro like debian:bookworm, ubuntu:jammy, fedora:40, alpine:3.20 or arch')),
  snapshot: z.optional(z.union([z.string(), z.date()])),
  architectures: z.optional(nonEmptyList(z.string().check(z.regex(/^[a-z0-9_]+$/, 'an architecture name')))),
  arch: z.optional(z.string()),
  suites: z.optional(nonEmptyList(nonEmpty())),
  components: z.optional(nonEmptyList(nonEmpty())),
  mirrors: z.optional(z.union([z.array(nonEmpty()), z.record(z.string(), z.string())])),
  keyrings: z.optional(z.array(z.string())),
  installRecommends: z.optional(z.boolean()),
  repos: z.optional(
    z.record(
      z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a repository id')),
      z.union([z.string(), z.strictObject({ url: z.string(), untrusted: z.optional(z.boolean()), keyrings: z.optional(z.array(z.string())) })]),
    ),
  ),
  installed: z.optional(z.string()),
  baseImage: z.optional(z.string()),
  packages: nonEmptyList(nonEmpty(), 'at least one package'),
});

export function parseMirror(item: string): MirrorSpec | string {
  const m = /^([a-z0-9][a-z0-9.-]*)=(.+)$/.exec(item);
  const url = m ? m[2] : item;
  if (!/^(https?|oci):\/\/\S+$/.test(url) && !/^dir:\S+$/.test(url)) return `"${item}" is not a mirror URL (expected http(s)://… or ARCHIVE=http(s)://…)`;
  return { archive: m?.[1], url: url.endsWith('/') || !/^https?:/.test(url) ? url : url + '/' };
}

export async function readSpec(path: string): Promise<Spec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ReproError('SPEC', `cannot read spec ${path}: ${(e as Error).message}`, {
      hint: 'Create repro-get.yaml (see README), or pass --distro and package names on the command line.',
    });
  }
  return parseSpec(text, path);
}

export function parseSpec(text: string, file: string): Spec {
  const src = parseYaml(text, file, 'SPEC');
  const v = validateYaml(src, specFileSchema, 'SPEC', 'repro-get spec');
  const fail = (path: (string | number)[], msg: string): never => {
    throw new ReproError('SPEC', `${file}:${lineOf(src, path)}: ${msg}`);
  };
  const packages = v.packages.map((p, i) => {
    const r = parsePackageRequest(p);
    return typeof r === 'string' ? fail(['packages', i], r) : r;
  });
  let snapshot: string | undefined;
  if (v.snapshot !== undefined) {
    const raw = v.snapshot instanceof Date ? v.snapshot.toISOString().replace(/\.\d{3}Z$/, 'Z') : v.snapshot;
    snapshot = normalizeSnapshot(raw) ?? fail(['snapshot'], `snapshot "${raw}" is not a time like 20250520T000000Z or 2025-05-20T00:00:00Z`);
  }
  const mirrorItems = Array.isArray(v.mirrors) ? v.mirrors : Object.entries(v.mirrors ?? {}).map(([k, u]) => `${k}=${u}`);
  const mirrors = mirrorItems.map((m, i) => {
    const r = parseMirror(m);
    return typeof r === 'string' ? fail(['mirrors', i], r) : r;
  });
  if (v.arch && v.architectures) fail(['arch'], 'give either arch or architectures, not both');
  const dir = dirname(resolve(file));
  return {
    file,
    dir,
    distro: v.distro,
    snapshot,
    architectures: v.architectures ?? (v.arch ? [v.arch] : []),
    suites: v.suites,
    components: v.components,
    mirrors,
    keyrings: (v.keyrings ?? []).map((k) => resolve(dir, k)),
    installRecommends: v.installRecommends,
    repos: Object.entries(v.repos ?? {}).map(([id, r], i) => {
      const o = typeof r === 'string' ? { url: r } : r;
      if (!/^https?:\/\/\S+$/.test(o.url)) fail(['repos', id], `repository ${id}: "${o.url}" is not an http(s) URL`);
      return { id, url: o.url.endsWith('/') ? o.url : o.url + '/', untrusted: 'untrusted' in o ? !!o.untrusted : false, keyrings: ('keyrings' in o ? o.keyrings ?? [] : []).map((k) => resolve(dir, k)) };
    }),
    installed: v.installed === undefined ? undefined : resolve(dir, v.installed),
    baseImage: v.baseImage,
    packages,
  };
}

/**
 * Digest of what the lock depends on: the normalized spec (not its bytes, so comments and layout
 * do not make a lock stale) plus the content of the installed-base file. Paths are excluded so the
 * same spec digests the same on every machine.
 */
export async function specDigest(spec: Spec): Promise<string> {
  const installed = spec.installed ? sha256Hex(await readFile(spec.installed)) : null;
  const keyrings: string[] = [];
  for (const k of spec.keyrings) keyrings.push(sha256Hex(await readFile(k)));
  const canon = {
    distro: spec.distro,
    snapshot: spec.snapshot ?? null,
    architectures: spec.architectures,
    suites: spec.suites ?? null,
    components: spec.components ?? null,
    mirrors: spec.mirrors.map((m) => `${m.archive ?? ''}=${m.url}`),
    keyrings: keyrings.sort(),
    installRecommends: spec.installRecommends ?? null,
    repos: spec.repos.map((r) => `${r.id}=${r.url}${r.untrusted ? ' untrusted' : ''}`),
    installed,
    packages: spec.packages.map((p) => p.raw),
  };
  return 'sha256:' + sha256Hex(JSON.stringify(canon));
}
