/**
 * A small client of the OCI Distribution API (the part a content store needs): blob HEAD, blob
 * upload (monolithic: POST then one PUT; chunked: POST, PATCHes with Content-Range, final PUT),
 * manifest PUT/GET, and the Authorization header for blob GETs by the download pool.
 *
 * Auth is negotiated once per client against `GET /v2/`: no challenge means anonymous, `Basic`
 * sends the credentials, `Bearer` fetches a token for `repository:<repo>:<actions>` from the realm
 * (with the credentials as basic auth, when there are any) and renews it when it expires or a
 * request is refused with 401.
 */
import { createReadStream } from 'node:fs';
import type { Dispatcher } from 'undici';
import { ReproError } from '../errors.js';
import { hostRefusal } from '../net/allowed-hosts.js';
import { basicHeader, findCredentials, parseChallenge, type Credentials } from './auth.js';
import { formatOciRef, type OciRef } from './reference.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export interface ClientOptions {
  env?: NodeJS.ProcessEnv;
  /** 'pull' or 'pull,push' */
  actions?: string;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  userAgent?: string;
  /** Called once per HTTP request (tests and the bench count them). */
  onRequest?: (method: string, url: string) => void;
}

type Body = () => Buffer | NodeJS.ReadableStream | undefined;

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: () => Promise<string>;
  bytes: () => Promise<Buffer>;
  dump: () => Promise<void>;
}

export class RegistryClient {
  private auth?: Promise<string | undefined>;
  private expires = Infinity;
  private creds?: Promise<Credentials | undefined>;
  private agent?: Dispatcher;

  constructor(
    readonly ref: OciRef,
    private readonly opts: ClientOptions = {},
  ) {}

  private get name(): string {
    return formatOciRef({ ...this.ref, tag: undefined });
  }

  /** `https://host/v2/<repo>/blobs/sha256:` — a blob's URL is this plus its hex digest. */
  blobPrefix(): string {
    return `${this.ref.base}/v2/${this.ref.repository}/blobs/sha256:`;
  }

  /** The Authorization header to send (undefined: anonymous), negotiated on first use. */
  authorization(renew = false): Promise<string | undefined> {
    if (renew || !this.auth || Date.now() > this.expires) {
      this.auth = this.negotiate();
      this.auth.catch(() => (this.auth = undefined));
    }
    return this.auth;
  }

  private async dispatcher(): Promise<Dispatcher> {
    if (this.opts.dispatcher) return this.opts.dispatcher;
    const { Agent } = await import('undici');
    const t = this.opts.timeoutMs ?? 30_000;
    return (this.agent ??= new Agent({ connections: 16, headersTimeout: t, bodyTimeout: t }));
  }

  async close(): Promise<void> {
    await this.agent?.close();
    this.agent = undefined;
  }

  private async raw(method: string, url: string, headers: Record<string, string>, body?: Buffer | NodeJS.ReadableStream): Promise<Res> {
    const { request } = await import('undici');
    const refused = hostRefusal(url);
    if (refused) throw new ReproError('NETWORK', `${method} ${url}: ${refused}.`);
    this.opts.onRequest?.(method, url);
    let res;
    try {
      res = await request(url, { method: method as Dispatcher.HttpMethod, headers: { 'user-agent': this.opts.userAgent ?? 'repro-get', ...headers }, body: body as never, dispatcher: await this.dispatcher() });
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new ReproError('NETWORK', `${method} ${url}: ${code ? code + ': ' : ''}${(e as Error).message}`, {
        hint: url.startsWith('https:') && /EPROTO|SSL|certificate/i.test(String((e as Error).message)) ? 'A loopback registry without TLS needs --insecure.' : `Check that ${this.ref.registry} is a reachable OCI registry.`,
        cause: e,
      });
    }
    return {
      status: res.statusCode,
      headers: res.headers as Res['headers'],
      text: () => res.body.text(),
      bytes: async () => Buffer.from(await res.body.arrayBuffer()),
      dump: () => res.body.dump().catch(() => {}),
    };
  }

  private async negotiate(): Promise<string | undefined> {
    const res = await this.raw('GET', `${this.ref.base}/v2/`, {});
    await res.dump();
    if (res.status === 200) return undefined;
    const header = res.headers['www-authenticate'];
    const ch = res.status === 401 && header ? parseChallenge(String(header)) : undefined;
    if (!ch) throw new ReproError('NETWORK', `${this.ref.base}/v2/ answered HTTP ${res.status}: not an OCI registry, or not reachable at this address.`);
    this.creds ??= findCredentials(this.ref.registry, this.opts.env);
    const creds = await this.creds;
    if (ch.scheme === 'basic') {
      if (!creds) throw this.denied('asks for a user name and password');
      return basicHeader(creds);
    }
    if (ch.scheme !== 'bearer' || !ch.params.realm) throw new ReproError('NETWORK', `${this.ref.registry}: unsupported authentication challenge ${JSON.stringify(String(header))}.`);
    const u = new URL(ch.params.realm);
    if (ch.params.service) u.searchParams.set('service', ch.params.service);
    u.searchParams.set('scope', `repository:${this.ref.repository}:${this.opts.actions ?? 'pull'}`);
    const tr = await this.raw('GET', u.toString(), creds ? { authorization: basicHeader(creds) } : {});
    if (tr.status !== 200) {
      await tr.dump();
      throw this.denied(`token service ${u.origin}${u.pathname} answered HTTP ${tr.status}`);
    }
    const j = JSON.parse(await tr.text()) as { token?: string; access_token?: string; expires_in?: number };
    const token = j.token ?? j.access_token;
    if (!token) throw new ReproError('NETWORK', `${this.ref.registry}: the token service's answer holds no token.`);
    // Renew a little early; 60 s is the spec's default lifetime.
    this.expires = Date.now() + Math.max(10, (j.expires_in ?? 60) - 10) * 1000;
    return `Bearer ${token}`;
  }

