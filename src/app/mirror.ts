/**
 * `mirror push` / `mirror pull`: keep a lock's verified artifacts in your own store, so installs
 * need neither the snapshot service nor the archive (which may have deleted them).
 *
 * Two kinds of store, both content-addressed by the artifacts' sha256:
 * - `dir:FOLDER` — `sha256/<hex>` files plus the lock (`sha256/<hex>` and `locks/<tag>.yaml`); any
 *   static HTTP server, object store or CDN can serve the folder (`--mirror store+https://…/`).
 * - `oci://HOST/REPO` — blobs in an OCI registry, referenced by one manifest tagged `lock-<digest>`
 *   (see core/oci/manifest.ts), so the registry's garbage collection keeps them.
 * Every artifact is downloaded and verified against the lock before it is pushed, and installs
 * verify again, so a store can never change what is installed.
 */
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import pLimit from 'p-limit';
import { ReproError } from '../core/errors.js';
import { parseLockfile } from '../core/lockfile/read.js';
import type { Lockfile } from '../core/lockfile/schema.js';
import { RegistryClient } from '../core/oci/client.js';
import { buildManifest, EMPTY_CONFIG, EMPTY_CONFIG_BYTES, LOCK_ARTIFACT_TYPE, lockLayerOf, lockTag, sha256Hex, type Layer } from '../core/oci/manifest.js';
import { parseOciRef, type OciRef } from '../core/oci/reference.js';
import { loadLock, withVerifiedArtifacts, type ArtifactRunOptions } from './fetch.js';

/** Media types of the artifact layers; registries do not interpret them, people reading manifests do. */
const MEDIA_TYPE: Record<Lockfile['family'], string> = {
  apt: 'application/vnd.debian.binary-package',
  dnf: 'application/x-rpm',
  apk: 'application/vnd.repro-get.apk',
  pacman: 'application/vnd.repro-get.pacman-package',
};

export interface MirrorRunOptions extends ArtifactRunOptions {
  /** Blobs above this many bytes are uploaded in PATCH chunks of this size (default 64 MiB). */
  chunkSize?: number;
  /** Called after each blob is uploaded (tests interrupt a push with it). */
  onUpload?: (digest: string) => void;
}

export interface PushSummary {
  to: string;
  tag: string;
  /** Artifacts plus the lockfile (and the empty config, for OCI). */
  blobs: number;
  uploaded: number;
  present: number;
  bytesUploaded: number;
  manifestDigest?: string;
}

type Target = { kind: 'dir'; dir: string } | { kind: 'oci'; ref: OciRef };

function parseTarget(s: string, insecure?: boolean): Target {
  if (s.startsWith('dir:') && s.length > 4) return { kind: 'dir', dir: resolve(s.slice(4)) };
  if (s.startsWith('oci://')) return { kind: 'oci', ref: parseOciRef(s, { insecure }) };
  throw new ReproError('USAGE', `${JSON.stringify(s)}: expected oci://HOST/REPOSITORY or dir:FOLDER.`);
}

