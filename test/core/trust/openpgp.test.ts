import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Keyring, verifyDetached } from '../../../src/core/trust/openpgp.js';

const shared = (p: string) => fileURLToPath(new URL(`../../../../shared/real-metadata/${p}`, import.meta.url));
const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

describe('openpgp verification', () => {
  it('verifies the real Ubuntu jammy Release.gpg with the Ubuntu keys shipped in distros/', async () => {
    const kr = await Keyring.fromFiles([root('distros/keys/ubuntu-archive-keyring.gpg')]);
    const d = shared('ubuntu/jammy-iso/dists/jammy/');
    const v = await verifyDetached(await readFile(d + 'Release'), await readFile(d + 'Release.gpg'), kr, 'jammy Release');
    expect(v.signers).toEqual(['843938DF228D22F7B3742BC0D94AA3F0EFE21092']);
    expect(v.created.toISOString()).toBe('2023-02-17T21:57:09.000Z');
  });

  it('refuses a modified Release, naming the file', async () => {
    const kr = await Keyring.fromFiles([root('distros/keys/ubuntu-archive-keyring.gpg')]);
    const d = shared('ubuntu/jammy-iso/dists/jammy/');
    const rel = Buffer.from(await readFile(d + 'Release'));
    rel[100] ^= 1;
    await expect(verifyDetached(rel, await readFile(d + 'Release.gpg'), kr, 'jammy Release')).rejects.toThrow(/jammy Release: no valid signature from a trusted key/);
  });

  it('refuses a signature by a key that is not trusted', async () => {
    const debian = await Keyring.fromFiles([root('distros/keys/debian-archive-keyring.gpg')]);
    const d = shared('ubuntu/jammy-iso/dists/jammy/');
    await expect(verifyDetached(await readFile(d + 'Release'), await readFile(d + 'Release.gpg'), debian, 'jammy Release')).rejects.toThrow(/not in the trusted keyring/);
  });
});
