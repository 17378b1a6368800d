/**
 * A wrong config is one clear line and exit 2, before anything runs: the exact first line of
 * stderr for each kind of mistake users make, and no docker or trivy call at all.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, useProjects } from '../helpers/rig.js';
import { expectFailure } from './helpers.js';

const Config = suite('failures: config');
const project = useProjects(Config);

const json = (config: unknown) => ({ '.cloudyrc.json': JSON.stringify(config) });

const cases: readonly {
  what: string;
  files: Readonly<Record<string, string>>;
  args?: readonly string[];
  line: string;
  /** The other tasks' read-only precondition probes ran beside it (trivy --version, inspects). */
  probed?: true;
}[] = [
  {
    what: 'a fleet host that is neither an endpoint URL nor a context name',
    files: json({ image: { registry: '127.0.0.1:5000' }, deploy: { hosts: ['ssh://deploy@web1', 'web 2'] } }),
    line: 'cloudy-tasks: .cloudyrc.json: deploy.hosts[1]: expected a Docker endpoint URL (unix://, tcp://, ssh://) or a docker context name, got "web 2" (it is neither an endpoint URL nor a context name; write e.g. "ssh://deploy@web1", "tcp://10.0.0.5:2376" or a name from docker context ls)',
  },
  {
    what: 'a fleet host with a scheme docker --host does not take',
    files: json({ image: { registry: '127.0.0.1:5000' }, deploy: { hosts: ['http://web1:2375'] } }),
    line: 'cloudy-tasks: .cloudyrc.json: deploy.hosts[0]: expected a Docker endpoint URL (unix://, tcp://, ssh://) or a docker context name, got "http://web1:2375" (the scheme is not one docker --host takes; write e.g. "ssh://deploy@web1", "tcp://10.0.0.5:2376" or a name from docker context ls)',
  },
  {
    what: 'a fleet host listed twice',
    files: json({ image: { registry: '127.0.0.1:5000' }, deploy: { hosts: ['ssh://web1', 'ssh://web1'] } }),
    line: 'cloudy-tasks: .cloudyrc.json: deploy.hosts[1]: expected each host once (a host listed twice would be deployed twice), got "ssh://web1" (remove the duplicate)',
  },
  {
    what: 'a fleet without a registry to pull the digest from',
    files: json({ deploy: { hosts: ['ssh://web1'] } }),
    line: 'cloudy-tasks: .cloudyrc.json: deploy.hosts: expected image.registry as well (every host pulls the pushed image by digest), got ["ssh://web1"] (set image: { registry: "registry.example.com/team" }, a registry every host can pull from)',
  },
  {
    what: 'fleet hosts with the swarm target',
    files: json({
      image: { registry: '127.0.0.1:5000' },
      deploy: { target: 'swarm', hosts: ['ssh://web1'] },
      swarm: { allowUnsupported: ['no-new-privileges', 'memory-swap', 'network-none', 'icc'] },
    }),
    line: 'cloudy-tasks: .cloudyrc.json: deploy.hosts: expected no fleet hosts with deploy.target "swarm" (the swarm deploys through the manager DOCKER_HOST points at), got ["ssh://web1"] (remove deploy.hosts, or list the other nodes in swarm.nodeHosts)',
  },
  {
    what: 'deploy.parallel below one',
    files: json({ image: { registry: '127.0.0.1:5000' }, deploy: { hosts: ['ssh://web1'], parallel: 0 } }),
    line: 'cloudy-tasks: .cloudyrc.json: deploy.parallel: expected a number >= 1, got 0',
  },
  {
    what: 'a severity in lower case names the one it probably is',
    files: json({ scan: { failOn: 'high' } }),
    line: 'cloudy-tasks: .cloudyrc.json: scan.failOn: expected one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN, got "high" (did you mean "HIGH"?)',
  },
  {
    what: 'failOn written as a list',
    files: json({ scan: { failOn: ['high'] } }),
    line: 'cloudy-tasks: .cloudyrc.json: scan.failOn: expected one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN, got ["high"] (one value, not a list: "HIGH")',
  },
  {
    what: 'the default bridge network says why it is refused',
    files: json({ container: { network: 'bridge' } }),
    line: 'cloudy-tasks: .cloudyrc.json: container.network: expected "none" or { name, internal? }, got "bridge" (the default bridge lets every container on the host reach this one; use "none", or a network of your own: { name: "app-net" })',
  },
  {
    what: 'host networking says why it is refused',
    files: json({ container: { network: 'host' } }),
    line: `cloudy-tasks: .cloudyrc.json: container.network: expected "none" or { name, internal? }, got "host" (host networking shares the host's network stack and ports with the container; use "none", or { name: "app-net" })`,
  },
  {
    what: 'a network name written as a string shows the object form',
    files: json({ container: { network: 'mynet' } }),
    line: 'cloudy-tasks: .cloudyrc.json: container.network: expected "none" or { name, internal? }, got "mynet" (a network of your own is written as an object: { name: "mynet" })',
  },
  {
    what: 'a misspelt key names the key it probably is',
    files: json({ container: { memroy: '1g' } }),
    line: 'cloudy-tasks: .cloudyrc.json: container.memroy is not a config key; did you mean container.memory?',
  },
  {
    what: 'an unknown key with no close match lists the keys of its section',
    files: json({ scan: { speed: 'fast' } }),
    line: 'cloudy-tasks: .cloudyrc.json: scan.speed is not a config key; the keys here are severity, failOn, ignoreUnfixed, ignoreFile, timeout, skipDbUpdate, trivyImage, reportsDir, config, requireScratch, maxAge',
  },
  {
    what: 'a value of the wrong type names the rule and the value',
    files: json({ container: { memory: 512 } }),
    line: 'cloudy-tasks: .cloudyrc.json: container.memory: expected a size such as "512m" (a number with an optional b, k, m, g, t or p unit), got 512',
  },
  {
    what: "a memory limit below docker's minimum, without a second line about the reservation derived from it",
    files: json({ container: { memory: '4m' } }),
    line: "cloudy-tasks: .cloudyrc.json: refusing an unsafe container setting: container.memory: '4m' is below docker's minimum of 6m; use at least '6m'",
  },
  {
    what: 'a CPU limit below the 1 ms CFS quota docker can set',
    files: json({ container: { cpus: '0.001' } }),
    line: "cloudy-tasks: .cloudyrc.json: refusing an unsafe container setting: container.cpus: '0.001' is below docker's minimum of 0.01 CPUs; use at least '0.01'",
  },
  {
    what: 'a tmpfs size the kernel would refuse at mount time',
    files: json({ container: { tmpfs: ['/tmp:rw,noexec,nosuid,size=lots'] } }),
    line: 'cloudy-tasks: .cloudyrc.json: container.tmpfs[0]: expected a tmpfs mount such as "/tmp:rw,noexec,nosuid,size=16m", got "/tmp:rw,noexec,nosuid,size=lots" (size=lots is not a valid size (e.g. size=16m, mode=1777, uid=1001))',
  },
  {
    what: 'a misspelt ulimit name',
    files: json({ container: { ulimits: { nofiles: '1024:1024' } } }),
    line: 'cloudy-tasks: .cloudyrc.json: container.ulimits["nofiles"]: expected a ulimit docker knows (core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack), got "nofiles"',
  },
  {
    what: 'a json-file log option value docker checks only at docker run',
    files: json({ container: { logOpts: { 'max-size': '10x', 'max-file': '3' } } }),
    line: 'cloudy-tasks: .cloudyrc.json: container.logOpts["max-size"]: expected a size such as "10m", got "10x" (docker refuses it only when it creates the container, after the build)',
  },
  {
    what: "a memory reservation below docker's minimum",
    files: json({ container: { memoryReservation: '2m' } }),
    line: "cloudy-tasks: .cloudyrc.json: refusing an unsafe container setting: container.memoryReservation: '2m' is below docker's minimum of 6m; set memoryReservation to at least '6m' (it must not exceed memory)",
  },
  {
    what: "a container name docker would refuse is refused by docker's own rule",
    files: json({ container: { name: 'a/b' } }),
    line: 'cloudy-tasks: .cloudyrc.json: container.name: expected a docker container name, got "a/b" (docker allows only letters, digits and _ . - and the first character must be a letter or digit)',
  },
  {
    what: 'an uppercase image repository',
    files: json({ image: { name: 'Cloudy' } }),
    line: 'cloudy-tasks: .cloudyrc.json: image.name: expected an image repository such as "registry.example.com/team/app", got "Cloudy" (repository names must be lowercase)',
  },
  {
    what: 'a digest in image.tag',
    files: json({ image: { tag: 'sha256:0123' } }),
    line: 'cloudy-tasks: .cloudyrc.json: image.tag: expected an image tag such as "1.4.2", got "sha256:0123" (a digest is not a tag; pin by digest in a full reference (name@sha256:...))',
  },
  {
    what: 'a port outside 1-65535',
    files: json({ container: { ports: ['99999:80'], network: { name: 'app_net' } } }),
    line: 'cloudy-tasks: .cloudyrc.json: container.ports[0]: expected a published port such as "127.0.0.1:8080:8080", got "99999:80" (port 99999 is outside 1-65535)',
  },
  {
    what: 'ports with network none would publish nothing',
    files: json({ container: { ports: ['127.0.0.1:8080:8080'] } }),
    line: 'cloudy-tasks: .cloudyrc.json: container.ports: expected no published ports while container.network is "none" (a container without a network publishes nothing), got ["127.0.0.1:8080:8080"] (give it a network, e.g. container.network: { name: "fixture_net" }, or remove ports)',
  },
  {
    what: 'an unsafe setting is refused with the CIS id and the fix',
    files: json({ container: { user: '0' } }),
    line: "cloudy-tasks: .cloudyrc.json: refusing an unsafe container setting: container.user: '0' runs as root (CIS 4.1); use a non-zero uid such as '1001:1001'",
  },
  {
    what: 'a key refused on purpose says why instead of "unknown key"',
    files: json({ container: { privileged: true } }),
    line: 'cloudy-tasks: .cloudyrc.json: refusing an unsafe container setting: container.privileged: not supported on purpose (privileged mode gives the container every capability and all host devices (CIS 5.5)); remove the key',
  },
  {
    what: 'a seccomp profile that allows every syscall by default',
    files: {
      ...json({ container: { securityOpt: ['no-new-privileges:true', 'seccomp=allow.json'] } }),
      'allow.json': JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] }),
    },
    line: "cloudy-tasks: .cloudyrc.json: refusing an unsafe container setting: container.securityOpt[1]: the seccomp profile allow.json has defaultAction SCMP_ACT_ALLOW, which allows every syscall it does not list (CIS 5.22); use a deny-by-default profile (SCMP_ACT_ERRNO), e.g. Docker's default",
  },
  {
    what: 'a Trivy release known to be compromised is refused by name',
    files: json({ scan: { trivyImage: 'aquasec/trivy:0.69.4' } }),
    line: 'cloudy-tasks: .cloudyrc.json: scan.trivyImage: expected a Trivy release that is not known to be bad, got "aquasec/trivy:0.69.4" (0.69.4 is a compromised release (CVE-2026-33634: its binaries and images were replaced by malicious ones); pin another release by digest)',
  },
  {
    what: 'an empty recipe would succeed doing nothing',
    files: json({ tasks: { lint: { run: '' } } }),
    line: 'cloudy-tasks: .cloudyrc.json: tasks["lint"].run: expected a command, or a list of one or more commands, got ""',
  },
  {
    what: 'a task named like an option could never be run',
    files: json({ tasks: { '--list': { run: 'true' } } }),
    line: 'cloudy-tasks: .cloudyrc.json: tasks["--list"]: expected a task name that starts with a letter, digit or _ and has no spaces, got "--list"',
  },
  {
    what: 'a TypeScript syntax error points at the line',
    files: { 'cloudy.config.ts': 'export default {\n  image: { name: "x" \n' },
    line: 'cloudy-tasks: cannot load cloudy.config.ts: line 3, column 1: Expected "}" but found end of file',
  },
  {
    what: 'a JSON syntax error points at the line and column, without a squashed code frame',
    files: { '.cloudyrc.json': '{\n  "image": { "name": "x" },\n  "container": { "memory": "1g", }\n}\n' },
    line: 'cloudy-tasks: cannot load .cloudyrc.json: line 3, column 34: Expected double-quoted property name (JSON allows no trailing commas or comments)',
  },
  {
    what: 'a YAML syntax error points at the line and column',
    files: { '.cloudyrc.yaml': 'image:\n  name: x\n container:\n  memory: 1g\n' },
    line: 'cloudy-tasks: cannot load .cloudyrc.yaml: line 3, column 2: bad indentation of a mapping entry',
  },
  {
    what: 'a TypeScript config without a default export is an error, not "no config"',
    files: { 'cloudy.config.ts': 'export const image = { name: "x" };\n' },
    line: 'cloudy-tasks: cannot load cloudy.config.ts: it has no default export (it exports image); write export default defineConfig({ ... })',
  },
  {
    what: 'a config that throws gives its own message',
    files: { 'cloudy.config.ts': 'throw new Error("REGISTRY is not set");\nexport default {};\n' },
    line: 'cloudy-tasks: cannot load cloudy.config.ts: it threw while loading: REGISTRY is not set',
  },
  {
    what: 'two config files: refuse to guess which one is meant',
    files: { ...json({}), 'cloudy.config.ts': 'export default {};\n' },
    line: 'cloudy-tasks: more than one config file: .cloudyrc.json, cloudy.config.ts (.cloudyrc.json would win and the others be ignored); keep one, or pick one with --config FILE',
  },
  {
    what: 'a --config file that does not exist',
    files: {},
    args: ['--config', 'nope.json', '--list'],
    line: 'cloudy-tasks: cannot load nope.json: file not found (check the --config path)',
  },
  {
    what: 'a Dockerfile that does not exist names the key and the file that does, before any task',
    files: json({ image: { dockerfile: 'Dockerfil' } }),
    args: ['deploy-secure'],
    line: 'cloudy-tasks: .cloudyrc.json: image.dockerfile: expected an existing Dockerfile, got "Dockerfil" (did you mean "Dockerfile"?)',
    probed: true,
  },
  {
    what: 'a build context that does not exist',
    files: json({ image: { context: 'src' } }),
    args: ['docker'],
    line: 'cloudy-tasks: .cloudyrc.json: image.context: expected an existing directory (the build context), got "src" (set image.context to the directory docker build should send, relative to the project)',
  },
  {
    what: 'a dependency cycle prints every hop',
    files: json({ tasks: { a: { run: 'true', deps: ['b'] }, b: { run: 'true', deps: ['a'] } } }),
    args: ['a'],
    line: 'cloudy-tasks: dependency cycle: a -> b -> a; remove one of these dependencies',
  },
  {
    what: 'an unknown dependency with no plausible match suggests nothing',
    files: json({ tasks: { a: { run: 'true', deps: ['bb'] } } }),
    args: ['a'],
    line: 'cloudy-tasks: task "a" depends on unknown task "bb"; fix its deps',
  },
  {
    what: 'an unknown target suggests the closest task',
    files: {},
    args: ['deploy-secur'],
    line: 'cloudy-tasks: unknown task "deploy-secur" (did you mean "deploy-secure"?); run cloudy-tasks --list to see the tasks',
  },
];