export async function pushMirror(lockPath: string, to: string, opts: MirrorRunOptions = {}): Promise<PushSummary> {
  const target = parseTarget(to, opts.insecureRegistry);
  const { lock, text } = await loadLock(lockPath);
  if (!text) throw new ReproError('LOCKFILE', `${lockPath}: cannot read the lockfile.`);
  const tag = lockTag(text);
  const lockBytes = Buffer.from(text);
  const lockLayer: Layer = { mediaType: LOCK_ARTIFACT_TYPE, digest: `sha256:${sha256Hex(lockBytes)}`, size: lockBytes.length, annotations: { 'org.opencontainers.image.title': basename(lockPath) } };
  const unique = [...new Map(lock.packages.map((p) => [p.sha256, p])).values()];
  const layers: Layer[] = unique.map((p) => ({
    mediaType: MEDIA_TYPE[lock.family],
    digest: `sha256:${p.sha256}`,
    size: p.size,
    annotations: { 'org.opencontainers.image.title': basename(p.filename), 'dev.repro-get.package': `${p.name} ${p.version} ${p.arch}` },
  }));
  const jobs = opts.jobs ?? 8;

  if (target.kind === 'dir') {
    const store = join(target.dir, 'sha256');
    await mkdir(store, { recursive: true });
    await mkdir(join(target.dir, 'locks'), { recursive: true });
    // Present with the right size counts as present (installs verify the bytes anyway), so only
    // the missing artifacts are downloaded and verified.
    const limit = pLimit(jobs);
    const missing = new Set<string>();
    await Promise.all(unique.map((p) => limit(async () => void ((await stat(join(store, p.sha256)).catch(() => undefined))?.size === p.size || missing.add(p.sha256)))));
    let uploaded = 0;
    let bytesUploaded = 0;
    if (missing.size) {
      const need = { ...lock, packages: lock.packages.filter((p) => missing.has(p.sha256)) };
      await withVerifiedArtifacts(need, opts, async (files) => {
        const byDigest = new Map(need.packages.map((p) => [p.sha256, files.get(p)!]));
        await Promise.all(
          [...missing].map((sha) =>
            limit(async () => {
              await placeAtomically(byDigest.get(sha)!, join(store, sha));
              uploaded++;
              bytesUploaded += need.packages.find((p) => p.sha256 === sha)!.size;
              opts.onUpload?.(`sha256:${sha}`);
            }),
          ),
        );
      });
    }
    // The lock last: a store that names a lock holds all its artifacts.
    await writeAtomically(join(store, lockLayer.digest.slice(7)), lockBytes);
    await writeAtomically(join(target.dir, 'locks', `${tag}.yaml`), lockBytes);
    return { to: `dir:${target.dir}`, tag, blobs: unique.length + 1, uploaded, present: unique.length - uploaded, bytesUploaded };
  }

  const client = new RegistryClient(target.ref, { env: opts.env, actions: 'pull,push', timeoutMs: opts.timeoutMs });
  try {
    const manifest = buildManifest(lockLayer, layers, { 'dev.repro-get.distro': lock.distro, 'dev.repro-get.family': lock.family });
    const dest = `oci://${target.ref.registry}/${target.ref.repository}:${tag}`;
    // Already pushed (same manifest under the tag): the registry keeps every blob it references.
    const existing = await client.getManifest(tag);
    if (existing?.equals(manifest)) return { to: dest, tag, blobs: layers.length + 2, uploaded: 0, present: layers.length + 2, bytesUploaded: 0, manifestDigest: `sha256:${sha256Hex(manifest)}` };

    const limit = pLimit(jobs);
    const missing = new Set<string>();
    await Promise.all(layers.map((l) => limit(async () => void ((await client.headBlob(l.digest)) === l.size || missing.add(l.digest)))));
    let uploaded = 0;
    let bytesUploaded = 0;
    const small = async (digest: string, bytes: Buffer) => {
      if ((await client.headBlob(digest)) === bytes.length) return;
      await client.uploadBlob(digest, bytes.length, { bytes }, opts.chunkSize);
      uploaded++;
      bytesUploaded += bytes.length;
    };
    const upload = async (files?: Map<string, string>) => {
      await Promise.all(
        unique
          .filter((p) => missing.has(`sha256:${p.sha256}`))
          .map((p) =>
            limit(async () => {
              await client.uploadBlob(`sha256:${p.sha256}`, p.size, { file: files!.get(p.sha256)! }, opts.chunkSize);
              uploaded++;
              bytesUploaded += p.size;
              opts.onUpload?.(`sha256:${p.sha256}`);
            }),
          ),
      );
      await small(EMPTY_CONFIG.digest, EMPTY_CONFIG_BYTES);
      await small(lockLayer.digest, lockBytes);
    };
    // Only the missing artifacts need to be downloaded and verified first.
    if (missing.size) {
      const need = { ...lock, packages: lock.packages.filter((p) => missing.has(`sha256:${p.sha256}`)) };
      await withVerifiedArtifacts(need, opts, (files) => upload(new Map([...files].map(([p, f]) => [p.sha256, f]))));
    } else await upload();
    const digest = await client.putManifest(tag, manifest);
    return { to: dest, tag, blobs: layers.length + 2, uploaded, present: layers.length + 2 - uploaded, bytesUploaded, manifestDigest: digest || `sha256:${sha256Hex(manifest)}` };
  } finally {
    await client.close();
  }
}

