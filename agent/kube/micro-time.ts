/**
 * A Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. The API
 * server rejects a Lease renewTime or an Event eventTime with the three a
 * Date's toISOString gives; JavaScript time has milliseconds, so the last three are zeros.
 */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
