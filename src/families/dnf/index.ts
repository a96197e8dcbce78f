/** The dnf family adapter (Fedora, CentOS Stream, any RPM repository). */
import type { Family } from '../family.js';
import { dnfDockerfile } from './dockerfile.js';
import { installDnf } from './install.js';
import { lockDnf } from './lock.js';
import { verifyDnf } from './verify.js';
import { compareEvrTotal } from './version.js';

export const dnf: Family = {
  name: 'dnf',
  compareVersions: compareEvrTotal,
  lock: lockDnf,
  install: installDnf,
  dockerfile: dnfDockerfile,
  verify: verifyDnf,
};
