import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';

/**
 * A STAND-IN for the Kubernetes API server, not a cluster: no cluster can run on these machines.
 * It answers just what `kubectl cordon|drain|uncordon` ask for (discovery, nodes, the pod list of a
 * node, which is empty) and records every node change, so tests can check what the real kubectl
 * did and in which order. Anything else is a 404.
 */
export interface KubeStandIn {
  url: string;
  kubeconfig: string;
  /** Every change to a node's schedulability, in order: [node, unschedulable]. */
  changes: [string, boolean][];
  requests: string[];
  schedulable(node: string): boolean;
  close(): Promise<void>;
}

/** Debian packages kubectl as kubernetes-client; the tests install it when the machine has none. */
export function ensureKubectl(): void {
  if (spawnSync('sh', ['-c', 'command -v kubectl']).status === 0) return;
  for (const args of [
    ['update', '-q'],
    ['install', '-y', '-q', '--no-install-recommends', 'kubernetes-client'],
  ]) {
    execFileSync('apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: 'ignore' });
  }
}

const json = (body: unknown) => JSON.stringify(body);

export async function startKubeStandIn(dir: string): Promise<KubeStandIn> {
  const unschedulable = new Map<string, boolean>();
  const changes: [string, boolean][] = [];
  const requests: string[] = [];
  const node = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-${name}`, resourceVersion: String(changes.length + 1), labels: { 'kubernetes.io/hostname': name } },
    spec: unschedulable.get(name) ? { unschedulable: true } : {},
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  });
  let address = '';
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://standin');
      requests.push(`${request.method} ${url.pathname}${url.search}`);
      const send = (status: number, payload: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(json(payload));
      const nodeMatch = /^\/api\/v1\/nodes\/([^/]+)$/.exec(url.pathname);
      if (url.pathname === '/version') return send(200, { major: '1', minor: '32', gitVersion: 'v1.32.0-fleetwave-standin', platform: 'linux/amd64' });
      if (url.pathname === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: address }] });
      if (url.pathname === '/apis') {
        return send(200, {
          kind: 'APIGroupList',
          apiVersion: 'v1',
          groups: [{ name: 'policy', versions: [{ groupVersion: 'policy/v1', version: 'v1' }], preferredVersion: { groupVersion: 'policy/v1', version: 'v1' } }],
        });
      }
      if (url.pathname === '/api/v1') {
        return send(200, {
          kind: 'APIResourceList',
          groupVersion: 'v1',
          resources: [
            { name: 'nodes', singularName: 'node', namespaced: false, kind: 'Node', verbs: ['get', 'list', 'patch', 'update'], shortNames: ['no'] },
            { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list', 'delete'], shortNames: ['po'] },
            { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
          ],
        });
      }
      if (url.pathname === '/apis/policy/v1') {
        return send(200, {
          kind: 'APIResourceList',
          groupVersion: 'policy/v1',
          resources: [{ name: 'poddisruptionbudgets', singularName: 'poddisruptionbudget', namespaced: true, kind: 'PodDisruptionBudget', verbs: ['get', 'list'] }],
        });
      }
      if (nodeMatch && request.method === 'GET') return send(200, node(nodeMatch[1]!));
      if (nodeMatch && request.method === 'PATCH') {
        const patch = JSON.parse(body || '{}') as { spec?: { unschedulable?: boolean | null } };
        const next = patch.spec?.unschedulable === true;
        unschedulable.set(nodeMatch[1]!, next);
        changes.push([nodeMatch[1]!, next]);
        return send(200, node(nodeMatch[1]!));
      }
      if (url.pathname === '/api/v1/pods' && request.method === 'GET') return send(200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] });
      return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `the fleetwave stand-in does not serve ${url.pathname}`, reason: 'NotFound', code: 404 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `http://${address}`;
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `# A kubeconfig for the fleetwave test STAND-IN of the Kubernetes API (not a cluster).
apiVersion: v1
kind: Config
clusters:
  - name: standin
    cluster: { server: "${url}" }
users:
  - name: standin
    user: { token: standin-token }
contexts:
  - name: standin
    context: { cluster: standin, user: standin }
current-context: standin
`,
  );
  return {
    url,
    kubeconfig,
    changes,
    requests,
    schedulable: (name) => !unschedulable.get(name),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
