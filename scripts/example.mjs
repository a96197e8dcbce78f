// Runs the main job on the embedded example: serves fixtures/apt/repo on 127.0.0.1 (a random
// port), runs `repro-get lock` on examples/debian-fixture/repro-get.yaml against it, prints the lock.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize, resolve } from 'node:path';

const root = resolve('fixtures/apt/repo');
const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
  const file = join(root, path);
  try {
    if (!file.startsWith(root + '/') || !statSync(file).isFile()) throw new Error();
    res.writeHead(200, { 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}`;
const out = join(mkdtempSync(join(tmpdir(), 'repro-get-example-')), 'repro-get.lock.yaml');
const args = ['lock', '--spec', 'examples/debian-fixture/repro-get.yaml', '--mirror', `${url}/debian`, '--mirror', `debian-security=${url}/debian-security`, '--cache', join(out, '..', 'cache'), '-o', out];
console.error(`$ repro-get ${args.join(' ')}`);
// Asynchronous child: the server answers from this same process while the lock runs.
const code = await new Promise((r) => spawn(process.execPath, ['bin/repro-get', ...args], { stdio: 'inherit' }).on('exit', r));
server.close();
if (code !== 0) process.exit(code ?? 1);
process.stdout.write(readFileSync(out, 'utf8'));