const isProbe = (argv: readonly string[]) =>
  argv[0] === '--version' || argv[1] === 'inspect' || argv[0] === 'info' || argv[0] === 'version';

for (const c of cases) {
  Config(c.what, async () => {
    const p = project({ files: c.files });
    const r = await runCli(p, c.args ?? ['--list']);
    expectFailure(r, 2, c.line);
    assert.is(r.stderr.trim().split('\n').length, 1, `one line, not a cascade:\n${r.stderr}`);
    const calls = c.probed ? p.calls().filter((x) => !isProbe(x.argv)) : p.calls();
    assert.equal(calls, [], c.probed ? 'only read-only probes ran' : 'nothing ran: no docker, no trivy');
  });
}

Config('a FROM image that would reach docker as an option is refused before any pull', async () => {
  const p = project({ dockerfile: 'ARG BASE=--help\nFROM ${BASE}\nUSER 1001\n' });
  const r = await runCli(p, ['update-base-images']);
  expectFailure(
    r,
    1,
    '[update-base-images] FAILED after Ns: Dockerfile:2: FROM "--help" (written ${BASE}) is not an image reference: it starts with "-", which docker would read as an option (fix the FROM line, or the ARG default or build arg it uses)',
  );
  assert.not.ok(
    p.calls().some((c) => c.argv[0] === 'pull'),
    'nothing was pulled',
  );
});

