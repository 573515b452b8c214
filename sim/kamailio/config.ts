/**
 * Kamailio configurations for the real-SIP setups: the playground's
 * `--sip kamailio`, the end-to-end tests and the benchmarks. Listening
 * addresses are given on the command line (`-l udp:IP:PORT`), so one file
 * serves every pod of a role.
 */

export const KAMAILIO_BIN = '/usr/sbin/kamailio';
export const KAMAILIO_MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules/';

export interface SproutConfigOptions {
  /** INVITEs per second the pipelimit pipe admits; more get 503 (Sprout's load monitor, roughly). */
  readonly inviteLimit?: number;
  /** Established calls the server holds; more get 503 (a call cap). */
  readonly maxCalls?: number;
  /** Retry-After of the 503s: Clearwater's Sprout sends 0, a dispatcher may want more. */
  readonly retryAfterS?: number;
  /** Also serve Prometheus text at /metrics (xhttp_prom). */
  readonly prometheus?: boolean;
  /** `listen=` lines in the file instead of `-l` flags. */
  readonly listen?: { readonly host: string; readonly port: number };
}

const header = (modules: readonly string[], listen?: { host: string; port: number }) => `#!KAMAILIO
debug=1
log_stderror=yes
children=2
tcp_children=2
auto_aliases=no
tcp_accept_no_cl=yes
${listen ? `listen=udp:${listen.host}:${listen.port}\nlisten=tcp:${listen.host}:${listen.port}\n` : ''}mpath="${KAMAILIO_MODULES}"
${modules.map((m) => `loadmodule "${m}.so"`).join('\n')}
modparam("jsonrpcs", "transport", 1)
`;

const overload = (test: string, retryAfterS: number) => `
    if (${test}) {
      append_to_reply("Retry-After: ${retryAfterS}\\r\\n");
      sl_send_reply("503", "Service Unavailable");
      exit;
    }`;

/**
 * A Sprout stand-in: answers OPTIONS to itself with 200, takes INVITEs
 * statefully (a dialog each, answered 200) unless a limit says 503, answers
 * BYE; JSON-RPC at /RPC on its TCP port (xhttp), Prometheus at /metrics.
 */
export function sproutKamailioConfig(o: SproutConfigOptions = {}): string {
  const retryAfter = o.retryAfterS ?? 5;
  const prometheus = o.prometheus ?? true;
  const modules = ['kex', 'corex', 'tm', 'tmx', 'sl', 'rr', 'pv', 'xlog', 'textops', 'maxfwd', 'siputils', 'statistics', 'dialog', 'xhttp', 'jsonrpcs'];
  if (prometheus) modules.push('xhttp_prom');
  if (o.inviteLimit !== undefined) modules.push('pipelimit');
  const limits = [
    o.maxCalls === undefined ? '' : overload(`$stat(active_dialogs) >= ${o.maxCalls}`, retryAfter),
    o.inviteLimit === undefined ? '' : overload(`!pl_check("inv", "TAILDROP", ${o.inviteLimit})`, retryAfter),
  ].join('');
  return `${header(modules, o.listen)}${prometheus ? 'modparam("xhttp_prom", "xhttp_prom_stats", "all")\n' : ''}${o.inviteLimit === undefined ? '' : 'modparam("pipelimit", "timer_interval", 1)\n'}request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (is_method("OPTIONS") && uri == myself) {
    append_to_reply("Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\\r\\n");
    sl_send_reply("200", "OK");
    exit;
  }
  if (has_totag()) {
    if (is_method("ACK")) exit;
    if (is_method("BYE")) { dlg_manage(); t_newtran(); t_reply("200", "OK"); exit; }
    sl_send_reply("481", "No Such Call");
    exit;
  }
  if (is_method("INVITE")) {${limits}
    dlg_manage();
    t_newtran();
    append_to_reply("Contact: <sip:$Ri:$Rp>\\r\\n");
    t_reply("200", "OK");
    exit;
  }
  sl_send_reply("404", "Not Here");
}
event_route[xhttp:request] {
  if ($hu =~ "^/RPC") { jsonrpc_dispatch(); exit; }${prometheus ? '\n  if (prom_check_uri()) { prom_dispatch(); exit; }' : ''}
  xhttp_reply("404", "Not Found", "text/plain", "no such path\\n");
}
`;
}

/**
 * Bono stand-in: a stateful proxy that spreads new calls over the dispatcher
 * set vnf-agent renders into `listFile` (set 1, round robin) and keeps each
 * call on the Sprout that took its INVITE; 503 when no Sprout is routable.
 */
export function bonoKamailioConfig(listFile: string): string {
  const modules = ['kex', 'corex', 'tm', 'tmx', 'sl', 'rr', 'pv', 'xlog', 'textops', 'maxfwd', 'siputils', 'xhttp', 'jsonrpcs', 'dispatcher', 'statistics', 'htable'];
  return `${header(modules)}modparam("htable", "htable", "calls=>size=12;autoexpire=600;")
modparam("dispatcher", "list_file", "${listFile}")
modparam("dispatcher", "reload_delta", 1)
modparam("rr", "enable_full_lr", 1)
# The address clients reach this pod at (spec.exposure), set by the sidecar over JSON-RPC (pv.shvSet).
modparam("pv", "shvset", "public_address=s:")
request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (is_method("OPTIONS") && uri == myself) { sl_send_reply("200", "OK"); exit; }
  if (has_totag()) {
    # A top Route naming the public address this pod record-routed (spec.exposure) is this pod,
    # though Kamailio does not listen there and loose_route() would send the request to it: drop it
    # and skip loose_route() (which reads the message as received); the call's Sprout routes it.
    $var(ours) = 0;
    if ($shv(public_address) != "" && is_present_hf("Route")) {
      $var(top) = $(hdr(Route)[0]{nameaddr.uri});
      if ($(var(top){uri.host}) + ":" + $(var(top){uri.port}) == $shv(public_address)) { remove_hf("Route"); $var(ours) = 1; }
    }
    if ($var(ours) == 0 && loose_route()) { t_relay(); exit; }
    # SIPp's built-in UAC sends ACK and BYE without the Route set: keep a call on
    # the Sprout that took its INVITE (sticky by Call-ID).
    if ($sht(calls=>$ci) != $null) {
      $du = $sht(calls=>$ci);
      if (is_method("BYE")) $sht(calls=>$ci) = $null;
      t_relay();
      exit;
    }
    if (is_method("ACK")) { if (t_check_trans()) t_relay(); exit; }
    sl_send_reply("404", "Not Here");
    exit;
  }
  if (is_method("INVITE")) {
    if ($shv(public_address) != "") record_route_advertised_address("$shv(public_address)"); else record_route();
    if (!ds_select_dst("1", "4")) { append_to_reply("Retry-After: 5\\r\\n"); sl_send_reply("503", "No Sprout"); exit; }
    $sht(calls=>$ci) = $du;
    t_relay();
    exit;
  }
  sl_send_reply("405", "Method Not Allowed");
}
event_route[xhttp:request] {
  if ($hu =~ "^/RPC") { jsonrpc_dispatch(); exit; }
  xhttp_reply("404", "Not Found", "text/plain", "no such path\\n");
}
`;
}
