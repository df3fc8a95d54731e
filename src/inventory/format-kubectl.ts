import { isPlainObject, type StructuredDocument } from '../documents/structured-document.js';
import type { ParsedSource, SourceRecord } from './source.js';

const ZONE_LABELS = ['topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone'];
const RACK_LABELS = ['topology.kubernetes.io/rack', 'topology.rook.io/rack', 'rack'];
const CLUSTER_LABELS = ['topology.kubernetes.io/cluster', 'cluster'];
const ADDRESS_PREFERENCE = ['InternalIP', 'ExternalIP', 'Hostname'];

export function looksLikeKubectlNodes(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  if (value.kind === 'Node') return true;
  if (value.kind !== 'List' && value.kind !== 'NodeList') return false;
  // A NodeList's items may omit their kind; a generic List must hold only Nodes.
  return Array.isArray(value.items) && value.items.every((item) => !isPlainObject(item) || item.kind === undefined || item.kind === 'Node');
}

function firstLabel(labels: Record<string, unknown>, keys: readonly string[]): unknown {
  for (const key of keys) if (typeof labels[key] === 'string' && labels[key] !== '') return labels[key];
  return undefined;
}

function pickAddress(status: Record<string, unknown>): unknown {
  const addresses = Array.isArray(status.addresses) ? status.addresses.filter(isPlainObject) : [];
  for (const type of ADDRESS_PREFERENCE) {
    const found = addresses.find((address) => address.type === type);
    if (found) return found.address;
  }
  return undefined;
}

/** `kubectl get nodes -o json` (or -o yaml): zone and rack from the well-known topology labels. */
export function readKubectlNodes(document: StructuredDocument): ParsedSource {
  const value = document.value as Record<string, unknown>;
  const items = value.kind === 'Node' ? [value] : (value.items as unknown[]);
  const basePath = value.kind === 'Node' ? [] : ['items'];
  const records: SourceRecord[] = [];
  const problems: ParsedSource['problems'] = [];
  items.forEach((item, index) => {
    const itemPath = value.kind === 'Node' ? [] : [...basePath, index];
    const node = isPlainObject(item) ? item : {};
    const metadata = isPlainObject(node.metadata) ? node.metadata : {};
    const status = isPlainObject(node.status) ? node.status : {};
    const nodeInfo = isPlainObject(status.nodeInfo) ? status.nodeInfo : {};
    const labels = isPlainObject(metadata.labels) ? metadata.labels : {};
    if (typeof metadata.name !== 'string') {
      problems.push({ line: document.lineOf(itemPath), field: 'metadata.name', problem: 'node has no name' });
      return;
    }
    const raw: Record<string, unknown> = { hostname: metadata.name, labels };
    const assign = (field: string, fieldValue: unknown) => {
      if (fieldValue !== undefined) raw[field] = fieldValue;
    };
    assign('address', pickAddress(status));
    assign('zone', firstLabel(labels, ZONE_LABELS));
    assign('rack', firstLabel(labels, RACK_LABELS));
    assign('cluster', firstLabel(labels, CLUSTER_LABELS));
    assign('kernel', typeof nodeInfo.kernelVersion === 'string' && nodeInfo.kernelVersion !== '' ? nodeInfo.kernelVersion : undefined);
    const nameLine = document.lineOf([...itemPath, 'metadata', 'name']);
    records.push({ raw, lineOf: (path) => (path[0] === 'labels' ? document.lineOf([...itemPath, 'metadata', ...path]) : nameLine) });
  });
  return { records, problems, warnings: [] };
}
