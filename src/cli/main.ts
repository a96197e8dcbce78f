/** Entry point: registers one file per command; no logic lives here. */
import { Command, CommanderError } from 'commander';
import { reportError } from './output.js';
import { register as lock } from './lock.js';
import { register as vercmp } from './vercmp.js';
import { register as fetch } from './fetch.js';
import { register as install } from './install.js';
import { register as diff } from './diff.js';
import { register as why } from './why.js';
import { register as verify } from './verify.js';
import { register as update } from './update.js';
import { register as dockerfile } from './dockerfile.js';
import { register as mirror } from './mirror.js';

const program = new Command();
program
  .name('repro-get')
  .description('Lock distro packages to hashed snapshot artifacts; install only verified bytes.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();
lock(program);
vercmp(program);
fetch(program);
install(program);
diff(program);
why(program);
verify(program);
update(program);
dockerfile(program);
mirror(program);

const json = process.argv.includes('--json');
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version end here with code 0; usage errors were already printed by commander.
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    process.exitCode = reportError(e, json);
  }
}
