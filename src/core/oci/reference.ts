/**
 * `oci://host[:port]/repository[:tag]` — where a mirror lives in an OCI registry. HTTPS unless
 * `insecure` is asked for, and plain HTTP only to a loopback address: credentials and tokens would
 * otherwise cross the network in clear.
 */
import { ReproError } from '../errors.js';

export interface OciRef {
  /** `host[:port]` as written (the Docker config.json key). */
  registry: string;
  repository: string;
  tag?: string;
  /** `https://host[:port]` or `http://…` */
  base: string;
}

const REPO = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

export function parseOciRef(s: string, opts: { insecure?: boolean } = {}): OciRef {
  const m = /^oci:\/\/(\[[0-9a-fA-F:]+\](?::\d+)?|[A-Za-z0-9.-]+(?::\d+)?)\/([^:@\s]+)(?::([^\s/]+))?$/.exec(s);
  if (!m || !REPO.test(m[2]) || (m[3] !== undefined && !TAG.test(m[3]))) {
    throw new ReproError('USAGE', `${JSON.stringify(s)}: expected oci://HOST[:PORT]/REPOSITORY[:TAG] (repository in lower case, e.g. oci://registry.example/team/debian-artifacts).`);
  }
  const [, registry, repository, tag] = m;
  if (opts.insecure && !isLoopback(registry)) {
    throw new ReproError('USAGE', `--insecure (plain HTTP) is only allowed for a loopback registry, not ${registry}: credentials would travel in clear.`, {
      hint: 'Serve the registry over HTTPS, or reach it through a loopback tunnel.',
    });
  }
  return { registry, repository, tag, base: `${opts.insecure ? 'http' : 'https'}://${registry}` };
}

export function formatOciRef(r: OciRef): string {
  return `oci://${r.registry}/${r.repository}${r.tag ? ':' + r.tag : ''}`;
}
