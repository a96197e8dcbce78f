/**
 * The built CLI (`./bin/repro-get`, after `npm run build`) end to end: `mirror push --to oci://`,
 * the fixture archive stopped, `install --mirror oci:// --insecure --dry-run` from the registry
 * alone, `mirror pull`, `--json`, and usage errors (plain HTTP off loopback, a bad store).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { serializeLockfile } from '../../src/core/lockfile/write.js';
import { lockTag } from '../../src/core/oci/manifest.js';
import { FIXTURE_REPO, fixtureLock } from '../support/fixture-lock.js';
import { startMirror, type Mirror } from '../support/mirror.js';
import { REGISTRY_BIN, startRegistry, type Registry } from '../support/registry.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(root, 'bin/repro-get');
const ready = existsSync(join(root, 'dist/cli.mjs')) && existsSync(REGISTRY_BIN);

const run = (args: string[]) => runCli(args, { env: { REPRO_GET_REGISTRY_AUTH: '', DOCKER_CONFIG: '/nonexistent' } });

describe.skipIf(!ready)('repro-get mirror (CLI)', () => {
  let archive: Mirror | undefined;
  let reg: Registry;
  let dir: string;
  let lockPath: string;
  let text: string;
  beforeAll(async () => {
    archive = await startMirror({ root: FIXTURE_REPO });
    reg = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), 'repro-get-mirror-cli-'));
    lockPath = join(dir, 'repro-get.lock.yaml');
    text = serializeLockfile(fixtureLock(archive.url, ['rg-tool', 'librgcore1', 'rg-data']));
    await writeFile(lockPath, text);
    await mkdir(join(dir, 'root/var/lib/dpkg'), { recursive: true });
    await writeFile(join(dir, 'root/var/lib/dpkg/status'), '');
  });
  afterAll(async () => {
    await archive?.close();
    await reg?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('pushes, then installs and pulls from the registry with the archive stopped', async () => {
    const repo = `oci://${reg.host}/team/debian-artifacts`;
    const push = await run(['mirror', 'push', '-f', lockPath, '--to', repo, '--insecure', '--cache', join(dir, 'c1'), '-q', '--json']);
    expect(push.code, push.stderr).toBe(0);
    expect(JSON.parse(push.stdout)).toMatchObject({ to: `${repo}:${lockTag(text)}`, blobs: 5, uploaded: 5, present: 0 });

    await archive!.close();
    archive = undefined;
    const install = await run(['install', '-f', lockPath, '--mirror', repo, '--insecure', '--dry-run', '--root', join(dir, 'root'), '--cache', join(dir, 'c2'), '-q', '--retries', '0']);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout).toMatch(/^would install 3 package\(s\)/);

    const pull = await run(['mirror', 'pull', '--from', `${repo}:${lockTag(text)}`, '-f', join(dir, 'pulled.yaml'), '--insecure', '--cache', join(dir, 'c3'), '--json']);
    expect(pull.code, pull.stderr).toBe(0);
    expect(JSON.parse(pull.stdout)).toMatchObject({ packages: 3, downloaded: 3 });
    expect(await readFile(join(dir, 'pulled.yaml'), 'utf8')).toBe(text);

    const again = await run(['mirror', 'push', '-f', lockPath, '--to', repo, '--insecure', '--cache', join(dir, 'c4')]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('0 of 5 blob(s) uploaded');
  });

  it('refuses plain HTTP off loopback and stores it cannot name, with exit code 2', async () => {
    const r = await run(['mirror', 'push', '-f', lockPath, '--to', 'oci://registry.example/x', '--insecure']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('only allowed for a loopback registry');
    const s = await run(['mirror', 'push', '-f', lockPath, '--to', 'ftp://x/']);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('expected oci://HOST/REPOSITORY or dir:FOLDER');
    const c = await run(['mirror', 'push', '-f', lockPath, '--to', 'dir:/tmp/x', '--chunk-size', 'lots']);
    expect(c.code).toBe(2);
  });
});
