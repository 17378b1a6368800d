/**
 * Settings that are each valid but do not work together: refused at load time, because docker
 * accepts them and the deploy would then pass its checks while not doing what the config says.
 */

import path from 'node:path';
import { fleetHostProblem } from '../docker/reference.js';
import { logOptProblem } from '../docker/run-options.js';
import type { Failure } from '../failure.js';
import type { HardeningPolicy } from '../hardening/policy.js';
import { knownBadTrivy, trivyImageVersion } from '../scan/trivy-args.js';
import { envFileProblem, secretFileProblem } from './env-file.js';
import type { ResolvedConfig } from './types.js';

/** Every contradiction in the resolved config, as `invalid-config` failures. */
export function contradictions(config: ResolvedConfig, file: string | undefined): Failure[] {
  const problems: Failure[] = [];
  const container: HardeningPolicy = config.container;
  const at = (path: string, expected: string, received: string, hint: string): void => {
    problems.push({ reason: 'invalid-config', ...(file ? { file } : {}), path, expected, received, hint });
  };
  // The json-file values docker checks only when it creates the container.
  for (const [key, value] of Object.entries(container.logOpts)) {
    const problem = logOptProblem(key, value);
    if (problem)
      at(
        `container.logOpts["${key}"]`,
        problem,
        JSON.stringify(value),
        'docker refuses it only when it creates the container, after the build',
      );
  }
  const { network, ports } = container;
  if (ports.length > 0 && network.mode === 'none') {
    // docker run -p with --network none starts, and NetworkSettings.Ports stays empty.
    at(
      'container.ports',
      'no published ports while container.network is "none" (a container without a network publishes nothing)',
      JSON.stringify(ports),
      `give it a network, e.g. container.network: { name: "${container.name}_net" }, or remove ports`,
    );
  } else if (ports.length > 0 && network.mode === 'network' && network.internal) {
    // Observed on Engine 20.10: on an --internal network the port is accepted and never published.
    at(
      'container.ports',
      'no published ports on an internal network (docker publishes nothing from it)',
      JSON.stringify(ports),
      `set container.network.internal: false, or remove ports`,
    );
  }
  // cloudy-tasks writes only inside the project (lib/store/confine.ts); say so before the scan.
  const reports = path.relative(config.projectDir, config.scan.reportsDir);
  if (reports.startsWith('..') || path.isAbsolute(reports)) {
    at(
      'scan.reportsDir',
      'a directory inside the project',
      JSON.stringify(config.scan.reportsDir),
      'reports are written only inside the project; use a relative path such as "reports"',
    );
  }
  const trivyVersion = trivyImageVersion(config.scan.trivyImage);
  const bad = trivyVersion === undefined ? undefined : knownBadTrivy(trivyVersion);
  if (bad) {
    at(
      'scan.trivyImage',
      'a Trivy release that is not known to be bad',
      JSON.stringify(config.scan.trivyImage),
      `${trivyVersion} is ${bad}; pin another release by digest`,
    );
  }
  fleetProblems(config, at);
  problems.push(...inputProblems(config, file));
  return problems;
}

/**
 * The env file and the build secrets are read by docker after the build and the scan; a missing
 * or malformed one is known now (issue 14). Values are never quoted, only paths and names.
 */
function inputProblems(config: ResolvedConfig, file: string | undefined): Failure[] {
  const problems: Failure[] = [];
  const shown = (p: string) => path.relative(config.projectDir, p) || p;
  const at = (key: string, expected: string, received: string, hint: string): void => {
    problems.push({ reason: 'invalid-config', ...(file ? { file } : {}), path: key, expected, received, hint });
  };
  const { envFile } = config.container;
  if (envFile !== undefined) {
    const problem = envFileProblem(envFile);
    if (problem)
      at(
        'container.envFile',
        "a file in Docker's env-file format (NAME=value lines)",
        JSON.stringify(shown(envFile)),
        `${problem}; create it (mode 600) or fix the path`,
      );
    if (config.deploy.target === 'swarm')
      at(
        'container.envFile',
        'no env file with deploy.target "swarm"',
        JSON.stringify(shown(envFile)),
        'docker service update has no --env-file, and create would store its values in the service spec; use a Docker secret (docker secret create) for secret values and container.env for the others',
      );
  }
  for (const [id, src] of Object.entries(config.image.secrets)) {
    const problem = secretFileProblem(src);
    if (problem)
      at(
        `image.secrets[${JSON.stringify(id)}]`,
        'the path of an existing file',
        JSON.stringify(shown(src)),
        `${problem}; create it or fix the path`,
      );
  }
  return problems;
}

/**
 * `deploy.hosts` (the fleet deploy): each host an endpoint URL or a docker context name, none
 * twice, only for the engine target, and only with a registry to pull the pushed digest from.
 */
function fleetProblems(
  config: ResolvedConfig,
  at: (path: string, expected: string, received: string, hint: string) => void,
): void {
  const { hosts, target } = config.deploy;
  if (hosts.length === 0) return;
  const seen = new Set<string>();
  hosts.forEach((host, i) => {
    const problem = fleetHostProblem(host);
    if (problem)
      at(
        `deploy.hosts[${i}]`,
        'a Docker endpoint URL (unix://, tcp://, ssh://) or a docker context name',
        JSON.stringify(host),
        `${problem}; write e.g. "ssh://deploy@web1", "tcp://10.0.0.5:2376" or a name from docker context ls`,
      );
    else if (seen.has(host))
      at(
        `deploy.hosts[${i}]`,
        'each host once (a host listed twice would be deployed twice)',
        JSON.stringify(host),
        'remove the duplicate',
      );
    seen.add(host);
  });
  if (target !== 'engine')
    at(
      'deploy.hosts',
      'no fleet hosts with deploy.target "swarm" (the swarm deploys through the manager DOCKER_HOST points at)',
      JSON.stringify(hosts),
      'remove deploy.hosts, or list the other nodes in swarm.nodeHosts',
    );
  else if (!config.image.registry)
    at(
      'deploy.hosts',
      'image.registry as well (every host pulls the pushed image by digest)',
      JSON.stringify(hosts),
      'set image: { registry: "registry.example.com/team" }, a registry every host can pull from',
    );
}
