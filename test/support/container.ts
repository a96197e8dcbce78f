/**
 * Real container builds for the Dockerfile tests: a private dockerd (scripts/start-dockerd.sh, vfs
 * storage, nothing pulled), base images imported from a debootstrap root, BuildKit builds, and an
 * image's whole file tree read back through `docker export` for comparisons.
 *
 * Every command runs asynchronously: the fixture mirror lives in the test process, and a
 * synchronous child would stop it from answering the build's downloads.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parser, type ReadEntry } from 'tar';

const START = fileURLToPath(new URL('../../scripts/start-dockerd.sh', import.meta.url));

export interface Docker {
  /** The client (docker.io's own when present: it has BuildKit without the buildx plugin). */
  client: string;
  env: NodeJS.ProcessEnv;
  /** True when this process started the daemon (then `stop()` ends it). */
  started: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; output is collected (and `input` piped in). Never rejects on a non-zero exit. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: NodeJS.ReadableStream } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d));
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    if (opts.input) opts.input.pipe(child.stdin!);
    child.on('error', (e) => resolve({ code: 127, stdout, stderr: stderr + e.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The private daemon, or why the container tests must be skipped. */
export async function startDocker(): Promise<Docker | { skip: string }> {
  if (process.getuid?.() !== 0) return { skip: 'running dockerd needs root' };
  if (!existsSync('/usr/sbin/dockerd') && (await run('sh', ['-c', 'command -v dockerd'])).code !== 0) {
    return { skip: 'dockerd is not installed (apt-get install docker.io)' };
  }
  const client = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
  const env = { ...process.env, DOCKER_HOST: 'unix:///run/repro-get-docker.sock', DOCKER_BUILDKIT: '1' };
  const already = (await run(client, ['version', '--format', '{{.Server.Version}}'], { env })).code === 0;
  const r = await run('bash', [START]);
  if (r.code !== 0) return { skip: `dockerd could not be started: ${(r.stderr || r.stdout).trim().split('\n').slice(-4).join(' / ')}` };
  return { client, env: { ...env, DOCKER_HOST: r.stdout.trim() }, started: !already };
}

export async function stopDocker(d: Docker): Promise<void> {
  if (d.started) await run('bash', [START, '--stop']);
}

export async function docker(d: Docker, args: string[], opts: { cwd?: string; input?: NodeJS.ReadableStream } = {}): Promise<RunResult> {
  return run(d.client, args, { env: d.env, ...opts });
}

/** Same as docker(), but a non-zero exit throws with the command's output. */
export async function dockerOk(d: Docker, args: string[], opts: { cwd?: string; input?: NodeJS.ReadableStream } = {}): Promise<string> {
  const r = await docker(d, args, opts);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.code}):\n${(r.stdout + r.stderr).slice(-4000)}`);
  return r.stdout;
}

/** The value of a label on a local image, or undefined when the image is not there. */
export async function imageLabel(d: Docker, image: string, label: string): Promise<string | undefined> {
  const r = await docker(d, ['image', 'inspect', '--format', `{{ index .Config.Labels ${JSON.stringify(label)} }}`, image]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** One file system entry as `docker export` shows it; `sha256` only for regular files. */
export interface TreeEntry {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  link?: string;
  sha256?: string;
}

export interface ImageTree {
  entries: Map<string, TreeEntry>;
  /** Contents of the regular files `keep` selected. */
  files: Map<string, Buffer>;
}

/**
 * The whole file tree of an image, read through one created (never started) container: on vfs
 * every container is a full copy of the image, so each image is read once and the few files a
 * test wants to look into (`keep`) come back with it.
 */
export async function exportTree(d: Docker, image: string, keep: (path: string) => boolean = () => false): Promise<ImageTree> {
  const id = (await dockerOk(d, ['create', image, '/bin/true'])).trim();
  try {
    const entries = new Map<string, TreeEntry>();
    const files = new Map<string, Buffer>();
    const child = spawn(d.client, ['export', id], { env: d.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b));
    const parser = new Parser({
      onReadEntry: (e: ReadEntry) => {
        const path = e.path.replace(/^\.?\//, '').replace(/\/$/, '');
        const regular = e.type === 'File' || e.type === 'OldFile';
        const hash = regular ? createHash('sha256') : undefined;
        const chunks: Buffer[] | undefined = regular && keep(path) ? [] : undefined;
        e.on('data', (b: Buffer) => (hash?.update(b), chunks?.push(b)));
        e.on('end', () => {
          if (chunks) files.set(path, Buffer.concat(chunks));
          entries.set(path, {
            type: e.type,
            mode: e.mode ?? 0,
            uid: e.uid ?? 0,
            gid: e.gid ?? 0,
            size: e.size ?? 0,
            mtime: e.mtime ? Math.floor(e.mtime.getTime() / 1000) : 0,
            link: e.linkpath || undefined,
            sha256: hash?.digest('hex'),
          });
        });
      },
    });
    const done = new Promise<void>((resolve, reject) => {
      parser.on('end', resolve);
      parser.on('error', reject);
      child.on('close', (code) => (code ? reject(new Error(`docker export failed: ${err}`)) : undefined));
    });
    child.stdout.pipe(parser);
    await done;
    return { entries, files };
  } finally {
    await docker(d, ['rm', '-f', id]);
  }
}

/** Paths whose entries differ (in any field, or present in one tree only), skipping `ignore`d ones. */
export function diffTrees(a: Map<string, TreeEntry>, b: Map<string, TreeEntry>, ignore: (path: string) => boolean = () => false): string[] {
  const out: string[] = [];
  for (const p of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (ignore(p)) continue;
    const x = a.get(p);
    const y = b.get(p);
    if (!x || !y) out.push(`${p}: only in ${x ? 'the first' : 'the second'}`);
    else if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`${p}: ${JSON.stringify(x)} ≠ ${JSON.stringify(y)}`);
  }
  return out;
}

/**
 * What docker's per-container init layer creates (and `docker export` shows) whatever the image:
 * /.dockerenv, /etc/{hostname,hosts,resolv.conf,mtab}, /dev, /proc, /sys, and /etc's mtime with them.
 */
export const RUNTIME_PATHS = (p: string): boolean => /^(\.dockerenv|etc|etc\/(hostname|hosts|resolv\.conf|mtab)|dev(\/.*)?|proc|sys)$/.test(p);

/**
 * `tag` = the debootstrap root imported as an image (no pull: nothing is reachable). Reused while
 * the root's completion marker (which holds its build time) is unchanged.
 */
export async function importRoot(d: Docker, root: string, tag: string, marker = '.repro-get-debootstrap-complete'): Promise<void> {
  const stamp = createHash('sha256').update(await readFile(join(root, marker))).digest('hex');
  if ((await imageLabel(d, tag, 'org.repro-get.test.root')) === stamp) return;
  const tar = spawn('tar', ['--numeric-owner', '-C', root, '-c', `--exclude=./${marker}`, '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await dockerOk(d, ['import', '--change', `LABEL org.repro-get.test.root=${stamp}`, '-', tag], { input: tar.stdout });
}

/**
 * `tag` = `base` plus this machine's Node.js and npm and this checkout's built repro-get (bin, dist,
 * distros, production node_modules) as a local package of the root folder, where `npx
 * repro-get@VERSION` finds it; npm is set offline, so a version that is not there fails instead of
 * reaching a registry. Rebuilt only when its inputs change.
 */
export async function buildNodeImage(d: Docker, base: string, tag: string, repo: string, work: string): Promise<void> {
  const npmDir = dirname(dirname(await realpath(execPathOf('npm'))));
  const baseId = (await dockerOk(d, ['image', 'inspect', '--format', '{{.Id}}', base])).trim();
  const h = createHash('sha256').update(`${process.version}\0${npmDir}\0${baseId}\0`);
  for (const f of ['dist/cli.mjs', 'package.json', 'package-lock.json']) h.update(await readFile(join(repo, f)));
  const stamp = h.digest('hex');
  if ((await imageLabel(d, tag, 'org.repro-get.test.node')) === stamp) return;

  const ctx = join(work, 'node-image');
  const fs = join(ctx, 'rootfs');
  const pkg = join(fs, 'node_modules/repro-get');
  await mkdir(join(fs, 'usr/local/bin'), { recursive: true });
  await mkdir(join(fs, 'usr/local/lib/node_modules'), { recursive: true });
  await mkdir(join(pkg, 'node_modules'), { recursive: true });
  await mkdir(join(fs, 'node_modules/.bin'), { recursive: true });
  await copyFile(process.execPath, join(fs, 'usr/local/bin/node'));
  await cpR(npmDir, join(fs, 'usr/local/lib/node_modules/npm'));
  await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(fs, 'usr/local/bin/npm'));
  await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(fs, 'usr/local/bin/npx'));
  for (const f of ['bin', 'dist', 'distros', 'package.json']) await cpR(join(repo, f), join(pkg, f));
  const prod = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: repo });
  const top = new Set(prod.stdout.split('\n').map((p) => relative(join(repo, 'node_modules'), p)).filter((p) => /^(@[^/]+\/)?[^/@.][^/]*$/.test(p)));
  for (const p of top) await cpR(join(repo, 'node_modules', p), join(pkg, 'node_modules', p));
  await symlink('../repro-get/bin/repro-get', join(fs, 'node_modules/.bin/repro-get'));
  await writeFile(
    join(ctx, 'Dockerfile'),
    [
      `FROM ${base}`,
      'COPY rootfs/ /',
      'ENV npm_config_offline=true npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false',
      `LABEL org.repro-get.test.node=${stamp}`,
      '',
    ].join('\n'),
  );
  await dockerOk(d, ['build', '-q', '-t', tag, ctx]);
  await rm(ctx, { recursive: true, force: true });
}

async function cpR(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  const r = await run('cp', ['-a', from, to]);
  if (r.code !== 0) throw new Error(`cp -a ${from} ${to}: ${r.stderr}`);
}

function execPathOf(cmd: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  throw new Error(`${cmd} not found on PATH`);
}
