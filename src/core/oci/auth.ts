/**
 * Registry credentials and the two challenge schemes of the Distribution API.
 *
 * Credentials come from REPRO_GET_REGISTRY_AUTH first (`user:password` for every registry, or
 * space-separated `HOST=user:password` entries), then from the Docker credentials file
 * ($DOCKER_CONFIG/config.json or ~/.docker/config.json, `auths` entries with `auth` or
 * `username`/`password`). Credential helpers (`credsStore`) are not run: a build tool should not
 * execute programs named by a config file it was not asked about.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ReproError } from '../errors.js';

export interface Credentials {
  username: string;
  password: string;
  /** Where they came from, for error messages (never the secret itself). */
  from: string;
}

export async function findCredentials(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  const fromEnv = env.REPRO_GET_REGISTRY_AUTH?.trim();
  if (fromEnv) {
    for (const entry of fromEnv.split(/\s+/)) {
      const eq = entry.indexOf('=');
      // `HOST[:PORT]=user:pass`, unless what precedes the `=` is not a host (a bare `user:pa=ss`).
      const scoped = eq > 0 && /^(?:[A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::\d+)?$/.test(entry.slice(0, eq));
      if (scoped && entry.slice(0, eq) !== registry) continue;
      const up = scoped ? entry.slice(eq + 1) : entry;
      const c = up.indexOf(':');
      if (c <= 0) throw new ReproError('USAGE', 'REPRO_GET_REGISTRY_AUTH: expected `user:password` or `HOST=user:password` entries.');
      return { username: up.slice(0, c), password: up.slice(c + 1), from: 'REPRO_GET_REGISTRY_AUTH' };
    }
  }
  const file = join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker'), 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let auths: Record<string, { auth?: string; username?: string; password?: string }>;
  try {
    auths = (JSON.parse(text) as { auths?: typeof auths }).auths ?? {};
  } catch (e) {
    throw new ReproError('USAGE', `${file}: not valid JSON (${(e as Error).message}).`);
  }
  // Keys are written as `host`, `https://host`, `https://host/v1/` and so on.
  const key = Object.keys(auths).find((k) => k.replace(/^https?:\/\//, '').replace(/\/.*$/, '') === registry);
  const e = key === undefined ? undefined : auths[key];
  if (!e) return undefined;
  if (e.username && e.password) return { username: e.username, password: e.password, from: file };
  if (e.auth) {
    const up = Buffer.from(e.auth, 'base64').toString('utf8');
    const c = up.indexOf(':');
    if (c > 0) return { username: up.slice(0, c), password: up.slice(c + 1), from: file };
  }
  return undefined;
}

export function basicHeader(c: Credentials): string {
  return 'Basic ' + Buffer.from(`${c.username}:${c.password}`).toString('base64');
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** `Bearer realm="…",service="…",scope="…"` → its parts (quoted values may hold commas). */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/([A-Za-z_]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  return { scheme: m[1].toLowerCase(), params };
}
