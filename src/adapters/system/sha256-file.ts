import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

/** Streams a file through sha256: kernel packages can be large, and nothing is held in memory. */
export function sha256File(file: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(1 << 20);
  const fd = openSync(file, 'r');
  try {
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
