/**
 * A hostile Alpine mirror serving doctored APKINDEX.tar.gz files, most of them validly signed by
 * the trusted fixture key (what is tested is what repro-get does with signed but hostile content):
 * entries whose file name would leave the repository, a decompression bomb, a 100 MB line, too many
 * fields, a size that does not match the file; then indexes the key did not sign (another key, a
 * swapped body, no signature) served by the mirror, and a replayed older index against the lock it
 * would replace. From the mirror alone, a refused index is replaced by the permanent URL's genuine
 * one; from both, each is refused with a typed error naming the index (or package), both URLs and
 * the cause, and the cache holds only files that hash to their names.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lock } from '../../src/app/lock.js';
import type { Lockfile } from '../../src/core/lockfile/schema.js';
import { buildIndex, fixtureKey, indexStanza, signatureSegment, TRUSTED_KEY, UNTRUSTED_KEY, type SigningKey } from '../families/apk/support/build.js';
import { expectClear, expectCleanCache, failure, scratch } from './harness.js';
import { apkWorld, INDEX, JQ, NOW, type ApkWorld } from './apk-setup.js';

let w: ApkWorld;
let key: SigningKey;
let text: string;
beforeAll(async () => {
  w = await apkWorld();
  key = await fixtureKey(TRUSTED_KEY, 'RSA');
  text = w.tree.main.map(indexStanza).join('\n') + '\n';
});
afterAll(async () => w?.close());
beforeEach(() => {
  w.bad.clearFaults();
  w.good.clearFaults();
});

const opts = () => ({ retries: 0, backoffMs: 1, timeoutMs: 5000, now: NOW });
/** The mirror and (unless `mirrorOnly`) the permanent URL serve `body` as main's index. */
function serve(body: Buffer, mirrorOnly = false): void {
  w.bad.fault(INDEX, { kind: 'replace', body });
  if (!mirrorOnly) w.good.fault(INDEX, { kind: 'replace', body });
}
/** main's index text with jq's stanza edited. */
const jqEdited = (edit: (stanza: string) => string) => text.replace(/^C:[^\n]*\nP:jq\n[\s\S]*?\n\n/m, (s) => edit(s));

/** An index refused from both servers names both: the mirror's copy, then the permanent URL's. */
const BOTH = () => [`${w.bad.url}${INDEX}`, `${w.good.url}${INDEX}`];

async function refused(code: string | RegExp, ...mentions: (string | RegExp)[]): Promise<void> {
  const cache = await scratch();
  const e = await failure(lock(w.spec(), { cacheDir: cache, ...opts() }));
  expectClear(e, code, ...mentions);
  await expectCleanCache(cache);
}

describe('apk: signed index entries pointing outside the repository', () => {
  it.each([
    ['P:../jq', /"\.\.\/jq" is not a package name/],
    ['P:/etc/jq', /"\/etc\/jq" is not a package name/],
    ['V:1.7.1-r0/../../../etc/passwd', /is not a version/],
    ['V:1.7.1-r0\0', /NUL byte/],
  ])('%j: the lock refuses the index, naming index, URL and line', async (line, cause) => {
    const doctored = jqEdited((s) => s.replace(line.startsWith('P:') ? /^P:jq$/m : /^V:[^\n]*$/m, line));
    expect(doctored).not.toBe(text);
    serve(buildIndex([], key, 'hostile', doctored));
    await refused('FORMAT', `APKINDEX.tar.gz (${w.bad.url}${INDEX}):APKINDEX:`, ...BOTH(), cause);
  });
});

