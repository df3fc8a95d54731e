import path from 'node:path';
import { InventoryHostSchema, type InventoryHost } from '../fleet/host.js';
import { readAnsibleIni } from './format-ansible-ini.js';
import { looksLikeAnsibleYaml, readAnsibleYaml } from './format-ansible-yaml.js';
import { readCsv } from './format-csv.js';
import { readFleetwaveDocument } from './format-fleetwave.js';
import { looksLikeKubectlNodes, readKubectlNodes } from './format-kubectl.js';
import type { InventoryFormat, ParsedSource, SourceRecord } from './source.js';
import type { DocumentProblem } from '../documents/problem.js';
import { parseStructured, type StructuredDocument } from '../documents/structured-document.js';

export interface InventoryParseResult {
  format: InventoryFormat;
  hosts: InventoryHost[];
  problems: DocumentProblem[];
  warnings: string[];
}

export interface ParseInventoryOptions {
  /** Forces the format; otherwise it is detected from the extension and the content. */
  format?: InventoryFormat;
  /** Applied to hosts the file leaves without a cluster (kubectl output rarely names one). */
  defaultCluster?: string;
}

function readDocument(format: InventoryFormat, document: StructuredDocument): ParsedSource {
  switch (format) {
    case 'kubectl':
      return readKubectlNodes(document);
    case 'ansible-yaml':
      return readAnsibleYaml(document);
    default:
      return readFleetwaveDocument(document);
  }
}

function detectDocumentFormat(value: unknown, syntax: 'json' | 'yaml'): InventoryFormat {
  if (looksLikeKubectlNodes(value)) return 'kubectl';
  if (syntax === 'yaml' && looksLikeAnsibleYaml(value) && !(typeof value === 'object' && value !== null && 'hosts' in value)) return 'ansible-yaml';
  return syntax;
}

/** Guesses the syntax from the extension first, then from the first meaningful character. */
function detectSyntax(fileName: string, text: string): 'csv' | 'json' | 'yaml' | 'ini' {
  const extension = path.extname(fileName).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.json') return 'json';
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  if (extension === '.ini' || extension === '.cfg') return 'ini';
  const start = text.trimStart();
  if (start.startsWith('{')) return 'json';
  if (start.startsWith('[')) {
    try {
      JSON.parse(text);
      return 'json';
    } catch {
      return 'ini';
    }
  }
  const firstLine = start.split('\n', 1)[0] ?? '';
  if (/^\s*"?hostname"?\s*,/i.test(firstLine)) return 'csv';
  if (/^---|^[\w.-]+:\s*$/m.test(firstLine)) return 'yaml';
  return 'ini';
}

function syntaxOf(format: InventoryFormat): 'csv' | 'json' | 'yaml' | 'ini' | 'document' {
  if (format === 'csv') return 'csv';
  if (format === 'ansible-ini') return 'ini';
  if (format === 'json') return 'json';
  if (format === 'yaml' || format === 'ansible-yaml') return 'yaml';
  return 'document';
}

function parseSource(fileName: string, text: string, forced: InventoryFormat | undefined): { format: InventoryFormat; source: ParsedSource } {
  const forcedSyntax = forced ? syntaxOf(forced) : undefined;
  const syntax = forcedSyntax === 'document' || forcedSyntax === undefined ? detectSyntax(fileName, text) : forcedSyntax;
  if (syntax === 'csv') return { format: 'csv', source: readCsv(text) };
  if (syntax === 'ini') return { format: 'ansible-ini', source: readAnsibleIni(text) };
  const parsed = parseStructured(text, syntax);
  if (!parsed.document) return { format: forced ?? syntax, source: { records: [], problems: parsed.problems, warnings: [] } };
  const format = forced ?? detectDocumentFormat(parsed.document.value, syntax);
  if (format === 'kubectl' && !looksLikeKubectlNodes(parsed.document.value)) {
    return { format, source: { records: [], problems: [{ line: 1, field: null, problem: 'expected `kubectl get nodes -o json` output (a List of Node objects)' }], warnings: [] } };
  }
  return { format, source: readDocument(format, parsed.document) };
}

function fieldName(pathParts: readonly PropertyKey[]): string | null {
  return pathParts.length === 0 ? null : pathParts.map(String).join('.');
}

/**
 * Parses and validates a whole inventory. Every problem in the file is collected (not just the
 * first), so one run of the import shows the operator everything to fix.
 */
export function parseInventory(fileName: string, text: string, options: ParseInventoryOptions = {}): InventoryParseResult {
  const { format, source } = parseSource(fileName, text, options.format);
  const problems = [...source.problems];
  const hosts: InventoryHost[] = [];
  const firstRecord = new Map<string, { record: SourceRecord; hostname: string }>();
  for (const record of source.records) {
    const raw = options.defaultCluster !== undefined && record.raw.cluster === undefined ? { ...record.raw, cluster: options.defaultCluster } : record.raw;
    const result = InventoryHostSchema.safeParse(raw);
    if (!result.success) {
      for (const issue of result.error.issues) {
        // For an unknown key the path is the record; name the keys instead.
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
        const issuePath = keys.length > 0 ? [keys[0]!] : issue.path;
        problems.push({ line: record.lineOf(issuePath as (string | number)[]), field: keys.length > 0 ? keys.join(', ') : fieldName(issue.path), problem: issue.message });
      }
      continue;
    }
    const host = result.data;
    // Host names are DNS names: Web-1 and web-1 are one host.
    const key = host.hostname.toLowerCase();
    const first = firstRecord.get(key);
    if (first !== undefined) {
      // Lines are looked up only here: for JSON that costs a positioned re-parse of the file.
      const spelled = first.hostname === host.hostname ? '' : ` as ${first.hostname}; host names are not case-sensitive`;
      problems.push({ line: record.lineOf([]), field: 'hostname', problem: `${host.hostname} is listed twice (first at line ${first.record.lineOf([])}${spelled})` });
      continue;
    }
    firstRecord.set(key, { record, hostname: host.hostname });
    hosts.push(host);
  }
  problems.sort((a, b) => a.line - b.line);
  return { format, hosts, problems, warnings: source.warnings };
}