  private denied(why: string): ReproError {
    return new ReproError('NETWORK', `${this.name}: access denied (${why}).`, {
      hint: `Give credentials for ${this.ref.registry} in REPRO_GET_REGISTRY_AUTH (user:password) or with \`docker login ${this.ref.registry}\` (~/.docker/config.json \`auths\`).`,
    });
  }

  /** One request with auth; a 401 renews the auth once and repeats (bodies are made afresh). */
  private async send(method: string, url: string, headers: Record<string, string> = {}, body: Body = () => undefined): Promise<Res> {
    for (let i = 0; ; i++) {
      const auth = await this.authorization(i > 0);
      const res = await this.raw(method, url, { ...headers, ...(auth ? { authorization: auth } : {}) }, body());
      if (res.status !== 401 || i > 0) return res;
      await res.dump();
    }
  }

  private async fail(what: string, res: Res): Promise<never> {
    const text = (await res.text().catch(() => '')).slice(0, 300).trim();
    if (res.status === 401 || res.status === 403) throw this.denied(`${what}: HTTP ${res.status}${text ? ` ${text}` : ''}`);
    throw new ReproError('NETWORK', `${this.name}: ${what} failed: HTTP ${res.status}${text ? ` ${text}` : ''}`);
  }

  /** The blob's size if the registry holds it, else undefined. */
  async headBlob(digest: string): Promise<number | undefined> {
    const res = await this.send('HEAD', `${this.ref.base}/v2/${this.ref.repository}/blobs/${digest}`);
    await res.dump();
    if (res.status === 404) return undefined;
    if (res.status !== 200) return this.fail(`HEAD blob ${digest}`, res);
    return Number(res.headers['content-length'] ?? NaN);
  }

  /**
   * Uploads one blob from a buffer or a file. Up to `chunkSize` bytes go in one PUT; bigger blobs
   * are sent as PATCH chunks (registries and proxies often cap one request's body).
   */
  async uploadBlob(digest: string, size: number, source: { file: string } | { bytes: Buffer }, chunkSize = 64 << 20): Promise<void> {
    const what = `upload of ${digest}`;
    const start = await this.send('POST', `${this.ref.base}/v2/${this.ref.repository}/blobs/uploads/`, { 'content-length': '0' });
    if (start.status !== 202) return this.fail(what, start);
    await start.dump();
    let location = this.location(start, what);
    const part = (from: number, to: number): Body =>
      'bytes' in source ? () => source.bytes.subarray(from, to) : () => createReadStream(source.file, { start: from, end: to - 1, highWaterMark: 1 << 20 });
    if (size > chunkSize) {
      for (let from = 0; from < size; from += chunkSize) {
        const to = Math.min(size, from + chunkSize);
        const res = await this.send('PATCH', location, { 'content-type': 'application/octet-stream', 'content-length': String(to - from), 'content-range': `${from}-${to - 1}` }, part(from, to));
        await res.dump();
        if (res.status !== 202) return this.fail(`${what} (chunk ${from}-${to - 1})`, res);
        location = this.location(res, what);
      }
    }
    const done = `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
    const res =
      size > chunkSize
        ? await this.send('PUT', done, { 'content-length': '0' })
        : await this.send('PUT', done, { 'content-type': 'application/octet-stream', 'content-length': String(size) }, part(0, size));
    if (res.status !== 201) return this.fail(what, res);
    await res.dump();
  }

  private location(res: Res, what: string): string {
    const loc = res.headers.location;
    if (!loc) throw new ReproError('NETWORK', `${this.name}: ${what}: the registry gave no upload Location.`);
    return new URL(String(loc), this.ref.base + '/').toString();
  }

  /** PUTs a manifest under a tag; returns the digest the registry computed. */
  async putManifest(tag: string, body: Buffer, mediaType = OCI_MANIFEST): Promise<string> {
    const res = await this.send('PUT', `${this.ref.base}/v2/${this.ref.repository}/manifests/${tag}`, { 'content-type': mediaType, 'content-length': String(body.length) }, () => body);
    if (res.status !== 201) return this.fail(`PUT manifest ${tag}`, res);
    await res.dump();
    return String(res.headers['docker-content-digest'] ?? '');
  }

  /** The manifest's bytes, or undefined when there is no such tag. */
  async getManifest(ref: string, accept = OCI_MANIFEST): Promise<Buffer | undefined> {
    const res = await this.send('GET', `${this.ref.base}/v2/${this.ref.repository}/manifests/${ref}`, { accept });
    if (res.status === 404) return void (await res.dump());
    if (res.status !== 200) return this.fail(`GET manifest ${ref}`, res);
    return res.bytes();
  }

  /** A small blob (a lockfile) in memory; the caller checks its digest. */
  async getBlob(digest: string): Promise<Buffer> {
    const res = await this.send('GET', `${this.ref.base}/v2/${this.ref.repository}/blobs/${digest}`);
    if (res.status === 307 || res.status === 302) {
      // Storage redirects (S3, CDN) are signed URLs: follow without our Authorization.
      await res.dump();
      const to = await this.raw('GET', new URL(String(res.headers.location), this.ref.base).toString(), {});
      if (to.status !== 200) return this.fail(`GET blob ${digest}`, to);
      return to.bytes();
    }
    if (res.status !== 200) return this.fail(`GET blob ${digest}`, res);
    return res.bytes();
  }
}