describe('apk: bombs, huge lines and fields, sizes', () => {
  // ~300 KiB of gzip inflating to 300 MiB, behind a signature over exactly those compressed bytes.
  let made: Buffer | undefined;
  const bomb = () => (made ??= gzipSync(Buffer.alloc(300 << 20), { level: 9 }));
  it('a signed index inflating past 256 MiB is cut off (LIMIT), naming the URL', async () => {
    const body = bomb();
    serve(Buffer.concat([signatureSegment(body, key), body]));
    await refused('LIMIT', ...BOTH(), /inflates past the limit of 268435456 bytes/);
  });

  it('the same bomb signed by an untrusted key, or with no signature member, is refused before it is inflated', async () => {
    const body = bomb();
    serve(Buffer.concat([signatureSegment(body, await fixtureKey(UNTRUSTED_KEY, 'RSA')), body]));
    await refused('SIGNATURE', ...BOTH(), /no valid signature from a trusted key \(.*is not trusted/);
    w.bad.clearFaults();
    w.good.clearFaults();
    serve(body);
    await refused('SIGNATURE', ...BOTH(), /no valid signature from a trusted key \(it carries no \.SIGN\.\* entry\)/);
  });

  it('a signed index with a 100 MB line: LIMIT naming index, URL and line', async () => {
    const huge = jqEdited((s) => s.replace(/^T:[^\n]*$/m, `T:${'a'.repeat(100_000_000)}`));
    serve(buildIndex([], key, 'hostile', huge));
    await refused('LIMIT', `APKINDEX.tar.gz (${w.bad.url}${INDEX}):APKINDEX:`, ...BOTH(), /:\d+: line longer than 1048576 characters/);
  });

  // No field may repeat in an index, so the 1,000-fields bound is out of reach there; the largest
  // field a line allows is the test: 100,000 dependency atoms in one D: line (under 1 MiB). D: is
  // parsed when the resolver first reads it, after the index was accepted: one URL is named.
  it('a signed index with a 1 MB field of 100,000 dependencies: LIMIT (50,000 per field) naming index, URL and line', async () => {
    const atoms = Array.from({ length: 100_000 }, (_, i) => `x${i}`).join(' ');
    expect(atoms.length).toBeLessThan(1 << 20);
    serve(buildIndex([], key, 'hostile', jqEdited((s) => s.replace(/^D:[^\n]*$/m, `D:${atoms}`))));
    await refused('LIMIT', `APKINDEX.tar.gz (${w.bad.url}${INDEX}):APKINDEX:`, /:\d+: D:: more than 50000 entries on one line/);
  });

  it('a signed S: smaller than the .apk: the download stops at the signed size, naming the package URL', async () => {
    serve(buildIndex([], key, 'hostile', jqEdited((s) => s.replace(/^S:\d+$/m, 'S:100'))));
    await refused(/^(HASH|NETWORK)$/, `${w.bad.url}${JQ}`, `${w.good.url}${JQ}`, /more than the expected 100 bytes|size/);
  });
});

describe('apk: signature tampering over the wire', () => {
  it.each([
    ['signed by a key no keyring trusts', 'badsig', /untrusted|not trusted|no trusted|unknown key/i],
    ['a genuine signature in front of another body', 'tampered', /does not verify|invalid|mismatch|no valid signature/i],
    ['unsigned', 'unsigned', /no valid signature from a trusted key \(it carries no \.SIGN\.\* entry\)/],
  ])('an index %s is refused with SIGNATURE, naming the URL', async (_what, repo, cause) => {
    w.bad.fault(INDEX, { kind: 'redirect', location: `/alpine/v3.20/${repo}/x86_64/APKINDEX.tar.gz` });
    // From the mirror alone: refused there, and the permanent URL's genuine index is used.
    const clean = await lock(w.spec(), { cacheDir: await scratch(), ...opts() });
    expect(clean.sources[0].metadata.signedBy).toHaveLength(1);
    w.good.fault(INDEX, { kind: 'redirect', location: `/alpine/v3.20/${repo}/x86_64/APKINDEX.tar.gz` });
    await refused('SIGNATURE', ...BOTH(), cause);
  });

  it('an index signed by the untrusted fixture key with the trusted key\'s name is refused', async () => {
    const untrusted = await fixtureKey(UNTRUSTED_KEY, 'RSA');
    serve(buildIndex(w.tree.main, { ...untrusted, name: TRUSTED_KEY }));
    await refused('SIGNATURE', ...BOTH(), /does not verify|invalid|no valid signature/i);
  });
});

describe('apk: rollback', () => {
  it('a replayed older (validly signed) index is refused against the lock it would replace, naming URL and both dates', async () => {
    const now = await lock(w.spec(), { cacheDir: await scratch(), ...opts() });
    const date = now.sources[0].metadata.date!;
    // The lock on disk saw this repository a day later than what the mirror serves now.
    const later = new Date(Date.parse(date) + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const previous: Lockfile = { ...now, sources: now.sources.map((s) => ({ ...s, metadata: { ...s.metadata, date: later } })) };
    const cache = await scratch();
    const e = await failure(lock(w.spec(), { cacheDir: cache, ...opts(), previous: { lock: previous, file: 'repro-get.lock.yaml' } }));
    expectClear(e, 'SIGNATURE', 'APKINDEX.tar.gz', w.bad.url, date, later, /rollback/);
    await expectCleanCache(cache);
  });
});
