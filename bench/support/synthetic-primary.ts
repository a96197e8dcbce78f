/**
 * A synthetic primary.xml shaped like Fedora's Everything repository (~1.8 KB per package: summary,
 * description, ~6 provides, ~12 requires with sonames and versions, a few files, occasional weak
 * dependencies, conflicts and obsoletes), from a fixed seed so every run parses the same bytes.
 */
export function syntheticPrimary(count: number, seed = 40): string {
  let s = seed >>> 0;
  const rnd = (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[rnd(16)]).join('');
  const words = ['library', 'tools', 'for', 'the', 'GNOME', 'desktop', 'parser', 'network', 'daemon', 'Python', 'bindings', 'data', 'files', 'utility', 'of', 'and', 'support', 'development', 'headers', 'plugin'];
  const text = (n: number) => Array.from({ length: n }, () => words[rnd(words.length)]).join(' ');
  const libs = Array.from({ length: 3000 }, (_, i) => `lib${['foo', 'bar', 'gtk', 'ssl', 'xml', 'z', 'png', 'dbus'][i % 8]}${i}.so.${1 + (i % 5)}()(64bit)`);
  const out: string[] = [`<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${count}">\n`];
  for (let i = 0; i < count; i++) {
    const name = `${['python3-', 'perl-', 'lib', 'golang-', 'rust-', ''][rnd(6)]}pkg${i}`;
    const arch = rnd(10) < 7 ? 'x86_64' : 'noarch';
    const ver = `${rnd(10)}.${rnd(30)}.${rnd(100)}`;
    const rel = `${1 + rnd(9)}.fc40`;
    const entry = (n: string, v?: string) => (v ? `      <rpm:entry name="${n}" flags="EQ" epoch="0" ver="${v}" rel="${rel}"/>\n` : `      <rpm:entry name="${n}"/>\n`);
    const req = (n: string) => (rnd(4) === 0 ? `      <rpm:entry name="${n}" flags="GE" epoch="0" ver="${rnd(5)}.${rnd(10)}"/>\n` : entry(n));
    let provides = entry(name, ver) + (arch === 'x86_64' ? entry(`${name}(x86-64)`, ver) : '');
    for (let k = 0; k < 4; k++) provides += entry(libs[(i * 7 + k) % libs.length]);
    let requires = '      <rpm:entry name="/bin/sh" pre="1"/>\n' + entry('libc.so.6()(64bit)') + entry('libc.so.6(GLIBC_2.34)(64bit)') + entry('rtld(GNU_HASH)');
    for (let k = 0; k < 8; k++) requires += req(k < 5 ? libs[rnd(libs.length)] : `pkg${rnd(count)}`);
    const weak = rnd(5) === 0 ? `    <rpm:recommends>\n${entry(`pkg${rnd(count)}`)}    </rpm:recommends>\n` : '';
    const conf = rnd(20) === 0 ? `    <rpm:conflicts>\n      <rpm:entry name="pkg${rnd(count)}" flags="LT" epoch="0" ver="1.0"/>\n    </rpm:conflicts>\n` : '';
    const obs = rnd(20) === 0 ? `    <rpm:obsoletes>\n      <rpm:entry name="old-${name}" flags="LT" epoch="0" ver="${ver}"/>\n    </rpm:obsoletes>\n` : '';
    const files = Array.from({ length: 1 + rnd(5) }, (_, k) => `    <file>/usr/${k % 2 ? 'bin' : 'sbin'}/${name}-${k}</file>\n`).join('');
    out.push(`<package type="rpm">
  <name>${name}</name>
  <arch>${arch}</arch>
  <version epoch="0" ver="${ver}" rel="${rel}"/>
  <checksum type="sha256" pkgid="YES">${hex(64)}</checksum>
  <summary>${text(5)}</summary>
  <description>${text(15 + rnd(35))}</description>
  <packager>Fedora Project</packager>
  <url>https://example.org/${name}</url>
  <time file="${1700000000 + rnd(1e7)}" build="${1700000000 + rnd(1e7)}"/>
  <size package="${1000 + rnd(1e7)}" installed="${1000 + rnd(5e7)}" archive="${1000 + rnd(5e7)}"/>
  <location href="Packages/${name[0]}/${name}-${ver}-${rel}.${arch}.rpm"/>
  <format>
    <rpm:license>MIT AND (GPL-2.0-or-later OR BSD-3-Clause)</rpm:license>
    <rpm:vendor>Fedora Project</rpm:vendor>
    <rpm:group>Unspecified</rpm:group>
    <rpm:buildhost>buildvm-x86-${rnd(30)}.iad2.fedoraproject.org</rpm:buildhost>
    <rpm:sourcerpm>${name}-${ver}-${rel}.src.rpm</rpm:sourcerpm>
    <rpm:header-range start="4504" end="${10000 + rnd(40000)}"/>
    <rpm:provides>
${provides}    </rpm:provides>
    <rpm:requires>
${requires}    </rpm:requires>
${weak}${conf}${obs}${files}  </format>
</package>
`);
  }
  out.push('</metadata>\n');
  return out.join('');
}