export interface PullSummary {
  from: string;
  lockPath: string;
  packages: number;
  downloaded: number;
  cached: number;
}

/**
 * Reads a pushed lock back (`oci://HOST/REPO:lock-…` or `dir:FOLDER` with `tag`), checks it
 * against the digest the manifest names, writes it to `out`, and downloads and verifies every
 * artifact from that store into the cache.
 */
export async function pullMirror(from: string, out: string, opts: MirrorRunOptions & { tag?: string } = {}): Promise<PullSummary> {
  const target = parseTarget(from, opts.insecureRegistry);
  let bytes: Buffer;
  let mirror: string;
  if (target.kind === 'oci') {
    const tag = target.ref.tag ?? opts.tag;
    if (!tag) throw new ReproError('USAGE', `${from}: name the lock to pull (oci://HOST/REPO:lock-…, the tag \`mirror push\` printed).`);
    const client = new RegistryClient(target.ref, { env: opts.env, actions: 'pull', timeoutMs: opts.timeoutMs });
    try {
      const manifest = await client.getManifest(tag);
      if (!manifest) throw new ReproError('NOT_FOUND', `${from}: no manifest tagged ${tag}.`, { hint: 'Push the lock first with `repro-get mirror push --to …`.' });
      const layer = lockLayerOf(manifest);
      if (!layer) throw new ReproError('FORMAT', `${from}: the manifest tagged ${tag} is not a repro-get lock (artifactType ${LOCK_ARTIFACT_TYPE} with a lockfile layer).`);
      bytes = await client.getBlob(layer.digest);
      const actual = `sha256:${sha256Hex(bytes)}`;
      if (actual !== layer.digest) throw new ReproError('HASH', `${from}: the lockfile blob is ${actual}, but the manifest names ${layer.digest}.`);
    } finally {
      await client.close();
    }
    mirror = `oci://${target.ref.registry}/${target.ref.repository}`;
  } else {
    if (!opts.tag) throw new ReproError('USAGE', `${from}: name the lock to pull with --tag lock-… (a file in ${join(target.dir, 'locks')}).`);
    if (!/^lock-[0-9a-f]{32}$/.test(opts.tag)) throw new ReproError('USAGE', `--tag ${opts.tag}: expected lock-<32 hex digits>.`);
    bytes = await readFile(join(target.dir, 'locks', `${opts.tag}.yaml`)).catch(() => {
      throw new ReproError('NOT_FOUND', `${from}: no lock ${opts.tag} in ${join(target.dir, 'locks')}.`);
    });
    if (lockTag(bytes.toString('utf8')) !== opts.tag) throw new ReproError('HASH', `${join(target.dir, 'locks', opts.tag + '.yaml')}: its digest does not match its name.`);
    mirror = `dir:${target.dir}`;
  }
  const lock = parseLockfile(bytes.toString('utf8'), from);
  const stats = await withVerifiedArtifacts(lock, { ...opts, mirrors: [mirror, ...(opts.mirrors ?? [])] }, async (_files, s) => s);
  await writeAtomically(resolve(out), bytes);
  return { from, lockPath: resolve(out), packages: lock.packages.length, downloaded: stats.fetched, cached: stats.cached };
}

async function writeAtomically(dest: string, bytes: Buffer): Promise<void> {
  const tmp = `${dest}.tmp-${process.pid}`;
  await writeFile(tmp, bytes);
  await rename(tmp, dest);
}

/** Copies into place under a temporary name first, so a store never shows a half-written blob. */
async function placeAtomically(from: string, dest: string): Promise<void> {
  const tmp = `${dest}.tmp-${process.pid}`;
  try {
    await copyFile(from, tmp);
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
