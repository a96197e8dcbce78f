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
import { startMirror, type Mirror } from '../support/mirror.js';
import { buildFixtureTree, type FixtureTree } from '../families/apk/support/fixture-repo.js';

export const INDEX = '/alpine/v3.20/main/x86_64/APKINDEX.tar.gz';
export const JQ = '/alpine/v3.20/main/x86_64/jq-1.7.1-r0.apk';
/** After the fixture indexes' build time (2023-11-14), as a lock without --snapshot needs. */
export const NOW = new Date('2025-06-01T00:00:00Z');

export interface ApkWorld {
  tree: FixtureTree;
  bad: Mirror;
  good: Mirror;
  spec(pkgs?: string[]): Spec;
  close(): Promise<void>;
}

export async function apkWorld(): Promise<ApkWorld> {
  const tree = await buildFixtureTree();
  const bad = await startMirror({ root: tree.root });
  const good = await startMirror({ root: tree.root });
  const distros = await mkdtemp(join(tmpdir(), 'rg-hostile-apk-distros-'));
  await writeFile(join(distros, 'alpine.yaml'), YAML.stringify(tree.distro(good.url)));
  const saved = process.env.REPRO_GET_DISTROS;
  process.env.REPRO_GET_DISTROS = distros;
  return {
    tree,
    bad,
    good,
    spec: (pkgs = ['jq']) => ({
      dir: '/tmp',
      distro: 'alpine:3.20',
      architectures: ['x86_64'],
      components: ['main'],
      mirrors: [{ url: `${bad.url}/alpine/` }],
      keyrings: [],
      repos: [],
      packages: pkgs.map((p) => parsePackageRequest(p) as PackageRequest),
    }),
    async close() {
      process.env.REPRO_GET_DISTROS = saved;
      await bad.close();
      await good.close();
    },
  };
}
