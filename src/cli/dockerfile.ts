/** `repro-get dockerfile`: print a Dockerfile that installs exactly the lock (warnings on stderr). */
import { Option, type Command } from 'commander';
import { DEFAULT_NODE_IMAGE, DOCKERFILE_MODES, type DockerfileMode } from '../app/dockerfile/modes.js';
import { makeOut } from './output.js';

interface DockerfileFlags {
  file: string;
  mode: DockerfileMode;
  base?: string;
  nodeImage?: string;
  reproGetVersion?: string;
  spec?: string;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('dockerfile')
    .description('print a Dockerfile that installs exactly the locked packages (paths relative to the current folder, the build context)')
    .option('-f, --file <lockfile>', 'lockfile to read', 'repro-get.lock.yaml')
    .addOption(
      new Option('--mode <mode>', 'fetch-stage: a Node.js stage fetches, the image installs with its own tools; install: `repro-get install` in an image with Node.js; add-checksum: BuildKit ADD --checksum')
        .choices([...DOCKERFILE_MODES])
        .default('fetch-stage'),
    )
    .option('--base <image>', 'target image, ideally pinned as name@sha256:… (default: the spec\'s baseImage, else guessed from the distro)')
    .option('--node-image <image>', `Node.js image of the fetch stage (default: ${DEFAULT_NODE_IMAGE})`)
    .option('--repro-get-version <version>', 'exact repro-get version the image build runs (default: this one)')
    .option('--spec <file>', 'spec to take baseImage from (default: repro-get.yaml beside the lockfile)')
    .option('-q, --quiet', 'print no warnings')
    .action(async (flags: DockerfileFlags) => {
      const out = makeOut(flags);
      // Loaded on use, like every command's implementation (see scripts/build.mjs).
      const { dockerfileFromFiles } = await import('../app/dockerfile/run.js');
      const r = await dockerfileFromFiles({
        lockFile: flags.file,
        mode: flags.mode,
        base: flags.base,
        nodeImage: flags.nodeImage,
        reproGetVersion: flags.reproGetVersion,
        spec: flags.spec,
      });
      for (const w of r.warnings) out.log(`warning: ${w}`);
      out.result(r.text);
    });
}
