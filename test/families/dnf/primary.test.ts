import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { ReproError } from '../../../src/core/errors.js';
import { PrimaryParser, parsePrimary, readPrimary } from '../../../src/families/dnf/primary.js';
import { XmlStream } from '../../../src/families/dnf/xml-stream.js';

const REAL = '../shared/real-metadata/fedora';
const appstreamXml = () =>
  gunzipSync(readFileSync(`${REAL}/cs9-appstream-x86_64/repodata/c03bb2ebc33bbee3046da091b45d90717273a43d3641a9d84e6eede05637bc8a-primary.xml.gz`)).toString('utf8');

function expectError(f: () => unknown, code: string, re: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ReproError);
    expect((e as ReproError).code).toBe(code);
    expect((e as ReproError).message).toMatch(re);
    return;
  }
  throw new Error('expected an error');
}

/** Digest of the element events (start tags with sorted attributes, leaf texts, end tags). */
function eventsDigest(run: (ev: (s: string) => void) => void): string {
  const h = createHash('sha256');
  run((s) => h.update(s + '\n'));
  return h.digest('hex');
}

function ours(xml: string, chunk: number, ev: (s: string) => void): void {
  const x = new XmlStream(
    {
      open(name, attrs) {
        ev(`<${name} ${[...attrs].sort().map(([k, v]) => `${k}=${v}`).join(' ')}`);
        return true;
      },
      close(name, text) {
        ev(`>${text ?? ''}</${name}`);
      },
    },
    'doc',
  );
  for (let i = 0; i < xml.length; i += chunk) x.write(xml.slice(i, i + chunk));
  x.end();
}

function saxes(xml: string, ev: (s: string) => void): void {
  const p = new SaxesParser();
  let text: string[] | undefined;
  p.on('opentag', (t) => {
    ev(`<${t.name} ${Object.entries(t.attributes as Record<string, string>).sort().map(([k, v]) => `${k}=${v}`).join(' ')}`);
    text = [];
  });
  p.on('text', (t) => text?.push(t));
  p.on('cdata', (t) => text?.push(t));
  p.on('closetag', (t) => {
    ev(`>${text ? text.join('') : ''}</${t.name}`);
    text = undefined; // an element with children has no leaf text
  });
  p.write(xml).close();
}

describe('XmlStream', () => {
  it('reports the same elements, attributes and texts as saxes on the real AppStream primary', () => {
    const xml = appstreamXml();
    expect(eventsDigest((ev) => ours(xml, 1 << 20, ev))).toBe(eventsDigest((ev) => saxes(xml, ev)));
  });

  it('gives the same events however the input is split', () => {
    const doc = `<?xml version="1.0"?>\n<!-- c --><a x="1&amp;2" y='&lt;&#65;&#x42;'>\n <b>t&gt;u<![CDATA[<raw>&]]></b><c/>\n<d k = "v" /></a>\n`;
    const whole = eventsDigest((ev) => ours(doc, doc.length, ev));
    expect(whole).toBe(eventsDigest((ev) => saxes(doc, ev)));
    fc.assert(fc.property(fc.integer({ min: 1, max: doc.length }), (n) => eventsDigest((ev) => ours(doc, n, ev)) === whole));
  });

  it('refuses what repository metadata never holds, with file:line', () => {
    const run = (doc: string) => () => ours(doc, 3, () => {});
    expectError(run('<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x "y">]>\n<a/>'), 'FORMAT', /^doc:2: DOCTYPE/);
    expectError(run('<a>\n&bogus;</a>'), 'FORMAT', /^doc:2: unknown entity/);
    expectError(run('<a>\n<b></c></a>'), 'FORMAT', /^doc:2: <\/c> closes <b>/);
    expectError(run('<a>\n\n<b x=1/></a>'), 'FORMAT', /^doc:3: attribute x of <b> is not quoted/);
    expectError(run('<a><b>'), 'FORMAT', /end of document inside <b>/);
    expectError(run('<a/><b/>'), 'FORMAT', /second root element/);
    expectError(run('<a>&#0;</a>'), 'FORMAT', /bad character reference/);
  });

  it('bounds tokens and nesting (LIMIT)', () => {
    const small = (doc: string, limits: object) => () => {
      const x = new XmlStream({ open: () => false, close: () => {} }, 'doc', limits);
      for (let i = 0; i < doc.length; i += 16) x.write(doc.slice(i, i + 16));
      x.end();
    };
    expectError(small(`<a>${'x'.repeat(200)}</a>`, { maxToken: 100 }), 'LIMIT', /text longer than 100/);
    expectError(small(`<a b="${'x'.repeat(200)}"/>`, { maxToken: 100 }), 'LIMIT', /markup longer than 100/);
    expectError(small('<a>'.repeat(10), { maxDepth: 5 }), 'LIMIT', /nested deeper than 5/);
  });
});

