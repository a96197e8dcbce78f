/**
 * The lockfile's one definition. The reader validates with it, the writer's output is checked
 * against it in tests, and `schema/lockfile.schema.json` is generated from it (npm run schema), so
 * the three cannot drift. Field meanings are documented in the README ("Lockfile fields").
 */
import { z } from 'zod';

/** Version of the lockfile format (semver): a reader refuses a newer major, accepts a newer minor. */
export const LOCKFILE_VERSION = '1.0.0';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 digest: 64 lower-case hex characters');
const httpUrl = z
  .string()
  .regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, 'an http:// or https:// URL');
/** A repository-relative file path that cannot escape the folder it is written to. */
export const safeRelativePath = z
  .string()
  .min(1)
  .regex(/^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[^\0\\]+$/, 'a relative path without "..", ".", a leading "/", NUL or backslash');
const fingerprint = z.string().regex(/^[0-9A-F]{40}([0-9A-F]{24})?$/, 'an upper-case OpenPGP fingerprint');
const isoTime = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'a UTC time like 2025-05-20T00:00:00Z');

export const lockedFileSchema = z.object({
  path: safeRelativePath.describe('path of the file relative to the source URL'),
  sha256,
  size: z.number().int().nonnegative(),
});

export const sourceSchema = z.object({
  id: z.string().min(1).describe('name packages refer to, e.g. debian/bookworm-security'),
  url: httpUrl.describe('permanent (snapshot) base URL of the repository'),
  mirror: httpUrl.optional().describe('the mirror the metadata was fetched from, when not the snapshot URL'),
  metadata: z
    .object({
      path: safeRelativePath.describe('the signed root file, e.g. dists/bookworm/InRelease'),
      sha256,
      signedBy: z.array(fingerprint).describe('keys whose signatures verified: OpenPGP primary-key fingerprints, or the sha256 of the DER public key for plain RSA keys'),
      date: isoTime.optional(),
      validUntil: isoTime.optional(),
      validUntilIgnored: z.boolean().optional().describe('true: the metadata had expired at lock time, accepted because it comes from a snapshot'),
      retention: z.string().optional().describe('present when `url` is not a snapshot: the repository deletes superseded files, so the locked URLs stop working; says to keep the artifacts in your own store'),
    })
    .strict(),
  indexes: z.array(lockedFileSchema).describe('the hash-checked index files the packages were read from'),
}).strict();

export const packageSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  arch: z.string().min(1),
  sha256,
  size: z.number().int().nonnegative(),
  filename: safeRelativePath.describe('path under the source URL; also the file name written by fetch'),
  url: httpUrl.describe('permanent URL (snapshot or build-system store)'),
  mirror: httpUrl.optional().describe('URL on the mirror used at lock time; tried first'),
  fallbacks: z.array(httpUrl).optional().describe('further permanent URLs, tried after url (e.g. a build-system or archive store)'),
  source: z.string().min(1).describe('id of the source in `sources`'),
  requested: z.boolean().describe('named in the spec (true) or pulled in as a dependency (false)'),
  pulledInBy: z.array(z.string()).describe('requested packages whose dependency closure contains this one'),
  depends: z.array(z.string()).describe('locked or base packages chosen to satisfy this package\'s dependencies'),
  signature: z.string().optional().describe('detached OpenPGP signature (base64), for families that sign each package'),
}).strict();

export const lockfileSchema = z.object({
  lockfileVersion: z.string().regex(/^\d+\.\d+\.\d+$/, 'a semver version like 1.0.0'),
  family: z.enum(['apt', 'dnf', 'apk', 'pacman']),
  distro: z.string().min(1),
  architectures: z.array(z.string().min(1)).min(1),
  snapshot: isoTime,
  spec: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'sha256:<64 hex>'),
  options: z.object({
    installRecommends: z.boolean(),
    base: z.string().describe('"default" (the distro\'s essential/required set at the snapshot) or "installed:sha256:…" (a status file)'),
  }).strict(),
  assumedInstalled: z.array(z.string()).describe('name=version (name:arch=version for a foreign architecture) of the base system the lock was resolved against'),
  sources: z.array(sourceSchema),
  packages: z.array(packageSchema),
}).strict();

export type Lockfile = z.infer<typeof lockfileSchema>;
export type LockedPackage = z.infer<typeof packageSchema>;
export type LockedSource = z.infer<typeof sourceSchema>;
