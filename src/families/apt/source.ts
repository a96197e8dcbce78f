/**
 * One apt source = one suite of one archive: fetch and verify its InRelease (or Release +
 * Release.gpg), then every Packages index it lists for the wanted components and architectures,
 * each checked against the signed SHA256 and size before it is parsed.
 */
import { ReproError } from '../../core/errors.js';
import { sha256Hex } from '../../core/hash.js';
import { compressionOf } from '../../core/decompress.js';
import type { Fetcher } from '../../core/net/fetcher.js';
import { type Keyring, verifyClearsigned, verifyDetached } from '../../core/trust/openpgp.js';
import { parseRelease, type Release } from './release.js';
import { PackagesParser, type AptPackage } from './packages.js';
import { readParsedIndex, writeParsedIndex } from './parsed-index.js';

export interface AptSourcePlan {
  /** "archive/suite", e.g. debian-security/bookworm-security. */
  id: string;
  archive: string;
  suite: string;
  /** Permanent base URL of the archive at the snapshot, ending in "/". */
  snapshotUrl: string;
  /** Mirror base URL, ending in "/", tried before the snapshot URL. */
  mirrorUrl?: string;
  components: string[];
  architectures: string[];
}

export interface LoadedAptSource {
  plan: AptSourcePlan;
  release: Release;
  metadata: { path: string; sha256: string; signedBy: string[]; date?: string; validUntil?: string };
  indexes: { path: string; sha256: string; size: number }[];
  packages: AptPackage[];
}

function bases(plan: AptSourcePlan): string[] {
  // A snapshot URL still holding "{snapshot}" is not known yet (no --snapshot): mirror only.
  const snap = plan.snapshotUrl.includes('{snapshot}') ? [] : [plan.snapshotUrl];
  return plan.mirrorUrl ? [plan.mirrorUrl, ...snap] : snap;
}

async function fetchSignedRelease(plan: AptSourcePlan, fetcher: Fetcher, keyring: Keyring, pinned?: string): Promise<{ text: string; path: string; raw: Buffer; signedBy: string[] }> {
  const dists = `dists/${plan.suite}/`;
  const inPath = `${dists}InRelease`;
  let inReleaseError: ReproError;
  try {
    const r = await fetcher.fetchRoot(bases(plan).map((b) => b + inPath), `${plan.id}: ${inPath}`, undefined, pinned);
    const v = await verifyClearsigned(r.data.toString('utf8'), keyring, `${r.url}`);
    return { text: v.text, path: inPath, raw: r.data, signedBy: v.signers };
  } catch (e) {
    // Only an InRelease that could not be fetched falls back; a bad signature on one that exists is final.
    if (!(e instanceof ReproError) || e.code !== 'NETWORK') throw e;
    inReleaseError = e;
  }
  const relPath = `${dists}Release`;
  try {
    const rel = await fetcher.fetchRoot(bases(plan).map((b) => b + relPath), `${plan.id}: ${relPath}`);
    const sig = await fetcher.fetchRoot(bases(plan).map((b) => b + relPath + '.gpg'), `${plan.id}: ${relPath}.gpg`, 1 << 20);
    const v = await verifyDetached(rel.data, sig.data, keyring, rel.url);
    return { text: rel.data.toString('utf8'), path: relPath, raw: rel.data, signedBy: v.signers };
  } catch (e) {
    if (!(e instanceof ReproError) || e.code !== 'NETWORK') throw e;
    throw new ReproError('NETWORK', `${inReleaseError.message}\nThe fallback to Release + Release.gpg failed too:\n${e.message}`, { hint: inReleaseError.hint, detail: { attempts: [...((inReleaseError.detail?.attempts as unknown[]) ?? []), ...((e.detail?.attempts as unknown[]) ?? [])] } });
  }
}

/** apt accepts a Release whose Suite or Codename names the suite asked for (mix-and-match guard). */
function checkSuite(plan: AptSourcePlan, rel: Release, where: string): void {
  const names = [rel.suite, rel.codename].filter(Boolean);
  if (names.length && !names.includes(plan.suite)) {
    throw new ReproError('SIGNATURE', `${where}: signed Release is for ${names.join('/')}, not for the requested suite ${plan.suite}.`, {
      hint: 'The server answered with another suite\'s metadata (a mix-and-match attack or a misconfigured mirror).',
    });
  }
}

export async function loadAptSource(plan: AptSourcePlan, fetcher: Fetcher, keyring: Keyring, pinned?: string): Promise<LoadedAptSource> {
  const signed = await fetchSignedRelease(plan, fetcher, keyring, pinned);
  const release = parseRelease(signed.text, `${plan.id}: ${signed.path}`);
  checkSuite(plan, release, `${plan.id}: ${signed.path}`);
  const indexes: LoadedAptSource['indexes'] = [];
  const packages: AptPackage[] = [];
  for (const comp of plan.components) {
    // debian-security says "Components: updates/main" yet lists its files under main/: apt asks for main.
    if (release.components.length && !release.components.some((c) => c === comp || c.endsWith(`/${comp}`))) {
      throw new ReproError('SPEC', `${plan.id}: component "${comp}" is not in this suite (it has: ${release.components.join(', ')}).`);
    }
    for (const arch of plan.architectures) {
      const base = `${comp}/binary-${arch}/Packages`;
      const pick = ['.xz', '.gz', ''].map((ext) => base + ext).find((p) => release.files.has(p));
      if (!pick) {
        if (release.architectures.length && !release.architectures.includes(arch)) continue; // apt skips unsupported arches too
        throw new ReproError('FORMAT', `${plan.id}: the signed Release lists no ${base}(.xz|.gz).`);
      }
      const digest = release.files.get(pick)!;
      const plain = release.files.get(base);
      const urls: string[] = [];
      for (const b of bases(plan)) {
        // by-hash paths never change under us while a mirror updates (apt prefers them too).
        if (release.acquireByHash) urls.push(`${b}dists/${plan.suite}/${comp}/binary-${arch}/by-hash/SHA256/${digest.sha256}`);
        urls.push(`${b}dists/${plan.suite}/${pick}`);
      }
      const what = `${plan.id}: dists/${plan.suite}/${pick}`;
      indexes.push({ path: `dists/${plan.suite}/${pick}`, sha256: digest.sha256, size: digest.size });
      // The parsed-index cache is keyed by the signed digest of the content we parse.
      const contentSha256 = (plain ?? digest).sha256;
      let parsed = await readParsedIndex(fetcher.cache, contentSha256, plan.id, what);
      if (parsed) fetcher.log({ kind: 'cache-hit', what });
      else {
        // Parsed as xz produces it (PackagesParser decodes latin1, not utf8: every field we read —
        // names, versions, relations, paths, digests — is ASCII by policy, and decoding 50 MB as
        // latin1 costs a fraction of validating it as UTF-8).
        const parser = new PackagesParser(plan.id, what);
        await fetcher.streamIndex(urls, digest, compressionOf(pick), what, pick === base ? undefined : plain, (c) => parser.push(c));
        parsed = parser.end();
        await writeParsedIndex(fetcher.cache, contentSha256, parsed).catch(() => {}); // only an optimisation
      }
      for (const p of parsed) packages.push(p);
    }
  }
  return {
    plan,
    release,
    metadata: { path: signed.path, sha256: sha256Hex(signed.raw), signedBy: signed.signedBy, date: release.date, validUntil: release.validUntil },
    indexes,
    packages,
  };
}
