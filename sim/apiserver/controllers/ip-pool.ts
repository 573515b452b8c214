/**
 * Loopback addresses for simulated pods: 127.0.0.10 upward, the lowest free
 * one first, so a freed address is reused and the playground's SIP servers
 * can each bind their own IP.
 */
export class IpPool {
  #byKey = new Map<string, number>();

  constructor(private readonly firstIndex = 10) {}

  allocate(key: string): string {
    const existing = this.#byKey.get(key);
    if (existing !== undefined) return toAddress(existing);
    const used = new Set(this.#byKey.values());
    let index = this.firstIndex;
    while (used.has(index) || (index & 255) === 0 || (index & 255) === 255) index++;
    if (index > 0xfffffe) throw new Error('loopback address pool exhausted');
    this.#byKey.set(key, index);
    return toAddress(index);
  }

  release(key: string): void {
    this.#byKey.delete(key);
  }

  addressOf(key: string): string | undefined {
    const index = this.#byKey.get(key);
    return index === undefined ? undefined : toAddress(index);
  }
}

function toAddress(index: number): string {
  return `127.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
}
