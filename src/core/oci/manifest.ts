/**
 * The OCI manifest that keeps a lock's artifacts in a registry: an image manifest (the form every
 * registry accepts, Docker Distribution 2.8 included) with an `artifactType`, the empty config
 * of the OCI 1.1 artifact guidance, and one layer per blob — the lockfile first, then every
 * artifact. A registry's garbage collection keeps what a tagged manifest references, so the tag
 * (named for the lock's own digest) is what keeps the blobs alive.
 */
import { createHash } from 'node:crypto';
import { OCI_MANIFEST } from './client.js';

export const LOCK_ARTIFACT_TYPE = 'application/vnd.repro-get.lock.v1+yaml';
export const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 };
export const EMPTY_CONFIG_BYTES = Buffer.from('{}');

export interface Layer {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface LockManifest {
  schemaVersion: 2;
  mediaType: typeof OCI_MANIFEST;
  artifactType: typeof LOCK_ARTIFACT_TYPE;
  config: typeof EMPTY_CONFIG;
  layers: Layer[];
  annotations?: Record<string, string>;
}

export function sha256Hex(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

/** The tag a lock is pushed under: its own digest, shortened (tags are at most 128 characters). */
export function lockTag(lockText: string): string {
  return `lock-${sha256Hex(lockText).slice(0, 32)}`;
}

/** Canonical bytes (fixed key order, no spaces): the same lock always gives the same manifest digest. */
export function buildManifest(lock: Layer, artifacts: Layer[], annotations: Record<string, string> = {}): Buffer {
  const m: LockManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: LOCK_ARTIFACT_TYPE,
    config: EMPTY_CONFIG,
    layers: [lock, ...artifacts],
    ...(Object.keys(annotations).length ? { annotations } : {}),
  };
  return Buffer.from(JSON.stringify(m));
}

/** The lockfile's layer of a manifest we pushed, or undefined when it is something else. */
export function lockLayerOf(manifest: Buffer): Layer | undefined {
  let m: Partial<LockManifest>;
  try {
    m = JSON.parse(manifest.toString('utf8')) as Partial<LockManifest>;
  } catch {
    return undefined;
  }
  if (m.artifactType !== LOCK_ARTIFACT_TYPE || !Array.isArray(m.layers)) return undefined;
  return m.layers.find((l) => l.mediaType === LOCK_ARTIFACT_TYPE && /^sha256:[0-9a-f]{64}$/.test(l.digest));
}
