/**
 * cloudy-tasks' own config: the worked CloudyMcCodeFace example.
 *
 *   cp .env.example .env                 # GOTELEMETRY=off, UMASK=077, CGO_ENABLED=0
 *   bash scripts/test-images.sh          # the example's offline builder image
 *   npx cloudy-tasks deploy-secure       # build, scan, deploy hardened, verify
 *
 * Everything not set here is the security guide's default (see README "Configuration").
 */
import { defineConfig, defineTask, deploySecure } from 'cloudy-tasks';

/** A typed user task: it receives deploy-secure's output (the container it verified). */
const heartbeat = defineTask({
  name: 'heartbeat',
  description: 'Check that the deployed service is writing its heartbeat',
  deps: [deploySecure],
  run: async (ctx, deps) => {
    const { container } = deps['deploy-secure'];
    const result = await ctx.$`docker exec ${container} /app/cloudy cat /app/logs/heartbeat`;
    ctx.progress(`last heartbeat: ${result.stdout.trim()}`);
    return { container, heartbeat: result.stdout.trim() };
  },
});

export default defineConfig({
  image: {
    name: 'cloudy-mc-codeface',
    dockerfile: 'examples/cloudy-mc-codeface/Dockerfile',
    context: 'examples/cloudy-mc-codeface',
  },
  // The guide's names: without them the container and volumes would be named after this
  // repository (cloudy-mc-codeface_data, ...), see README "Configuration".
  container: {
    volumes: ['cloudy_data:/app/data', 'cloudy_config:/app/config', 'cloudy_logs:/app/logs'],
  },
  // The example builds from a local busybox image (no registry is needed to try it).
  baseImages: [],
  tasks: {
    heartbeat,
    // A Make-style task, as JSON/YAML/package.json configs declare them.
    'image-size': {
      description: 'Show the size of the built image',
      deps: ['docker'],
      run: 'docker image ls cloudy-mc-codeface --format "{{.Repository}}:{{.Tag}} {{.Size}}"',
    },
  },
});
