/**
 * `ip:port` as config files expect it: IPv6 addresses go in brackets
 * (`[fd00::1]:5054`), as in SIP URIs (RFC 3261 §25.1) and Clearwater's
 * combine_ip_port, so the port is never mistaken for part of the address.
 */
export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
