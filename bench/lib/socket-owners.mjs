// Which server process holds each of the generator's connections, read from the kernel: a
// process's /proc/<pid>/fd links name its sockets' inodes, and /proc/net/tcp{,6} gives each
// inode's addresses. For a PM2 cluster this shows how PM2 spread the clients over its workers.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Maps the client-side port of every TCP connection to `serverPort` onto the index in `pids`
 * of the process that holds its server side.
 */
export function connectionOwners(pids, serverPort) {
  const ownerOfInode = new Map();
  for (const [index, pid] of pids.entries()) {
    let fds = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match) ownerOfInode.set(match[1], index);
      } catch {
        // closed meanwhile
      }
    }
  }
  const owners = new Map();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines = [];
    try {
      lines = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const localPort = parseInt(fields[1].split(':')[1], 16);
      const remotePort = parseInt(fields[2].split(':')[1], 16);
      const owner = ownerOfInode.get(fields[9]);
      if (localPort === serverPort && owner !== undefined) owners.set(remotePort, owner);
    }
  }
  return owners;
}
