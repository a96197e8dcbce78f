/**
 * One RPM repository: fetch repodata/repomd.xml (and, where the repository signs it, verify
 * repomd.xml.asc), then the primary it names: the compressed file checked against repomd's checksum
 * and size (and cached by it), then decompressed, parsed and checked against the open-checksum as
 * one stream (primary.ts).
 */
import { ReproError } from '../../core/errors.js';
import type { Compression } from '../../core/decompress.js';
import { sha256Hex } from '../../core/hash.js';
import type { Fetcher } from '../../core/net/fetcher.js';
import { Keyring, verifyDetached } from '../../core/trust/openpgp.js';
import type { RepoPlan } from './distro.js';
import type { RpmPackage } from './package.js';
import { readPrimary } from './primary.js';
import { parseRepomd, type Repomd } from './repomd.js';

export interface LoadedRepo {
  plan: RepoPlan;
  repomd: Repomd;
  metadata: { path: string; sha256: string; signedBy: string[]; date?: string };
  indexes: { path: string; sha256: string; size: number }[];
  packages: RpmPackage[];
  /** NEVRA → checksum type, for packages listed without a sha256 checksum. */
  skippedChecksums: Map<string, string>;
}

const REPOMD = 'repodata/repomd.xml';

function bases(plan: RepoPlan): string[] {
  return plan.mirror ? [plan.mirror, plan.url] : [plan.url];
}

/**
 * `freshSignature` (verify): fetch repomd.xml.asc from the repository even when the cache holds the
 * signature an earlier lock verified for the same repomd.xml, so a broken or replaced .asc is seen.
 */
export async function loadRepo(plan: RepoPlan, fetcher: Fetcher, now: Date, pinned?: string, opts: { freshSignature?: boolean } = {}): Promise<LoadedRepo> {
  const root = await fetcher.fetchRoot(bases(plan).map((b) => b + REPOMD), `${plan.id}: ${REPOMD}`, 4 * 1024 * 1024, pinned);
  const signedBy = plan.signed ? await verifyRepomd(plan, fetcher, root.data, root.url, now, opts.freshSignature ?? false) : [];
  const repomd = parseRepomd(root.data.toString('utf8'), `${plan.id}: ${REPOMD}`);
  const primary = repomd.files.get('primary');
  if (!primary) {
    throw new ReproError('FORMAT', `${plan.id}: ${REPOMD} lists no primary metadata with a sha256 checksum.`, {
      hint: 'repro-get trusts only sha256 digests; recreate the repository with createrepo_c (its default is sha256).',
    });
  }
  const what = `${plan.id}: ${primary.location}`;
  const raw = await fetcher.fetchDigest(bases(plan).map((b) => b + primary.location), primary, what);
  const parsed = await readPrimary(raw.data, compressionOfPrimary(primary.location, what), plan.id, what, primary.open);
  return {
    plan,
    repomd,
    metadata: { path: REPOMD, sha256: sha256Hex(root.data), signedBy, date: repomd.date },
    indexes: [{ path: primary.location, sha256: primary.sha256, size: primary.size }],
    packages: parsed.packages,
    skippedChecksums: parsed.skippedChecksums,
  };
}

/** Cache alias from a repomd.xml's sha256 to its signature's, so `lock --check` verifies offline. */
const SIGNATURE_ALIAS = 'repomd-signature';

async function verifyRepomd(plan: RepoPlan, fetcher: Fetcher, data: Buffer, url: string, now: Date, fresh: boolean): Promise<string[]> {
  const digest = sha256Hex(data);
  let sig: Buffer;
  try {
    const pinned = fresh ? undefined : await fetcher.cache?.readAlias(SIGNATURE_ALIAS, digest);
    sig = (await fetcher.fetchRoot(bases(plan).map((b) => `${b}${REPOMD}.asc`), `${plan.id}: ${REPOMD}.asc`, 1 << 20, pinned)).data;
  } catch (e) {
    if (e instanceof ReproError && e.code === 'NETWORK') {
      throw new ReproError('SIGNATURE', `${plan.id}: the repository has no signature for its metadata (${REPOMD}.asc could not be fetched).`, {
        hint: 'If this repository is not signed and you trust its transport, mark it `untrusted: true` under repos:.',
        cause: e,
      });
    }
    throw e;
  }
  if (plan.keyrings.length === 0) {
    throw new ReproError('SIGNATURE', `${plan.id}: ${REPOMD} is signed, but no key is trusted for it.`, { hint: 'Name the signing key under the repository\'s keyrings: (or --keyring).' });
  }
  const keyring = await Keyring.fromFiles(plan.keyrings);
  const signers = (await verifyDetached(data, sig, keyring, url, now)).signers;
  await fetcher.cache?.writeAlias(SIGNATURE_ALIAS, digest, sha256Hex(sig));
  return signers;
}

function compressionOfPrimary(location: string, what: string): Compression {
  const m = /\.(gz|xz|zst)$/.exec(location);
  if (m) return m[1] as Compression;
  if (location.endsWith('.xml')) return 'none';
  throw new ReproError('FORMAT', `${what}: unsupported compression (gz, xz, zst or none are read).`);
}
