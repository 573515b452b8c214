import type { LoadProfile } from './profiles.js';

/**
 * What SIPp runs for the playground: its command line, and the UAC scenario: SIPp's built-in `uac` (INVITE,
 * optional 100/180/183, 200, ACK, pause, BYE, 200) plus what the built-in one
 * lacks for an overload demo. Every non-2xx final answer to the INVITE is ACKed
 * in the same transaction and ends the call, and each outcome bumps a named
 * scenario counter, which SIPp writes to its statistics CSV as `<name>(C)`:
 * that is how 503s are told apart from other failures exactly.
 */

/** Scenario counters (columns `<name>(P)` / `<name>(C)` of SIPp's -trace_stat file). */
export const SCENARIO_COUNTERS = {
  answered: 'answered',
  rejected503: 'rejected503',
  failedOther: 'failedOther',
  timeouts: 'timeouts',
  completed: 'completed',
} as const;

/**
 * Final answers handled in the scenario. Anything else still ends the call via
 * SIPp's default "unexpected message" behaviour (which ACKs 4xx-6xx too); it
 * shows up as FailedCall in the statistics and counts as another failure.
 */
const FAILURE_CODES = [400, 403, 404, 408, 480, 481, 483, 486, 487, 488, 500, 501, 502, 503, 504, 600, 603];

export interface ScenarioOptions {
  /** How long an answered call lasts before its BYE. */
  readonly holdMs: number;
  /** No final answer (or no 200 to the BYE) for this long: the call is given up. */
  readonly answerTimeoutMs: number;
}

/** One scenario element; `message` elements take a scenario index (labels do not). */
interface Element {
  readonly xml: string;
  readonly message: boolean;
}

export function uacScenarioXml(o: ScenarioOptions): string {
  const hold = Math.max(0, Math.round(o.holdMs));
  const wait = `timeout="${Math.max(1, Math.round(o.answerTimeoutMs))}"`;
  const c = SCENARIO_COUNTERS;
  const els: Element[] = [
    msg(`<send retrans="500" start_rtd="1">${cdata(request('INVITE', 1, '[branch]', false, true))}</send>`),
    // Each recv re-arms the answer timeout: SIPp times out the message it is waiting on.
    ...[100, 180, 183].map((code) => msg(`<recv response="${code}" optional="true" ${wait} ontimeout="timedout"/>`)),
    ...FAILURE_CODES.map((code) =>
      msg(`<recv response="${code}" optional="true" ${wait} ontimeout="timedout" next="rejected" counter="${code === 503 ? c.rejected503 : c.failedOther}"/>`),
    ),
    msg(`<recv response="200" rtd="1" ${wait} ontimeout="timedout" counter="${c.answered}"/>`),
    msg(`<send>${cdata(request('ACK', 1, '[branch]', true))}</send>`),
    msg(`<pause milliseconds="${hold}"/>`),
    msg(`<send retrans="500">${cdata(request('BYE', 2, '[branch]', true))}</send>`),
    // A failed BYE ends the call quietly: it was answered, so it is not a failed attempt.
    ...FAILURE_CODES.map((code) => msg(`<recv response="${code}" optional="true" ${wait} ontimeout="end" next="end"/>`)),
    msg(`<recv response="200" ${wait} ontimeout="end" next="end" counter="${c.completed}"/>`),
    label('rejected'),
  ];
  // The ACK of a non-2xx answer belongs to the INVITE transaction (RFC 3261 §17.1.1.3):
  // same branch as the INVITE, which is message 0; [branch-N] offsets SIPp's per-message branch.
  els.push(msg(`<send>${cdata(request('ACK', 1, `[branch-${messageCount(els)}]`, true))}</send>`));
  els.push(msg(`<nop next="end"/>`), label('timedout'), msg(`<nop counter="${c.timeouts}"/>`), label('end'));
  return [
    '<?xml version="1.0" encoding="ISO-8859-1" ?>',
    '<scenario name="vnf-agent playground uac">',
    ...els.map((e) => `  ${e.xml}`),
    '  <ResponseTimeRepartition value="10, 20, 30, 40, 50, 100, 150, 200"/>',
    '  <CallLengthRepartition value="10, 50, 100, 500, 1000, 5000, 10000"/>',
    '</scenario>',
    '',
  ].join('\n');
}

function msg(xml: string): Element {
  return { xml, message: true };
}

function label(id: string): Element {
  return { xml: `<label id="${id}"/>`, message: false };
}

function messageCount(els: readonly Element[]): number {
  return els.filter((e) => e.message).length;
}

function cdata(text: string): string {
  return `\n    <![CDATA[\n${text}\n    ]]>\n  `;
}

/** A request in the style of SIPp's uac; the INVITE carries SDP with a fixed port so SIPp opens no media socket. */
function request(method: string, cseq: number, branch: string, inDialog: boolean, sdp = false): string {
  const body = sdp
    ? ['v=0', 'o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]', 's=-', 'c=IN IP[local_ip_type] [local_ip]', 't=0 0', 'm=audio 9 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000']
    : [];
  const lines = [
    `${method} sip:[service]@[remote_ip]:[remote_port] SIP/2.0`,
    `Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=${branch}`,
    'From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]',
    `To: [service] <sip:[service]@[remote_ip]:[remote_port]>${inDialog ? '[peer_tag_param]' : ''}`,
    'Call-ID: [call_id]',
    `CSeq: ${cseq} ${method}`,
    'Contact: sip:sipp@[local_ip]:[local_port]',
    'Max-Forwards: 70',
    'User-Agent: vnf-agent playground (SIPp)',
    ...(sdp ? ['Content-Type: application/sdp'] : []),
    'Content-Length: [len]',
    '',
    ...body,
  ];
  return lines.map((l) => `      ${l}`).join('\n');
}

export interface SippRunOptions {
  readonly target: { host: string; port: number };
  readonly scenarioFile: string;
  /** Local address for SIP and for the control socket. */
  readonly host: string;
  readonly port: number;
  readonly controlPort: number;
  readonly rate: number;
  readonly limit: number;
  readonly statsFile: string;
}

/**
 * No -m and no -timeout: SIPp runs until it is stopped. The control port takes
 * `cset rate R` / `cset limit N` datagrams; the statistics file gets a row a second.
 */
export function sippArgs(o: SippRunOptions): string[] {
  return [`${o.target.host}:${o.target.port}`, '-sf', o.scenarioFile, '-i', o.host, '-p', String(o.port), '-ci', o.host,
    '-cp', String(o.controlPort), '-r', formatRate(o.rate), '-l', String(o.limit), '-nostdin', '-trace_stat', '-stf', o.statsFile, '-fd', '1'];
}

/** SIPp takes a decimal rate in calls per -rp (1 s). */
export function formatRate(rate: number): string {
  return String(Math.max(0, Math.round(rate * 1000) / 1000));
}

/** Open calls SIPp may keep (-l): three times what the profile's peak holds open, answered or waiting. */
export function callLimit(profile: LoadProfile, callMs: number): number {
  return Math.max(100, Math.ceil((3 * peakRate(profile) * callMs) / 1000));
}

function peakRate(p: LoadProfile): number {
  switch (p.kind) {
    case 'constant':
      return p.rate;
    case 'step':
      return Math.max(p.base, p.high);
    case 'ramp':
      return Math.max(p.from, p.to);
    case 'daily':
      return Math.max(p.min, p.max);
    case 'spike':
      return Math.max(p.base, p.peak);
  }
}
