/** A downloaded .apk checked against its index entry: C: over the control member, datahash over the data. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseChecksum } from '../../../src/families/apk/apkindex.js';
import { loadApkKeys } from '../../../src/families/apk/keys.js';
import { verifyApkFile } from '../../../src/families/apk/package-file.js';
import { buildApk, fixtureKey, FIXTURE_KEYS, TRUSTED_KEY, UNTRUSTED_KEY } from './support/build.js';
import { thrown } from '../../support/typed-errors.js';

const keys = await loadApkKeys([join(FIXTURE_KEYS, TRUSTED_KEY)]);
const entry = (b: ReturnType<typeof buildApk>) => ({ name: b.pkg.name, version: b.pkg.version, checksum: parseChecksum(b.checksum) });

describe('verifyApkFile', () => {
  it('accepts a signed package and an unsigned one (C: and datahash are what bind it to the index)', async () => {
    const signed = buildApk({ name: 'a', version: '1-r0', depends: ['b'] }, await fixtureKey());
    const facts = verifyApkFile(signed.file, entry(signed), 'a.apk', keys);
    expect(facts.pkginfo.get('depend')).toBe('b');
    expect(facts.signature.keyNames).toEqual([TRUSTED_KEY]);
    const unsigned = buildApk({ name: 'a', version: '1-r0' });
    expect(verifyApkFile(unsigned.file, entry(unsigned), 'a.apk', keys).signature.signedBy).toEqual([]);
  });

  it('refuses another build: C: names expected and actual', async () => {
    const a = buildApk({ name: 'a', version: '1-r0' }, await fixtureKey());
    const b = buildApk({ name: 'a', version: '1-r0', description: 'rebuilt' }, await fixtureKey());
    const e = thrown(() => verifyApkFile(b.file, entry(a), 'mirror/a-1-r0.apk', keys));
    expect(e.code).toBe('HASH');
    expect(e.message).toBe(`mirror/a-1-r0.apk: checksum of the control section does not match the signed index: expected C:${a.checksum}, got C:${b.checksum}.`);
    expect(e.detail).toMatchObject({ expected: a.checksum, actual: b.checksum });
  });

  it('refuses changed data (datahash), a .PKGINFO for another package, and garbage', async () => {
    const a = buildApk({ name: 'a', version: '1-r0' }, await fixtureKey());
    const bad = Buffer.from(a.file);
    bad[bad.length - 3] ^= 0xff; // inside the data member's gzip trailer: only datahash can notice here
    expect(thrown(() => verifyApkFile(bad, entry(a), 'a.apk', keys)).message).toMatch(/sha256 of the data section does not match .PKGINFO's datahash: expected [0-9a-f]{64}, got [0-9a-f]{64}/);
    const other = buildApk({ name: 'b', version: '1-r0' });
    expect(thrown(() => verifyApkFile(other.file, { ...entry(other), name: 'a' }, 'a.apk', keys)).message).toContain('.PKGINFO says b 1-r0, the index a 1-r0');
    expect(thrown(() => verifyApkFile(Buffer.from('<html>404</html>'), entry(a), 'a.apk', keys)).code).toBe('FORMAT');
  });

  it('without datahash, needs a trusted signature over control and data', async () => {
    const good = buildApk({ name: 'old', version: '1-r0', noDatahash: true }, await fixtureKey());
    expect(verifyApkFile(good.file, entry(good), 'old.apk', keys).signature.keyNames).toEqual([TRUSTED_KEY]);
    const foreign = buildApk({ name: 'old', version: '1-r0', noDatahash: true }, await fixtureKey(UNTRUSTED_KEY));
    const e = thrown(() => verifyApkFile(foreign.file, entry(foreign), 'old.apk', keys));
    expect(e.code).toBe('SIGNATURE');
    expect(e.message).toContain('no datahash and no valid signature over its data');
    const unsigned = buildApk({ name: 'old', version: '1-r0', noDatahash: true });
    expect(thrown(() => verifyApkFile(unsigned.file, entry(unsigned), 'old.apk', keys)).code).toBe('SIGNATURE');
  });
});
