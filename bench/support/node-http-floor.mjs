// The floor for any Node.js downloader on this machine: the same URLs as the benchmark's lock,
// 8 at a time over kept-alive node:http connections, each body piped straight into a file. No
// hashing, no cache, no checks, no CLI: what is left is Node's start-up and its HTTP client.
// Usage: node bench/support/node-http-floor.mjs LOCKFILE OUTDIR
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';

const [lockFile, out] = process.argv.slice(2);
const urls = readFileSync(lockFile, 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('    url: '))
  .map((l) => l.slice('    url: '.length));
mkdirSync(out, { recursive: true });
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
let next = 0;
const worker = async () => {
  while (next < urls.length) {
    const url = urls[next++];
    await new Promise((resolve, reject) => {
      http
        .get(url, { agent }, (res) => {
          if (res.statusCode !== 200) return reject(new Error(`${url}: HTTP ${res.statusCode}`));
          const file = createWriteStream(join(out, url.slice(url.lastIndexOf('/') + 1)));
          res.pipe(file).on('finish', resolve).on('error', reject);
        })
        .on('error', reject);
    });
  }
};
await Promise.all(Array.from({ length: 8 }, worker));
agent.destroy();