Config('a build context named like an option stays a path', async () => {
  const p = project({ files: { ...json({ image: { context: '--network=host' } }), '--network=host/.keep': '' } });
  const r = await runCli(p, ['docker', '--dry-run']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, / \.\/--network=host$/m);
});

Config('a config error never shows a secret from .env', async () => {
  const p = project({
    env: 'GOTELEMETRY=off\nUMASK=077\nCGO_ENABLED=0\nREGISTRY_TOKEN=tok en-very-secret-9876\n',
    files: json({ image: { tag: 'tok en-very-secret-9876' } }),
  });
  const r = await runCli(p, ['--list']);
  expectFailure(
    r,
    2,
    'cloudy-tasks: .cloudyrc.json: image.tag: expected an image tag such as "1.4.2", got "***" (a tag is 1 to 128 letters, digits, _ . and -, and must not start with . or -)',
  );
  assert.not.match(r.stderr, 'very-secret');
});

Config('every problem of a config is reported in one run', async () => {
  const p = project({ files: json({ container: { memroy: '1g', name: 'a/b' }, image: { tag: 'x y' } }) });
  const r = await runCli(p, ['--list']);
  assert.is(r.code, 2);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 3, r.stderr);
  for (const key of ['container.memroy', 'container.name', 'image.tag'])
    assert.ok(
      lines.some((l) => l.includes(key)),
      key,
    );
});

Config.run();