const pkg = (body: string, name = 'foo', extra = '') => `<package type="rpm">
  <name>${name}</name>
  <arch>x86_64</arch>
  <version epoch="0" ver="1.0" rel="1.fc40"/>
  <checksum type="sha256" pkgid="YES">${'a'.repeat(64)}</checksum>
  <size package="123" installed="456" archive="789"/>
  <location href="Packages/f/${name}-1.0-1.fc40.x86_64.rpm"${extra}/>
  <format>
    <rpm:sourcerpm>${name}-1.0-1.fc40.src.rpm</rpm:sourcerpm>
${body}
  </format>
</package>`;
const doc = (pkgs: string[], declared = pkgs.length) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${declared}">\n${pkgs.join('\n')}\n</metadata>\n`;

describe('primary.xml', () => {
  it('reads all 17,649 packages of the real CentOS Stream 9 AppStream primary', () => {
    const xml = appstreamXml();
    const pkgs = parsePrimary(xml, 'appstream', 'primary.xml');
    expect(pkgs).toHaveLength(17649);
    // Counted independently: every kept dependency entry and file appears once in the model.
    const entries = (kind: string) => {
      let n = 0;
      for (const m of xml.matchAll(new RegExp(`<rpm:${kind}>([\\s\\S]*?)</rpm:${kind}>`, 'g'))) n += (m[1].match(/<rpm:entry /g) ?? []).length;
      return n;
    };
    for (const kind of ['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'supplements'] as const) {
      expect(pkgs.reduce((a, p) => a + p[kind].length, 0), kind).toBe(entries(kind));
    }
    expect(pkgs.reduce((a, p) => a + p.files.length, 0)).toBe((xml.match(/<file[ >]/g) ?? []).length);
    const ds = pkgs.find((p) => p.name === '389-ds-base')!;
    expect(ds).toMatchObject({
      arch: 'x86_64',
      evr: '2.5.1-1.el9',
      sha256: 'd906a4edec477483b2c11176dabfe62a73031b88ae1be5862ff5f8ed15c62ec2',
      size: 2922140,
      location: 'Packages/389-ds-base-2.5.1-1.el9.x86_64.rpm',
      sourcerpm: '389-ds-base-2.5.1-1.el9.src.rpm',
    });
    expect(ds.provides.slice(0, 2)).toEqual(['389-ds-base = 2.5.1-1.el9', '389-ds-base(x86-64) = 2.5.1-1.el9']);
    expect(ds.requires).toContain('nss >= 3.67.0-7');
    expect(ds.conflicts).toEqual(['freeipa-server < 4.0.3', 'selinux-policy-base < 3.9.8']);
    expect(ds.obsoletes).toContain('389-ds-base <= 1.3.5.4');
    expect(ds.files).toContain('/usr/sbin/ns-slapd');
    // Rich dependencies come through verbatim, entities decoded.
    expect(pkgs.flatMap((p) => p.supplements)).toContain('(grub2 and boom-boot = 1.3-3.el9)');
    expect(pkgs.some((p) => p.requires.some((r) => r.startsWith('(') && r.includes(' if ')))).toBe(true);
    expect(pkgs.some((p) => p.epoch > 0 && p.evr.startsWith(`${p.epoch}:`))).toBe(true);
  });

  it('streams compressed bytes to the same packages, multi-byte characters across every piece boundary', async () => {
    // readPrimary decodes in 64 KiB pieces (and gunzip hands out 256 KiB chunks): file names with
    // 2-, 3- and 4-byte characters, shifted one byte per package, put every split of a character
    // on some boundary.
    const pkgs = Array.from({ length: 700 }, (_, i) => pkg(`${'<file>/etc/é€😀x</file>\n'.repeat(8)}<file>/etc/${'y'.repeat(i % 7)}ü</file>`, `p${i}`));
    const xml = doc(pkgs);
    const bytes = Buffer.from(xml);
    expect(bytes.length).toBeGreaterThan(3 * 65536);
    const open = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
    const want = parsePrimary(xml, 'r', 'p');
    expect(want[0].files[0]).toBe('/etc/é€😀x');
    for (const [kind, data] of [['none', bytes], ['gz', gzipSync(bytes)]] as const) {
      const got = await readPrimary(data, kind, 'r', 'p', open);
      expect(got.packages).toEqual(want);
    }
  });

  it('reads the real el9 self-built repository', () => {
    const xml = gunzipSync(readFileSync(`${REAL}/el9-selfbuilt/repodata/7301ce108e66fd45eb51b0fb717c9899698f1fa9e3ae22ecd20d10706f0d61dc-primary.xml.gz`));
    const pkgs = parsePrimary(xml, 'el9', 'primary.xml');
    expect(pkgs.map((p) => p.name)).toEqual(['bzip2', 'bzip2-debuginfo', 'bzip2-debugsource', 'bzip2-devel', 'bzip2-libs', 'bzip2-libs-debuginfo', 'bzip2-static']);
    expect(pkgs[0].requires).toEqual(['/usr/bin/sh', 'libbz2.so.1.0()(64bit)', 'rtld(GNU_HASH)', 'libc.so.6(GLIBC_2.34)(64bit)']);
  });

  it('writes versioned entries as rpm prints them, epoch only when non-zero', () => {
    const body = `<rpm:requires>
      <rpm:entry name="a" flags="GE" epoch="0" ver="1.2" rel="3"/>
      <rpm:entry name="b" flags="LT" epoch="2" ver="1.2"/>
      <rpm:entry name="c" flags="EQ" ver="1"/>
      <rpm:entry name="(d or e &gt;= 2)"/>
      <rpm:entry name="/usr/bin/sh" pre="1"/>
    </rpm:requires>
    <rpm:suggests><rpm:entry name="ignored"/></rpm:suggests>`;
    const [p] = parsePrimary(doc([pkg(body)]), 'r', 'p');
    expect(p.requires).toEqual(['a >= 1.2-3', 'b < 2:1.2', 'c = 1', '(d or e >= 2)', '/usr/bin/sh']);
    expect(p.recommends).toEqual([]);
  });

  it('skips source packages and notes packages without a sha256 checksum', () => {
    const src = pkg('', 'foo').replace('<arch>x86_64</arch>', '<arch>src</arch>');
    const sha1 = pkg('', 'bar').replace('type="sha256" pkgid="YES">' + 'a'.repeat(64), 'type="sha1" pkgid="YES">' + 'b'.repeat(40));
    const p = new PrimaryParser('r', 'p');
    p.write(doc([src, sha1]));
    expect(p.end().map((x) => [x.name, x.sha256])).toEqual([['bar', undefined]]);
    expect([...p.skippedChecksums]).toEqual([['bar-1.0-1.fc40.x86_64', 'sha1']]);
  });

  it('refuses unsafe or malformed packages with file:line', () => {
    expectError(() => parsePrimary(doc([pkg('').replace('Packages/f/foo', '../../etc/foo')]), 'r', 'p.xml'), 'FORMAT', /^p\.xml:9: location "\.\.\/\.\.\/etc\/foo.*not a safe relative path/);
    expectError(() => parsePrimary(doc([pkg('').replace('Packages/f/foo', '/abs/foo')]), 'r', 'p.xml'), 'FORMAT', /not a safe relative path/);
    expectError(() => parsePrimary(doc([pkg('', 'foo', ' xml:base="http://elsewhere/"')]), 'r', 'p.xml'), 'FORMAT', /xml:base/);
    expectError(() => parsePrimary(doc([pkg('<rpm:requires><rpm:entry name="a" flags="XX" ver="1"/></rpm:requires>')]), 'r', 'p.xml'), 'FORMAT', /^p\.xml:12: requires entry a: unknown flags "XX"/);
    expectError(() => parsePrimary(doc([pkg('<rpm:provides><rpm:entry name="a b"/></rpm:provides>')]), 'r', 'p.xml'), 'FORMAT', /white space/);
    expectError(() => parsePrimary(doc([pkg('').replace(/<version[^>]*>/, '<version epoch="x" ver="1" rel="1"/>')]), 'r', 'p.xml'), 'FORMAT', /epoch "x"/);
    expectError(() => parsePrimary(doc([pkg('').replace(/<size[^>]*>/, '')]), 'r', 'p.xml'), 'FORMAT', /^p\.xml:3: package foo has no size/);
    expectError(() => parsePrimary(doc([pkg('')], 2), 'r', 'p.xml'), 'FORMAT', /declares 2 packages but lists 1/);
    expectError(() => parsePrimary(doc([pkg('').replace('type="rpm"', 'type="deb"')]), 'r', 'p.xml'), 'FORMAT', /type "deb"/);
  });

  it('bounds entries per package and packages per index (LIMIT)', () => {
    const many = `<rpm:provides>${'<rpm:entry name="x"/>'.repeat(11)}</rpm:provides>`;
    expectError(() => parsePrimary(doc([pkg(many)]), 'r', 'p', { maxEntries: 10 }), 'LIMIT', /more than 10 provides entries/);
    expectError(() => parsePrimary(doc([pkg('', 'a'), pkg('', 'b')]), 'r', 'p', { maxPackages: 1 }), 'LIMIT', /more than 1 packages/);
    expectError(() => parsePrimary(doc([pkg(`<rpm:requires><rpm:entry name="${'n'.repeat(50)}"/></rpm:requires>`)]), 'r', 'p', { maxName: 20 }), 'FORMAT', /longer than 20/);
  });
});
