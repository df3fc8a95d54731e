import { isIP } from 'node:net';
import { z } from 'zod';

const DNS_LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i;

function isDnsName(value: string): boolean {
  return value.length <= 253 && value.split('.').every((label) => DNS_LABEL.test(label));
}

export const HostnameSchema = z.string().min(1, 'is empty').refine(isDnsName, 'must be a DNS-style name (letters, digits, "-", "_" and "." only, labels of 1-63 characters)');

export const AddressSchema = z
  .string()
  .min(1, 'is empty')
  .refine((value) => isIP(value) !== 0 || isDnsName(value), 'must be an IPv4/IPv6 address or a DNS name');

/** Inventories are text: "22" and 22 are the same port, "7" and 7 the same rack. */
const scalarText = z.union([z.string(), z.number(), z.boolean()]).transform((value) => String(value));

export const PortSchema = z
  .union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number').transform(Number)])
  .pipe(z.number().int('must be a whole number').min(1, 'must be 1-65535').max(65535, 'must be 1-65535'));

export const FailureDomainSchema = scalarText.pipe(
  z
    .string()
    .min(1, 'is empty')
    .max(128, 'is longer than 128 characters')
    .regex(/^[^\s,=!~()]+$/, 'may not contain spaces or any of , = ! ~ ( )'),
);

export const LabelKeySchema = z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9._/-]{0,252}[A-Za-z0-9])?$/, 'label keys are letters, digits and . _ / -, starting and ending alphanumeric');

// Control characters are exactly what a label value may not hold.
// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f]*$/;

export const LabelValueSchema = scalarText.pipe(z.string().max(1024, 'is longer than 1024 characters').regex(NO_CONTROL_CHARACTERS, 'may not contain control characters'));

export const LabelsSchema = z.record(LabelKeySchema, LabelValueSchema);

export const CniModeSchema = z.enum(['veth', 'netkit']);

/** One host as an inventory file describes it, whatever the file's format. */
export const InventoryHostSchema = z.strictObject({
  hostname: HostnameSchema,
  address: AddressSchema.optional(),
  port: PortSchema.optional(),
  user: z
    .string()
    .min(1, 'is empty')
    .regex(/^[^\s@:]+$/, 'may not contain spaces, "@" or ":"')
    .optional(),
  cluster: FailureDomainSchema.optional(),
  zone: FailureDomainSchema.optional(),
  rack: FailureDomainSchema.optional(),
  labels: LabelsSchema.optional(),
  /** The running kernel, when the source observed it (kubectl's nodeInfo.kernelVersion). */
  kernel: z.string().min(1).optional(),
});
export type InventoryHost = z.infer<typeof InventoryHostSchema>;

/** The fields an inventory import owns. Everything else on a host is observed by probes. */
export const InventoryFieldsSchema = z.object({
  hostname: z.string(),
  address: z.string(),
  port: z.number().int().nullable(),
  user: z.string().nullable(),
  cluster: z.string().nullable(),
  zone: z.string().nullable(),
  rack: z.string().nullable(),
  labels: z.record(z.string(), z.string()),
});
export type InventoryFields = z.infer<typeof InventoryFieldsSchema>;

export const ObservedFieldsSchema = z.object({
  runningKernel: z.string().nullable(),
  defaultKernel: z.string().nullable(),
  nextBootKernel: z.string().nullable(),
  installedKernels: z.array(z.string()),
  bootId: z.string().nullable(),
  uptimeSeconds: z.number().nullable(),
  netkitCapable: z.boolean().nullable(),
  netkitDetail: z.string().nullable(),
  cniMode: CniModeSchema.nullable(),
  lastProbedAt: z.string().nullable(),
});
export type ObservedFields = z.infer<typeof ObservedFieldsSchema>;

/** What fleetwave knows of a host no probe has reached yet (a fresh object: its list is the caller's). */
export function notYetObserved(): ObservedFields {
  return {
    runningKernel: null,
    defaultKernel: null,
    nextBootKernel: null,
    installedKernels: [],
    bootId: null,
    uptimeSeconds: null,
    netkitCapable: null,
    netkitDetail: null,
    cniMode: null,
    lastProbedAt: null,
  };
}

export const HostSchema = InventoryFieldsSchema.extend(ObservedFieldsSchema.shape).extend({
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Host = z.infer<typeof HostSchema>;

export const FAILURE_DOMAINS = ['cluster', 'zone', 'rack'] as const;
export type FailureDomain = (typeof FAILURE_DOMAINS)[number];
