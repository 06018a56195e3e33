import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs a command (as root) and resolves with its standard output. */
export async function sh(command: string, ...args: string[]): Promise<string> {
  return (await run(command, args)).stdout;
}

/**
 * Whether this process may make network namespaces (root with CAP_NET_ADMIN): the reason it
 * cannot, or undefined when it can.
 */
export async function namespacesUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces (ip netns add)';
  const probe = `cohora-probe-${randomBytes(3).toString('hex')}`;
  try {
    await sh('ip', 'netns', 'add', probe);
    await sh('ip', 'netns', 'delete', probe);
    return undefined;
  } catch (error) {
    return `cannot create network namespaces here: ${(error as Error).message.split('\n')[0]}`;
  }
}

/**
 * A private network of the test's own: network namespaces joined by veth pairs to a bridge in
 * a namespace of their own, like hosts on one LAN switch, plus one veth from this (the root)
 * namespace to a front namespace, the only way in. Addresses are 10.213.N.0/24 on the LAN and
 * 10.214.N.0/30 for the way in, N random, so parallel runs do not meet; no route leads out, so
 * traffic stays between these namespaces. `destroy()` deletes them all, which takes every
 * veth with it.
 */
export class PrivateNetwork {
  private readonly namespaces: string[] = [];
  private readonly addresses = new Map<string, string[]>();

  private constructor(
    private readonly id: string,
    private readonly subnet: number,
  ) {}

  /**
   * `hosts` maps each namespace's short name to how many LAN addresses it gets; `front` (one of
   * them) is also reachable from here at `frontAddress`.
   */
  static async create(hosts: Record<string, number>, front: string): Promise<PrivateNetwork> {
    const network = new PrivateNetwork(randomBytes(2).toString('hex'), 1 + Math.floor(Math.random() * 250));
    try {
      await network.build(hosts, front);
    } catch (error) {
      await network.destroy();
      throw error;
    }
    return network;
  }

  /** The LAN addresses of `host`, in order. */
  address(host: string, index = 0): string {
    const address = this.addresses.get(host)?.[index];
    if (!address) throw new Error(`no address ${index} for ${host}`);
    return address;
  }

  /** The front namespace's address on the link from this namespace. */
  get frontAddress(): string {
    return `10.214.${this.subnet}.2`;
  }

  /** The command prefix that runs a command inside `host`. */
  wrap(host: string): string[] {
    return ['ip', 'netns', 'exec', this.ns(host)];
  }

  /** Runs a command inside `host`. */
  exec(host: string, command: string, ...args: string[]): Promise<string> {
    return sh('ip', 'netns', 'exec', this.ns(host), command, ...args);
  }

  /** `host` can no longer reach `address`: its packets to it are dropped, as in a partition. */
  async cut(host: string, address: string): Promise<void> {
    await this.exec(host, 'ip', 'route', 'add', 'blackhole', `${address}/32`);
  }

  async restore(host: string, address: string): Promise<void> {
    await this.exec(host, 'ip', 'route', 'del', 'blackhole', `${address}/32`);
  }

  async destroy(): Promise<void> {
    await sh('ip', 'link', 'delete', this.rootEnd).catch(() => undefined);
    for (const ns of this.namespaces.reverse()) await sh('ip', 'netns', 'delete', ns).catch(() => undefined);
  }

  private ns(host: string): string {
    return `cohora-${this.id}-${host}`;
  }

  private get rootEnd(): string {
    return `ch${this.id}r`;
  }

  private async build(hosts: Record<string, number>, front: string): Promise<void> {
    const lan = this.ns('lan');
    await this.addNamespace(lan);
    await sh('ip', 'netns', 'exec', lan, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    await sh('ip', 'netns', 'exec', lan, 'ip', 'link', 'set', 'br0', 'up');
    let next = 10;
    for (const [index, [host, count]] of Object.entries(hosts).entries()) {
      const ns = this.ns(host);
      await this.addNamespace(ns);
      const [inHost, inLan] = [`ch${this.id}h${index}`, `ch${this.id}s${index}`];
      await sh('ip', 'link', 'add', inHost, 'type', 'veth', 'peer', 'name', inLan);
      await sh('ip', 'link', 'set', inHost, 'netns', ns, 'name', 'eth0');
      await sh('ip', 'link', 'set', inLan, 'netns', lan);
      await sh('ip', 'netns', 'exec', lan, 'ip', 'link', 'set', inLan, 'master', 'br0', 'up');
      const addresses = Array.from({ length: count }, () => `10.213.${this.subnet}.${next++}`);
      for (const address of addresses) await this.exec(host, 'ip', 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      await this.exec(host, 'ip', 'link', 'set', 'eth0', 'up');
      this.addresses.set(host, addresses);
    }
    const inFront = `ch${this.id}f`;
    await sh('ip', 'link', 'add', this.rootEnd, 'type', 'veth', 'peer', 'name', inFront);
    await sh('ip', 'link', 'set', inFront, 'netns', this.ns(front), 'name', 'eth1');
    await sh('ip', 'addr', 'add', `10.214.${this.subnet}.1/30`, 'dev', this.rootEnd);
    await sh('ip', 'link', 'set', this.rootEnd, 'up');
    await this.exec(front, 'ip', 'addr', 'add', `${this.frontAddress}/30`, 'dev', 'eth1');
    await this.exec(front, 'ip', 'link', 'set', 'eth1', 'up');
  }

  private async addNamespace(ns: string): Promise<void> {
    await sh('ip', 'netns', 'add', ns);
    this.namespaces.push(ns);
    await sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  }
}
