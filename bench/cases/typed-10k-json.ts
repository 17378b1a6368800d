import { defineCase } from '../harness.js';
import { typedProject } from '../typed-project.js';

/** 10,000 in-process typed tasks, `--json` events; the ratio is the growth from 1,000. */
export default defineCase({
  name: '10,000 typed tasks (--json)',
  targets: { ratio: 12, ms: 1000, peakMiB: 190 },
  prepare: (tools) => typedProject(tools, ['--json']),
});
