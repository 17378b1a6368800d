/**
 * What each built-in task runs and which config keys it reads, for `cloudy-tasks help <task>`.
 * Words for people, kept next to the other sentences; `--dry-run` prints the exact commands.
 * test/cli/help.test.ts checks that every built-in has an entry, so a new task cannot lack one.
 */
export interface BuiltinHelp {
  /** What it runs, one line per step. */
  readonly runs: readonly string[];
  /** The config keys (or sections) it reads. */
  readonly config: readonly string[];
  /** The command-line options of cloudy-tasks it acts on. */
  readonly options?: readonly string[];
}

export const BUILTIN_HELP: Readonly<Record<string, BuiltinHelp>> = {
  preflight: {
    runs: ['reads the build context and the Dockerfile: secrets, hardening lint (no Trivy, no docker)'],
    config: ['image.dockerfile', 'image.context', 'scan.requireScratch'],
  },
  docker: {
    runs: [
      'git queries for VCS_REF and VERSION',
      'docker build --file <image.dockerfile> --tag <image.name>:<image.tag> --build-arg … <image.context>',
    ],
    config: ['image.*'],
    options: ['--force'],
  },
  'security-scan': {
    runs: [
      'trivy image (or the scan.trivyImage container) on the built image',
      'trivy config on the Dockerfile and compose/Kubernetes files',
    ],
    config: ['scan.*', 'image.name'],
    options: ['--force'],
  },
  'deploy-secure': {
    runs: [
      'docker run with the hardening flags (or docker service create/update with deploy.target swarm)',
      'docker container inspect until healthy, then the hardening checks; rollback on failure',
    ],
    config: ['container.*', 'deploy.*', 'swarm.*', 'image.keep'],
    options: ['--force', '--adopt'],
  },
  push: {
    runs: ['docker tag and docker push to image.registry; outputs the digest'],
    config: ['image.registry', 'image.name', 'image.tag'],
  },
  'k8s-manifests': {
    runs: ['writes the Deployment, Service, PVCs and NetworkPolicy to kubernetes.outDir (no kubectl)'],
    config: ['kubernetes.*', 'container.*', 'deploy.replicas', 'deploy.reservations'],
  },
  audit: {
    runs: ['docker container inspect of container.name, checked against the policy'],
    config: ['container.*'],
  },
  'update-base-images': {
    runs: ["docker pull of each base image (the Dockerfile's FROM images and baseImages)"],
    config: ['baseImages', 'image.dockerfile'],
  },
  'rebuild-no-cache': {
    runs: ['docker build --no-cache --pull (or docker compose build --no-cache with compose.*)'],
    config: ['image.*', 'compose.*'],
    options: ['--if-changed'],
  },
  'compose-file': {
    runs: ["writes dev.file from the deploy's policy (no command)"],
    config: ['dev.*', 'container.*'],
    options: ['--stdout'],
  },
  'compose-audit': {
    runs: ['docker compose config (or docker-compose config) with every profile, then the checks'],
    config: ['dev.file', 'dev.project'],
  },
  'dev-up': {
    runs: ['docker compose up --detach for the dev profiles, then inspect and verify each container'],
    config: ['dev.*'],
    options: ['--profile NAME'],
  },
  'dev-down': {
    runs: ['docker compose down for the dev project (volumes kept)'],
    config: ['dev.project', 'dev.file'],
  },
  incident: {
    runs: [
      'docker container inspect, docker stop, docker logs, docker image inspect',
      "trivy image on the container's image; writes incidents/<time>/",
    ],
    config: ['container.name', 'incident.dir', 'scan.*'],
    options: ['--no-stop'],
  },
};
