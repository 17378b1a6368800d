/**
 * A compose service from `docker run` argv. The generated compose file is translated from the
 * very argv `deploy-secure` runs (`runArgs` in lib/hardening/run-args.ts), flag by flag, so the
 * two paths cannot drift: a flag added to runArgs that has no compose key here is an internal
 * error that the unit tests hit, not a setting the compose file silently lacks.
 *
 * Keys are the ones both compose versions apply: `mem_limit`, `memswap_limit`, `cpus` and
 * `pids_limit`, never `deploy.resources` alone, which docker-compose 1.x ignores outside swarm
 * unless run with `--compatibility` (the engine would then run the service without limits).
 */

/** A compose service definition (compose-spec keys), in the order a reader expects them. */
export type ComposeService = Record<string, unknown>;

/** What the argv needs beyond the service: named volumes and the network to declare. */
export interface TranslatedService {
  readonly service: ComposeService;
  /** Named volume sources (`cloudy_data`), for the top-level `volumes:` section. */
  readonly namedVolumes: readonly string[];
  /** The user-defined network the service joins, for the top-level `networks:` section. */
  readonly network: string | undefined;
}

/** Flags that take no value. */
const SWITCHES = new Set(['-d', '--detach', '--read-only', '--rm']);

/**
 * Translate `docker run` argv (as runArgs makes it: `run`, flags, the image, then an optional
 * command) into a compose service. `--name` and `-d` are dropped: compose names the containers
 * itself (so a dev container never takes the deployed service's name) and `up -d` detaches.
 */
export function serviceFromRunArgs(argv: readonly string[]): TranslatedService {
  if (argv[0] !== 'run') throw new Error(`Internal error: not docker run argv: ${argv.slice(0, 3).join(' ')}`);
  const s: Record<string, unknown> = {};
  const push = (key: string, value: unknown) => {
    s[key] = [...((s[key] as unknown[] | undefined) ?? []), value];
  };
  const entry = (key: string, value: string) => {
    const [k, v] = split(value, '=');
    s[key] = { ...((s[key] as Record<string, unknown> | undefined) ?? {}), [k]: v };
  };
  const namedVolumes: string[] = [];
  let network: string | undefined;
  let i = 1;
  for (; i < argv.length; i++) {
    const flag = argv[i]!;
    if (!flag.startsWith('-')) break;
    if (SWITCHES.has(flag)) {
      if (flag === '--read-only') s['read_only'] = true;
      if (flag === '--rm') throw new Error('Internal error: --rm has no place in a long-running compose service');
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`Internal error: ${flag} without a value in docker run argv`);
    switch (flag) {
      case '--name':
        break;
      case '--user':
        s['user'] = value;
        break;
      case '--tmpfs':
        push('tmpfs', value);
        break;
      case '--security-opt':
        push('security_opt', value);
        break;
      case '--cap-drop':
        push('cap_drop', value);
        break;
      case '--cap-add':
        push('cap_add', value);
        break;
      case '--memory':
        s['mem_limit'] = value;
        break;
      case '--memory-swap':
        s['memswap_limit'] = value;
        break;
      case '--cpus':
        s['cpus'] = Number(value);
        break;
      case '--memory-reservation':
        s['mem_reservation'] = value;
        break;
      case '--cpu-shares':
        s['cpu_shares'] = Number(value);
        break;
      case '--pids-limit':
        s['pids_limit'] = Number(value);
        break;
      case '--restart':
        s['restart'] = value;
        break;
      case '--network':
        if (value === 'none') s['network_mode'] = 'none';
        else {
          network = value;
          s['networks'] = [value];
        }
        break;
      case '--ulimit': {
        const [name, limits] = split(value, '=');
        const [soft, hard] = split(limits, ':');
        s['ulimits'] = {
          ...((s['ulimits'] as Record<string, unknown> | undefined) ?? {}),
          [name]: hard === '' ? Number(soft) : { soft: Number(soft), hard: Number(hard) },
        };
        break;
      }
      case '--log-driver':
        s['logging'] = { driver: value, ...((s['logging'] as object | undefined) ?? {}) };
        break;
      case '--log-opt': {
        const logging = (s['logging'] as { options?: Record<string, string> } | undefined) ?? {};
        const [k, v] = split(value, '=');
        s['logging'] = { ...logging, options: { ...logging.options, [k]: v } };
        break;
      }
      case '-v':
      case '--volume': {
        push('volumes', value);
        const source = value.split(':')[0] ?? '';
        // A named volume: no path separator and not a path (see parseVolume in lib/hardening).
        if (source !== '' && !/^[/.~]/.test(source) && !source.includes('/')) namedVolumes.push(source);
        break;
      }
      case '-p':
      case '--publish':
        push('ports', value);
        break;
      case '--label':
        entry('labels', value);
        break;
      case '-e':
      case '--env':
        entry('environment', value);
        break;
      case '--env-file':
        // By path, like docker run: compose reads it when it creates the container.
        push('env_file', value);
        break;
      default:
        throw new Error(`Internal error: docker run flag ${flag} has no compose key in lib/compose/service.ts`);
    }
  }
  const image = argv[i];
  if (image === undefined) throw new Error('Internal error: docker run argv without an image');
  const command = argv.slice(i + 1);
  return {
    service: { image, ...s, ...(command.length > 0 ? { command } : {}) },
    namedVolumes,
    network,
  };
}

function split(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + separator.length)];
}
