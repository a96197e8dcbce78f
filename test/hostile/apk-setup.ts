/**
 * Setup shared by the apk hostile scenarios: the fixture Alpine tree (test/families/apk/support)
 * served by two loopback mirrors, and a distros folder whose alpine.yaml names the second one as the
 * distro's own (permanent) mirror. The spec's --mirror (`bad`) is where faults are injected; the
 * permanent URL (`good`) is the next URL every index and .apk has, so "cured by the next mirror" is
 * tested hermetically, through the app's lock, fetch and install.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { parsePackageRequest, type PackageRequest, type Spec } from '../../src/core/spec.js';
import { mirrorPair, type MirrorPair } from './harness.js';
import { buildFixtureTree, type FixtureTree } from '../families/apk/support/fixture-repo.js';

export const INDEX = '/alpine/v3.20/main/x86_64/APKINDEX.tar.gz';
export const JQ = '/alpine/v3.20/main/x86_64/jq-1.7.1-r0.apk';
/** After the fixture indexes' build time (2023-11-14), as a lock without --snapshot needs. */
export const NOW = new Date('2025-06-01T00:00:00Z');

export interface ApkWorld extends MirrorPair {
  tree: FixtureTree;
  spec(pkgs?: string[]): Spec;
}

export async function apkWorld(): Promise<ApkWorld> {
  const tree = await buildFixtureTree();
  const pair = await mirrorPair(tree.root, tree.root, async (good) => {
    const distros = await mkdtemp(join(tmpdir(), 'rg-hostile-apk-distros-'));
    await writeFile(join(distros, 'alpine.yaml'), YAML.stringify(tree.distro(good.url)));
    return distros;
  });
  return {
    ...pair,
    tree,
    spec: (pkgs = ['jq']) => ({
      dir: '/tmp',
      distro: 'alpine:3.20',
      architectures: ['x86_64'],
      components: ['main'],
      mirrors: [{ url: `${pair.bad.url}/alpine/` }],
      keyrings: [],
      repos: [],
      packages: pkgs.map((p) => parsePackageRequest(p) as PackageRequest),
    }),
  };
}
