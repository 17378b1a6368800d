/**
 * Settings that are each valid but do not work together: refused at load time, because docker
 * accepts them and the deploy would then pass its checks while not doing what the config says.
 */

import path from 'node:path';
import type { Failure } from '../failure.js';
import type { HardeningPolicy } from '../hardening/policy.js';
import { knownBadTrivy, trivyImageVersion } from '../scan/trivy-args.js';
import type { ResolvedConfig } from './types.js';

/** Every contradiction in the resolved config, as `invalid-config` failures. */
export function contradictions(config: ResolvedConfig, file: string | undefined): Failure[] {
  const problems: Failure[] = [];
  const container: HardeningPolicy = config.container;
  const at = (path: string, expected: string, received: string, hint: string): void => {
    problems.push({ reason: 'invalid-config', ...(file ? { file } : {}), path, expected, received, hint });
  };
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
  return problems;
}
