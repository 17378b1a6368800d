import { defineCase } from '../harness.js';

/** A Dockerfile that passes preflight, so the dry run goes through build, scan and deploy. */
const DOCKERFILE = `FROM busybox:1 AS build
RUN mkdir -p /out/app
FROM scratch
COPY --from=build --chown=1001:1001 /out/app /app
USER 1001:1001
HEALTHCHECK CMD ["/app/cloudy", "health"]
ENTRYPOINT ["/app/cloudy"]
`;

/** The main job's whole plan printed, nothing run (preflight reads the Dockerfile for real). */
export default defineCase({
  name: 'deploy-secure --dry-run',
  targets: { ratio: 2 },
  prepare: ({ project, node, cli }) => {
    const dir = project({ Dockerfile: DOCKERFILE });
    return {
      subject: { argv: [node, cli, 'deploy-secure', '--dry-run'], cwd: dir },
      baseline: { argv: [node, '-e', ''], cwd: dir },
      baselineName: "node -e ''",
    };
  },
});
