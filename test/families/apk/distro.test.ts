/** distros/alpine.yaml and the repository plan built from it. */
import { describe, expect, it } from 'vitest';
import { loadDistro } from '../../../src/core/distros.js';
import { ReproError } from '../../../src/core/errors.js';
import type { Spec } from '../../../src/core/spec.js';
import { planApkSources, readApkDistro } from '../../../src/families/apk/distro.js';
import { getFamily, versionComparator } from '../../../src/families/index.js';

const spec = (o: Partial<Spec> = {}): Spec => ({ dir: '.', distro: 'alpine:3.20', architectures: [], mirrors: [], keyrings: [], repos: [], packages: [], ...o });

describe('alpine distro data', () => {
  it('loads, and plans main then community at the release branch', async () => {
    const { data, release } = await loadDistro('alpine:3.20');
    const d = readApkDistro(data);
    expect(release).toBe('3.20');
    expect((await getFamily(data.family)).name).toBe('apk');
    expect(d.retention).toMatch(/^latest build only: .*keep the locked artifacts in your own store/);
    const plans = planApkSources(d, release, spec(), 'x86_64');
    expect(plans.map((p) => [p.id, p.url])).toEqual([
      ['alpine/v3.20/main', 'https://dl-cdn.alpinelinux.org/alpine/v3.20/main/x86_64/'],
      ['alpine/v3.20/community', 'https://dl-cdn.alpinelinux.org/alpine/v3.20/community/x86_64/'],
    ]);
    expect(planApkSources(d, 'edge', spec({ components: ['main', 'testing'] }), 'aarch64').map((p) => p.url)).toEqual([
      'https://dl-cdn.alpinelinux.org/alpine/edge/main/aarch64/',
      'https://dl-cdn.alpinelinux.org/alpine/edge/testing/aarch64/',
    ]);
  });

  it('puts a mirror first, replaces or adds spec repositories in order', async () => {
    const d = readApkDistro((await loadDistro('alpine:3.20')).data);
    const plans = planApkSources(d, '3.20', spec({
      mirrors: [{ url: 'http://mirror.example/alpine/' }],
      repos: [
        { id: 'community', url: 'https://store.example/alpine/v3.20/community', untrusted: false, keyrings: [] },
        { id: 'mine', url: 'https://store.example/mine/', untrusted: true, keyrings: ['/k.rsa.pub'] },
      ],
    }), 'x86_64');
    expect(plans).toEqual([
      { id: 'alpine/v3.20/main', index: 0, url: 'https://dl-cdn.alpinelinux.org/alpine/v3.20/main/x86_64/', mirrorUrl: 'http://mirror.example/alpine/v3.20/main/x86_64/', untrusted: false, keys: [], retention: d.retention },
      { id: 'community', index: 1, url: 'https://store.example/alpine/v3.20/community/x86_64/', mirrorUrl: undefined, untrusted: false, keys: [], retention: undefined },
      { id: 'mine', index: 2, url: 'https://store.example/mine/x86_64/', untrusted: true, keys: ['/k.rsa.pub'] },
    ]);
  });

  it('refuses an unknown release, architecture or repository with what exists', async () => {
    const d = readApkDistro((await loadDistro('alpine:3.20')).data);
    const err = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(ReproError);
        return (e as Error).message;
      }
      return '';
    };
    expect(err(() => planApkSources(d, '3.2O', spec(), 'x86_64'))).toMatch(/unknown alpine release "3.2O".*Did you mean 3\.2/);
    expect(err(() => planApkSources(d, undefined, spec(), 'x86_64'))).toMatch(/needs a release/);
    expect(err(() => planApkSources(d, '3.20', spec(), 'amd64'))).toMatch(/no architecture "amd64"/);
    expect(err(() => planApkSources(d, '3.20', spec({ components: ['comunity'] }), 'x86_64'))).toMatch(/no repository "comunity"/);
    expect(err(() => readApkDistro({ family: 'apk', name: 'broken' }))).toMatch(/distros\/broken.yaml: field "releases"/);
  });

  it('serves `vercmp --family apk`', async () => {
    const cmp = await versionComparator('apk');
    expect(cmp('1.0_rc1', '1.0')).toBe(-1);
    expect(cmp('1.0', '1.0-r1')).toBe(-1);
  });
});
