/** The pacman family adapter (Arch Linux). */
import type { Family } from '../family.js';
import { pacmanDockerfile } from './dockerfile.js';
import { installPacman } from './install.js';
import { lockPacman } from './lock.js';
import { verifyPacman } from './verify.js';
import { vercmp } from './version.js';

export const pacman: Family = {
  name: 'pacman',
  compareVersions: vercmp,
  lock: lockPacman,
  install: installPacman,
  dockerfile: pacmanDockerfile,
  verify: verifyPacman,
};
