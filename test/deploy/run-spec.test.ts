/**
 * The run spec and the replace order: what counts as "the same settings" to the engine, how a
 * change is named, and when a replace may start the new container first. Pure.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Config } from '../../lib/config/input.js';
import { resolveConfig } from '../../lib/config/resolve.js';
import { replaceOrder } from '../../lib/deploy/replace.js';
import { describeSettingChanges, runSettings, runSpecHash } from '../../lib/deploy/run-spec.js';

const policy = (container: Config['container'] = {}) => resolveConfig({ container }, '/p').container;

const Spec = suite('run spec');

Spec('equal to the engine means equal: 512m = 512M = 536870912, 1 = 1.0, capability spellings', () => {
  const base = runSpecHash(policy({ memory: '512m', cpus: '1.0', capAdd: ['NET_BIND_SERVICE'] }));
  assert.is(
    runSpecHash(policy({ memory: '512M', memorySwap: '536870912', cpus: 1, capAdd: ['cap_net_bind_service'] })),
    base,
  );
  assert.match(base, /^[0-9a-f]{16}$/);
});

Spec('a real difference changes the hash: memory, a volume, a port, the order of security options', () => {
  const base = runSpecHash(policy());
  assert.is.not(runSpecHash(policy({ memory: '1g' })), base);
  assert.is.not(runSpecHash(policy({ volumes: ['other:/app/data'] })), base);
  assert.is.not(runSpecHash(policy({ ports: ['8080:8080'] })), base);
  // Volumes are a set to docker; security options are not (the last no-new-privileges wins).
  const v = ['a:/a', 'b:/b'];
  assert.is(runSpecHash(policy({ volumes: v })), runSpecHash(policy({ volumes: [...v].reverse() })));
  const opts = ['no-new-privileges:false', 'no-new-privileges:true'];
  assert.is.not(runSpecHash(policy({ securityOpt: opts })), runSpecHash(policy({ securityOpt: [...opts].reverse() })));
});

Spec('the name and the health timeout are not part of it (a start-first replace uses a temporary name)', () => {
  // Volumes set: by default they are named after the container, and a volume is part of the spec.
  const volumes = ['data:/app/data'];
  assert.is(
    runSpecHash(policy({ name: 'a', healthTimeoutSeconds: 5, volumes })),
    runSpecHash(policy({ name: 'b', volumes })),
  );
});

Spec('changes are named by config key with both values', () => {
  assert.equal(describeSettingChanges(runSettings(policy()), runSettings(policy({ memory: '1g', pidsLimit: 128 }))), [
    'container.memory 512m → 1g',
    'container.memorySwap 512m → 1g',
    'container.pidsLimit 64 → 128',
  ]);
  assert.equal(describeSettingChanges(runSettings(policy()), runSettings(policy())), []);
});

Spec('start-first unless a host port is published or stop-first is configured', () => {
  assert.is(replaceOrder(policy(), 'auto'), 'start-first');
  assert.is(replaceOrder(policy({ network: { name: 'n', internal: true } }), 'auto'), 'start-first');
  assert.is(replaceOrder(policy({ ports: ['127.0.0.1:8080:8080'] }), 'auto'), 'stop-first');
  assert.is(replaceOrder(policy(), 'stop-first'), 'stop-first');
});

Spec.run();
