/**
 * A problem with a file a user wrote (an inventory, a rollout spec, a playbook, a kernel series,
 * an ACL rule set), pinned to its line, and how every command prints one: `file:line: field: problem`.
 */
export type FieldPath = readonly (string | number)[];

export interface DocumentProblem {
  line: number;
  field: string | null;
  problem: string;
}

export function formatProblem(file: string, problem: DocumentProblem): string {
  return `${file}:${problem.line}: ${problem.field ?? '(file)'}: ${problem.problem}`;
}
