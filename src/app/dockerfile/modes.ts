/** The Dockerfile modes and defaults, dependency-free so the CLI can declare its flags cheaply. */
export const DOCKERFILE_MODES = ['fetch-stage', 'install', 'add-checksum'] as const;
export type DockerfileMode = (typeof DOCKERFILE_MODES)[number];

export const DEFAULT_NODE_IMAGE = 'node:22-bookworm-slim';
