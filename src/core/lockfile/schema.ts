/**
 * The lockfile's one definition. The reader validates with it, the writer's output is checked
 * against it in tests, and `schema/lockfile.schema.json` is generated from it (npm run schema), so
 * the three cannot drift. Field meanings are documented in the README ("Lockfile fields").
 */
import * as z from 'zod/mini';
import '../zod-english.js';

/** Version of the lockfile format (semver): a reader refuses a newer major, accepts a newer minor. */
export const LOCKFILE_VERSION = '1.0.0';

// zod/mini, not zod's classic API: the same checks and JSON Schema for a tenth of the code every
// command that reads a lock loads (README, "Dependencies"). `.check(z.describe())` returns a copy, so
// a shared schema such as safeRelativePath gets each description on its own copy.
const nonEmpty = () => z.string().check(z.minLength(1));
const size = () => z.int().check(z.nonnegative());
const sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'a sha256 digest: 64 lower-case hex characters'));
const httpUrl = z.string().check(z.regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, 'an http:// or https:// URL'));
/** A repository-relative file path that cannot escape the folder it is written to. */
export const safeRelativePath = z
  .string()
  .check(z.minLength(1), z.regex(/^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[^\0\\]+$/, 'a relative path without "..", ".", a leading "/", NUL or backslash'));
const fingerprint = z.string().check(z.regex(/^[0-9A-F]{40}([0-9A-F]{24})?$/, 'an upper-case OpenPGP fingerprint'));
const isoTime = z.string().check(z.regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'a UTC time like 2025-05-20T00:00:00Z'));

export const lockedFileSchema = z.object({
  path: safeRelativePath.check(z.describe('path of the file relative to the source URL')),
  sha256,
  size: size(),
});

export const sourceSchema = z.strictObject({
  id: nonEmpty().check(z.describe('name packages refer to, e.g. debian/bookworm-security')),
  url: httpUrl.check(z.describe('permanent (snapshot) base URL of the repository')),
  mirror: z.optional(httpUrl).check(z.describe('the mirror the metadata was fetched from, when not the snapshot URL')),
  metadata: z.strictObject({
    path: safeRelativePath.check(z.describe('the signed root file, e.g. dists/bookworm/InRelease')),
    sha256,
    signedBy: z.array(fingerprint).check(z.describe('keys whose signatures verified: OpenPGP primary-key fingerprints, or the sha256 of the DER public key for plain RSA keys')),
    date: z.optional(isoTime),
    validUntil: z.optional(isoTime),
    validUntilIgnored: z.optional(z.boolean()).check(z.describe('true: the metadata had expired at lock time, accepted because it comes from a snapshot')),
    retention: z.optional(z.string()).check(z.describe('present when `url` is not a snapshot: the repository deletes superseded files, so the locked URLs stop working; says to keep the artifacts in your own store')),
  }),
  indexes: z.array(lockedFileSchema).check(z.describe('the hash-checked index files the packages were read from')),
});

export const packageSchema = z.strictObject({
  name: nonEmpty(),
  version: nonEmpty(),
  arch: nonEmpty(),
  sha256,
  size: size(),
  filename: safeRelativePath.check(z.describe('path under the source URL; also the file name written by fetch')),
  url: httpUrl.check(z.describe('permanent URL (snapshot or build-system store)')),
  mirror: z.optional(httpUrl).check(z.describe('URL on the mirror used at lock time; tried first')),
  fallbacks: z.optional(z.array(httpUrl)).check(z.describe('further permanent URLs, tried after url (e.g. a build-system or archive store)')),
  source: nonEmpty().check(z.describe('id of the source in `sources`')),
  requested: z.boolean().check(z.describe('named in the spec (true) or pulled in as a dependency (false)')),
  pulledInBy: z.array(z.string()).check(z.describe('requested packages whose dependency closure contains this one')),
  depends: z.array(z.string()).check(z.describe('locked or base packages chosen to satisfy this package\'s dependencies')),
  signature: z.optional(z.string()).check(z.describe('detached OpenPGP signature (base64), for families that sign each package')),
});

export const lockfileSchema = z.strictObject({
  lockfileVersion: z.string().check(z.regex(/^\d+\.\d+\.\d+$/, 'a semver version like 1.0.0')),
  family: z.enum(['apt', 'dnf', 'apk', 'pacman']),
  distro: nonEmpty(),
  architectures: z.array(nonEmpty()).check(z.minLength(1)),
  snapshot: isoTime,
  spec: z.string().check(z.regex(/^sha256:[0-9a-f]{64}$/, 'sha256:<64 hex>')),
  options: z.strictObject({
    installRecommends: z.boolean(),
    base: z.string().check(z.describe('"default" (the distro\'s essential/required set at the snapshot) or "installed:sha256:…" (a status file)')),
  }),
  assumedInstalled: z.array(z.string()).check(z.describe('name=version (name:arch=version for a foreign architecture) of the base system the lock was resolved against')),
  sources: z.array(sourceSchema),
  packages: z.array(packageSchema),
});

/** The same schema accepting unknown top-level fields (dropped), for a newer minor format. */
export const lockfileSchemaStripping = z.object(lockfileSchema.shape);

export type Lockfile = z.infer<typeof lockfileSchema>;
export type LockedPackage = z.infer<typeof packageSchema>;
export type LockedSource = z.infer<typeof sourceSchema>;
