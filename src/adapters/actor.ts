import { hostname, userInfo } from 'node:os';
import type { Actor } from '../audit/event.js';

/** Who is acting: the OS user (the human behind sudo when there is one) on this machine. */
export function currentActor(reason: string | undefined): Actor {
  const user = userInfo().username;
  const sudoUser = process.env.SUDO_USER;
  return {
    user: sudoUser && sudoUser !== user ? `${sudoUser} (sudo as ${user})` : user,
    machine: hostname(),
    reason: reason?.trim() ? reason.trim() : null,
  };
}
