/**
 * The same contract suites against KurrentDB, for real:
 *  - KURRENTDB_URL set (e.g. `esdb://127.0.0.1:2113?tls=false`, the server from
 *    infra/docker-compose.yml): against that server;
 *  - otherwise in a throwaway container (testcontainers, image kurrentplatform/kurrentdb,
 *    insecure mode) where a Docker engine is reachable;
 *  - otherwise the suite reports itself skipped: "no Docker engine".
 * Every store gets a namespace of its own (a stream-name prefix), so the tests share one
 * server without seeing each other's streams. See docs/kurrentdb.md.
 */
import { randomBytes } from 'node:crypto';
import { GenericContainer, Wait, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { EventStore } from '@onematter/engine';
import { KurrentDbEventStore } from '../../packages/adapters/src/stores/index.js';
import { eventStoreContract } from './eventStore.contract.js';
import { readModelStoreContract } from './readModelStore.contract.js';

const IMAGE = process.env.KURRENTDB_IMAGE ?? 'kurrentplatform/kurrentdb:latest';
const external = process.env.KURRENTDB_URL;
const docker = external ? true : await getContainerRuntimeClient().then(
  () => true,
  () => false,
);

const namespaces = new Map<EventStore, string>();
let url = external ?? '';
const openIn = (namespace: string) => {
  const store = new KurrentDbEventStore({ connectionString: url, namespace });
  namespaces.set(store, namespace);
  return store;
};
const freshNamespace = () => `t${randomBytes(5).toString('hex')}-`;

if (!external && !docker) {
  describe.skip('kurrentdb event store: skipped: no Docker engine (set KURRENTDB_URL to run against a KurrentDB server)', () => {
    it('runs the event store and read model contracts against KurrentDB: skipped: no Docker engine', () => {});
  });
} else {
  describe(`kurrentdb (${external ? `KURRENTDB_URL=${external}` : `${IMAGE} in a container`})`, () => {
    let container: StartedTestContainer | undefined;
    beforeAll(async () => {
      if (external) return;
      container = await new GenericContainer(IMAGE)
        .withEnvironment({ KURRENTDB_INSECURE: 'true', KURRENTDB_CLUSTER_SIZE: '1', KURRENTDB_RUN_PROJECTIONS: 'None' })
        .withExposedPorts(2113)
        .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCodeMatching((code) => code >= 200 && code < 300))
        .withStartupTimeout(120_000)
        .start();
      url = `kurrentdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`;
    }, 180_000);
    afterAll(async () => {
      await container?.stop();
    });

    eventStoreContract('kurrentdb', async () => openIn(freshNamespace()), undefined, {
      reopen: async (store) => openIn(namespaces.get(store)!),
    });
    // Read models are kept in memory on KurrentDB (see stores/kurrentdb/index.ts): no reopen case.
    readModelStoreContract('kurrentdb', async () => openIn(freshNamespace()));
  });
}
