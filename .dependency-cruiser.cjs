/**
 * The architecture, enforced: `npm test` runs `depcruise` with these rules and fails on any
 * violation. The README.md of each folder of lib/ says the same in words; docs/architecture.md shows why.
 *
 * Type-only imports count (tsPreCompilationDeps): a cycle of types is still a design cycle.
 */
/** Node built-ins that start processes: only the spawner may use them. */
const SPAWNING = '^(node:)?(child_process|cluster|worker_threads)$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, type-only ones included: split the shared part into its own module.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'lib-not-to-cli-or-tasks',
      severity: 'error',
      comment: 'lib/ is the engine and its adapters; only cli/ wires the built-in tasks (tasks/) in.',
      from: { path: '^lib/' },
      to: { path: '^(cli|tasks)/' },
    },
    {
      name: 'tasks-load-their-work-lazily',
      severity: 'error',
      comment:
        'A built-in task file is its definition (name, description, deps); what it runs is imported inside run(), so --list, which loads every definition, loads none of it (test/cli/startup.test.ts counts).',
      from: { path: '^tasks/' },
      to: {
        path: '^lib/',
        pathNot: ['^lib/engine/task\\.ts$', '^lib/failure\\.ts$'],
        dependencyTypesNot: ['type-only', 'dynamic-import'],
      },
    },
    {
      name: 'tasks-not-to-cli',
      severity: 'error',
      comment: 'A built-in task never knows how it was invoked.',
      from: { path: '^tasks/' },
      to: { path: '^cli/' },
    },
    {
      name: 'engine-is-generic',
      severity: 'error',
      comment:
        'lib/engine runs any task graph: it imports lib/util, lib/failure.ts and lib/version.ts only, and types from lib/config (a task context carries the resolved config).',
      from: { path: '^lib/engine/' },
      to: {
        path: '^lib/',
        pathNot: [
          '^lib/engine/',
          '^lib/util/',
          '^lib/failure\\.ts$',
          '^lib/version\\.ts$',
          '^lib/config/(types|input)\\.ts$',
        ],
      },
    },
    {
      name: 'engine-config-types-only',
      severity: 'error',
      comment: 'The engine may know the shape of the config, never load or resolve one.',
      from: { path: '^lib/engine/' },
      to: { path: '^lib/config/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'graph-is-pure',
      severity: 'error',
      comment: 'lib/engine/graph.ts deals in names and edges only: no I/O, no runner, no tasks.',
      from: { path: '^lib/engine/graph\\.ts$' },
      to: { pathNot: ['^lib/util/', '^lib/failure\\.ts$'] },
    },
    {
      name: 'util-is-a-leaf',
      severity: 'error',
      comment: 'lib/util holds generic helpers that know nothing of cloudy-tasks.',
      from: { path: '^lib/util/' },
      to: { path: '^lib/', pathNot: '^lib/util/' },
    },
    {
      name: 'store-knows-no-domain',
      severity: 'error',
      comment: 'lib/store keeps state, history and the lock; it knows no Docker, Trivy or tasks.',
      from: { path: '^lib/store/' },
      to: { path: '^lib/', pathNot: ['^lib/store/', '^lib/util/', '^lib/failure\\.ts$'] },
    },
    {
      name: 'docker-below-hardening-and-scan',
      severity: 'error',
      comment:
        'lib/docker is the Docker CLI adapter; hardening, scanning, compose and deploying build on it, not the other way round. It may keep its build records through lib/store, which knows no domain.',
      from: { path: '^lib/docker/' },
      to: { path: '^lib/(hardening|scan|render|deploy|compose)/' },
    },
    {
      name: 'deploy-is-on-top',
      severity: 'error',
      comment:
        'lib/deploy (replace, converge, rollback, retention) builds on docker, hardening and store; nothing in lib/ below it imports it.',
      from: { path: '^lib/(engine|config|docker|hardening|scan|store|render|util)/' },
      to: { path: '^lib/deploy/' },
    },
    {
      name: 'hardening-policy-is-pure',
      severity: 'error',
      comment:
        'The policy, its refusal and the inspect checks are pure; only hardening/verify.ts reads docker inspect.',
      from: { path: '^lib/hardening/', pathNot: '^lib/hardening/verify\\.ts$' },
      // Docker's notations (units) and naming rules (reference) are pure parsers too.
      to: { path: '^lib/(engine|docker|scan|store|render|config)/', pathNot: '^lib/docker/(units|reference)\\.ts$' },
    },
    {
      name: 'swarm-and-kubernetes-models-are-pure',
      severity: 'error',
      comment:
        'What Swarm cannot apply, the service spec and its checks (lib/swarm) and the Kubernetes manifests (lib/kubernetes) are pure: they run nothing and load no config.',
      from: { path: ['^lib/swarm/(unsupported|spec|flags|checks)\\.ts$', '^lib/kubernetes/'] },
      to: { path: '^lib/(engine|docker|scan|store|render|config)/', pathNot: '^lib/docker/units\\.ts$' },
    },
    {
      name: 'render-runs-nothing',
      severity: 'error',
      comment: 'lib/render turns values into text; it may read any type but never runs a process or a task.',
      from: { path: '^lib/render/' },
      to: {
        path: '^lib/',
        pathNot: ['^lib/render/', '^lib/util/', '^lib/failure\\.ts$', '^lib/version\\.ts$', '^lib/scan/severity\\.ts$'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'compose-renders-nothing',
      severity: 'error',
      comment: 'lib/compose decides and runs compose; lib/render words it (tasks put the two together).',
      from: { path: '^lib/compose/' },
      to: { path: '^lib/(render|scan|store)/' },
    },
    {
      name: 'only-the-spawner-spawns',
      severity: 'error',
      comment:
        'All process spawning goes through lib/engine/spawn.ts, the one place that decides what an exit status means.',
      from: { path: '^(lib|tasks|cli|index\\.ts)', pathNot: '^lib/engine/spawn\\.ts$' },
      to: { path: ['^zx', SPAWNING] },
    },
    {
      name: 'one-adapter-per-library',
      severity: 'error',
      comment:
        'listr2 lives in lib/render/listr.ts, cosmiconfig in lib/config/load.ts, dotenv-safe in lib/config/env.ts, js-yaml in lib/compose/yaml.ts.',
      from: {
        pathNot: [
          '^lib/render/listr\\.ts$',
          '^lib/config/load\\.ts$',
          '^lib/config/env\\.ts$',
          '^lib/compose/yaml\\.ts$',
          '^test/',
        ],
      },
      to: { path: ['^node_modules/(listr2|cosmiconfig|dotenv-safe|dotenv|js-yaml)/'] },
    },
    {
      name: 'one-adapter-per-library-kubernetes',
      severity: 'error',
      comment: 'kubernetes-models lives in lib/kubernetes/validate.ts, js-yaml in lib/kubernetes/yaml.ts (issue 13).',
      from: { pathNot: ['^lib/kubernetes/(validate|yaml)\\.ts$', '^test/'] },
      to: { path: ['^node_modules/(kubernetes-models|@kubernetes-models|js-yaml)/'] },
    },
    {
      name: 'no-underscore-modules',
      severity: 'error',
      comment: 'No _-prefixed "internal" files: a module that needs hiding belongs in a folder of its own.',
      from: {},
      to: { path: '(^|/)_[^/]*\\.ts$' },
    },
    {
      name: 'no-test-code-in-the-product',
      severity: 'error',
      from: { path: '^(lib|tasks|cli|index\\.ts)' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
